"""Who may sign in, and for how long: the one place the sign-in rules are decided.

- Guessing passwords is stopped by django-axes: a user name is locked from one address after
  AXES_FAILURE_LIMIT failures, an address after SIGNIN_FAILURES_PER_ADDRESS failures across
  user names, both for AXES_COOLOFF_TIME. A user name is never locked for everyone: anyone
  could then lock a manager out by typing wrong passwords for them.
- Two-step sign-in (a one-time code from an authenticator app, django-otp) is optional for
  everyone and required for the roles in REQUIRE_2FA_FOR; recovery codes stand in for a lost
  phone.
- A session ends after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS
  after signing in; "sign out everywhere" ends all of a person's sessions at once.
"""

from __future__ import annotations

import time

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import security_log
from .models import SecurityEventKind, User

RECOVERY_CODES = 10
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# How stale the "last seen" time may get before it is written again: one session write a
# minute at most, rather than one per request.
LAST_SEEN_RESOLUTION = 60


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from, through the trusted proxy when one is configured."""
    return get_client_ip_address(request)


# Guessing passwords


class LockoutBackend(AxesStandaloneBackend):
    """Counts failed sign-ins over HTTP. Sign-ins without a request (management commands,
    the test client) cannot be guessed at from outside and are left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """Two limits instead of axes' one: per user name from one address, and per address."""

    def is_locked(self, request, credentials=None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        # In the order of AXES_LOCKOUT_PARAMETERS: user name and address, then address.
        by_name_and_address, by_address = self.get_user_attempts(request, credentials)
        return _failures(by_name_and_address) >= settings.AXES_FAILURE_LIMIT or (
            _failures(by_address) >= settings.SIGNIN_FAILURES_PER_ADDRESS
        )


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def locked_out(request, credentials=None, *args, **kwargs) -> HttpResponse:
    """The sign-in page with a message that does not say whether the user name exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins from this address. Try again in %(minutes)d minutes, or ask "
        "an administrator to clear the lock."
    ) % {"minutes": minutes}
    context = {"locked_out": message, "next": request.POST.get("next", "")}
    # Answered from middleware, so rendered here rather than as a TemplateResponse.
    return render(request, "registration/login.html", context, status=429)


# Two-step sign-in


def two_step_required(user: User) -> bool:
    return user.role in settings.REQUIRE_2FA_FOR


def totp_device(user: User, *, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id").first()


def totp_device_new(user: User) -> TOTPDevice:
    """An authenticator to set up: the one begun before, or a new one with a fresh secret."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def two_step_enable(user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator just checked, drop any older one, and issue recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    User.objects.filter(pk=user.pk).update(two_step_enabled=True)
    user.two_step_enabled = True
    return recovery_codes_new(user, first=True)


@transaction.atomic
def recovery_codes_new(user: User, *, first: bool = False) -> list[str]:
    """Ten single-use codes for when the phone is lost; the old ones stop working. New codes
    asked for later (not the first ones, which come with turning two-step on) are logged."""
    if not first:
        security_log.record(SecurityEventKind.RECOVERY_CODES, subject=user)
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_step_disable(user: User) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    User.objects.filter(pk=user.pk).update(two_step_enabled=False)
    user.two_step_enabled = False


@receiver(post_save, sender=TOTPDevice)
@receiver(post_delete, sender=TOTPDevice)
def _two_step_follows_devices(sender, instance, origin=None, **kwargs) -> None:
    """The flag on the user follows the authenticators, however they change (an admin who
    deletes a lost phone's device in admin turns the second step off for that person)."""
    if isinstance(origin, User):
        return  # the user is being deleted along with their devices
    enabled = TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True).exists()
    flipped = (
        User.objects.filter(pk=instance.user_id)
        .exclude(two_step_enabled=enabled)
        .update(two_step_enabled=enabled)
    )
    if flipped:
        security_log.record(
            SecurityEventKind.TWO_STEP_ON if enabled else SecurityEventKind.TWO_STEP_OFF,
            subject=User.objects.filter(pk=instance.user_id).first(),
        )


# Sessions


@receiver(user_logged_in)
def _mark_signed_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


def session_expired(request: HttpRequest, now: float | None = None) -> bool:
    """Whether the signed-in session is past its idle or absolute limit. Notes the request."""
    now = time.time() if now is None else now
    session = request.session
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(LAST_SEEN_AT)
    if signed_in is None or seen is None:
        # A session from before these limits: start counting now.
        session[SIGNED_IN_AT] = signed_in = signed_in or now
        session[LAST_SEEN_AT] = seen = now
    if now - seen > settings.SESSION_IDLE_MINUTES * 60:
        return True
    if now - signed_in > settings.SESSION_ABSOLUTE_HOURS * 60 * 60:
        return True
    if now - seen > LAST_SEEN_RESOLUTION:
        session[LAST_SEEN_AT] = now
    return False


def sign_out_everywhere(request: HttpRequest) -> None:
    """End every session of the signed-in person, this one included."""
    user = request.user
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    security_log.record(SecurityEventKind.SIGNED_OUT_EVERYWHERE, actor=user, request=request)
    logout(request)
