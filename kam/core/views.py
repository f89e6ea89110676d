"""Views of the ground floor: the notification centre, language and personal settings, and
the reading suggested for a name."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .edit import edit_flow
from .forms import UserSettingsForm
from .http import HtmxHttpRequest, render_page
from .models import Notification
from .readings import suggest_reading
from .services import notification_mark_read, user_settings_update


@require_POST
def set_language(request: HtmxHttpRequest) -> HttpResponseRedirect:
    """Switch between Japanese and English; a signed-in user keeps the choice."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@require_GET
@login_required
def notifications(request: HtmxHttpRequest) -> TemplateResponse:
    """The notification centre: newest first, unread marked; a dropdown for htmx."""
    show = request.GET.get("show", "all")
    items = Notification.objects.filter(recipient=request.user)
    if show == "unread":
        items = items.filter(read_at__isnull=True)
    page = Paginator(items.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render_page(
        request,
        "kam/notifications.html",
        {"page": page, "show": show, "active_nav": ""},
        partial="list",
    )


@require_POST
@login_required
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponseRedirect:
    """Mark read and go to the thing it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url or reverse("notifications")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications")
    return HttpResponseRedirect(target)


@require_POST
@login_required
def notifications_mark_read(request: HtmxHttpRequest) -> TemplateResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notification_mark_read(user=request.user, ids=ids or None)
    return notifications(_as_get(request))


def _as_get(request: HtmxHttpRequest) -> HtmxHttpRequest:
    request.method = "GET"
    return request


def _save_settings(request: HtmxHttpRequest, form: UserSettingsForm) -> None:
    user_settings_update(user=request.user, data=form.cleaned_data)
    # The notice below already reads in the language just chosen.
    translation.activate(request.user.language)


@require_http_methods(["GET", "POST"])
@login_required
def user_settings(request: HtmxHttpRequest) -> HttpResponse:
    return edit_flow(
        request,
        queryset=None,
        form=lambda _none, data: UserSettingsForm(data, instance=request.user),
        save=lambda _none, form: _save_settings(request, form),
        notice=lambda _none, _saved: _("Your settings were saved."),
        redirect=lambda _none, _saved: reverse("user_settings"),
        show=lambda _none, form: TemplateResponse(
            request,
            "kam/settings.html",
            {
                "form": form,
                "active_nav": "",
                "idle_hours": f"{settings.SESSION_IDLE_MINUTES / 60:g}",
                "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
            },
        ),
    )


_FIELD_NAME = re.compile(r"^[\w-]{1,64}$")


@require_GET
@login_required
def reading_suggestion(request: HtmxHttpRequest) -> HttpResponse:
    """The reading input of a form, filled with a reading of the name when it was left blank
    (kam.core.readings): the name field asks for it on change and swaps it in, editable."""
    field = request.GET.get("field", "name_kana")
    element_id = request.GET.get("id", f"id_{field}")
    source = request.GET.get("source", "name")
    if not all(_FIELD_NAME.match(value) for value in (field, element_id, source)):
        return HttpResponseBadRequest()
    value = request.GET.get(field, "").strip() or suggest_reading(request.GET.get(source, ""))
    attrs = {"id": element_id, "maxlength": 200}
    return HttpResponse(forms.TextInput().render(field, value[:200], attrs=attrs))
