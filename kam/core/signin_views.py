"""Pages of signing in beyond the password: the one-time code, setting up an authenticator,
recovery codes, and signing out everywhere. The rules themselves are in kam.core.signin."""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from . import security_log, signin
from .http import HtmxHttpRequest
from .models import SecurityEventKind, User


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": gettext_lazy("Enter the code.")},
    )

    def clean_code(self) -> str:
        # Authenticator apps show "123 456"; recovery codes are pasted with stray spaces.
        return "".join(self.cleaned_data["code"].split())


WRONG_CODE = gettext_lazy("That code is not right, or was used already. Try the newest code.")


def _next_url(request: HtmxHttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url("home")


@require_http_methods(["GET", "POST"])
@login_required
def login_two_step(request: HtmxHttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code."""
    if request.user.is_verified() or not request.user.two_step_enabled:
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = signin.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)d are left.") % {"left": left},
                )
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    context = {"form": form, "next": _next_url(request)}
    return TemplateResponse(request, "registration/two_step.html", context)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - drawn from our own URI


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _codes_page(request: HtmxHttpRequest, codes: list[str]) -> TemplateResponse:
    return TemplateResponse(request, "kam/two_step_codes.html", {"codes": codes, "active_nav": ""})


@require_http_methods(["GET", "POST"])
@login_required
def two_step_setup(request: HtmxHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, type the six digits it shows."""
    user = request.user
    if user.two_step_enabled:
        if not user.is_verified():
            return HttpResponseRedirect(reverse("login_two_step"))
        context = {
            "active_nav": "",
            "codes_left": signin.recovery_codes_left(user),
            "required": signin.two_step_required(user),
            "form": CodeForm(),
        }
        return TemplateResponse(request, "kam/two_step.html", context)
    device = signin.totp_device_new(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = signin.two_step_enable(user, device)
            otp_login(request, device)
            messages.success(request, _("Two-step sign-in is on."))
            return _codes_page(request, codes)
        form.add_error("code", WRONG_CODE)
    context = {
        "active_nav": "",
        "form": form,
        "qr": _qr_svg(device.config_url),
        "secret": _grouped(_base32(device)),
        "required": signin.two_step_required(user),
        "next": _next_url(request),
    }
    return TemplateResponse(request, "kam/two_step.html", context)


def _base32(device) -> str:
    return b32encode(device.bin_key).decode()


@require_POST
@login_required
def two_step_codes(request: HtmxHttpRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working."""
    if not (request.user.two_step_enabled and request.user.is_verified()):
        return HttpResponseRedirect(reverse("two_step_setup"))
    return _codes_page(request, signin.recovery_codes_new(request.user))


@require_POST
@login_required
def two_step_disable(request: HtmxHttpRequest) -> HttpResponse:
    """Turn two-step sign-in off, with a current code, where the role does not require it."""
    user = request.user
    form = CodeForm(request.POST)
    if signin.two_step_required(user):
        messages.error(request, _("Your role requires two-step sign-in; it cannot be turned off."))
    elif form.is_valid() and match_token(user, form.cleaned_data["code"]) is not None:
        signin.two_step_disable(user)
        messages.success(request, _("Two-step sign-in is off."))
    else:
        messages.error(request, WRONG_CODE)
    return HttpResponseRedirect(reverse("two_step_setup"))


@require_POST
@login_required
def sign_out_everywhere(request: HtmxHttpRequest) -> HttpResponse:
    signin.sign_out_everywhere(request)
    messages.info(request, _("You were signed out on every device, this one included."))
    return HttpResponseRedirect(reverse("login"))


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page; asking for a reset link goes into the security log, whether or not
    the address belongs to anyone (the page itself never says)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        security_log.record(
            SecurityEventKind.PASSWORD_RESET_REQUESTED,
            actor=User.objects.filter(email__iexact=email, is_active=True).first(),
            actor_name=email,
            email=email,
        )
        return super().form_valid(form)
