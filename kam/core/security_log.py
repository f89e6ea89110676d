"""The security log: the one place security events are written, described and pruned.

What is recorded, and where from:
- signing in, a failed sign-in, a lockout (django-axes), signing out everywhere: the auth
  signals below, and kam.core.signin;
- a password changed (by its owner, by a reset link, by an admin) and a role or access
  changed (role, staff, superuser, active): a receiver on the user's save, so every door
  (the settings page, the reset link, admin, a management command) is covered, in the same
  transaction as the save;
- a password reset asked for: the reset page (kam.core.signin_views);
- two-step sign-in turned on or off, new recovery codes: kam.core.signin;
- every export (which list, which filters, how many rows): kam.core.exports, through which
  the dashboard's CSVs and the admin's exports are written;
- an account team or owner changed: the accounts app's receivers, in the transaction of the
  change.

Who and from where come from the request being served (RequestContextMiddleware), unless a
caller says otherwise; a change without a request (a command, a task) has no address.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SecurityEvent, SecurityEventKind, User

# The request being served, for the events written while serving it.
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

# The user fields that decide what someone may do.
ACCESS_FIELDS = ("role", "is_staff", "is_superuser", "is_active")


def _address(request: HttpRequest | None) -> str | None:
    if request is None or not hasattr(request, "META"):
        return None
    from .signin import client_address

    return client_address(request)


def _signed_in_user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def record(
    kind: str,
    *,
    actor: User | None = None,
    actor_name: str | None = None,
    subject: User | None = None,
    account_id: int | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> SecurityEvent:
    """Write one event. The actor defaults to whoever is signed in on the request."""
    request = request if request is not None else current_request.get()
    actor = actor if actor is not None else _signed_in_user(request)
    if actor_name is None:
        actor_name = actor.get_username() if actor is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_name=actor_name[:150],
        address=_address(request),
        subject=subject,
        account_id=account_id,
        details=details,
    )


def prune(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete events older than SECURITY_LOG_DAYS. Returns how many went."""
    days = settings.SECURITY_LOG_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _counts = SecurityEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def describe(event: SecurityEvent) -> str:
    """What happened, in the reader's language, from the event's details."""
    d = event.details or {}
    kind = event.kind
    if kind == SecurityEventKind.EXPORT:
        filters = ", ".join(f"{k}={v}" for k, v in sorted((d.get("filters") or {}).items()))
        text = _("%(list)s, %(rows)s rows (%(format)s)") % {
            "list": d.get("list", ""),
            "rows": d.get("rows", "?"),
            "format": d.get("format", ""),
        }
        return text + (" · " + _("filters: %(filters)s") % {"filters": filters} if filters else "")
    if kind == SecurityEventKind.ROLE_CHANGED:
        return ", ".join(
            f"{field}: {change[0]} → {change[1]}" for field, change in sorted(d.items())
        )
    if kind == SecurityEventKind.TEAM_CHANGED:
        text = (
            _("%(member)s added to the team of %(account)s")
            if d.get("added")
            else _("%(member)s removed from the team of %(account)s")
        )
        return text % {"member": d.get("member", ""), "account": d.get("account", "")}
    if kind == SecurityEventKind.OWNER_CHANGED:
        return _("%(account)s: %(old)s → %(new)s") % {
            "account": d.get("account", ""),
            "old": d.get("old", ""),
            "new": d.get("new", ""),
        }
    if kind == SecurityEventKind.PASSWORD_CHANGED:
        return {
            "reset": _("through a reset link"),
            "admin": _("by an administrator"),
        }.get(d.get("via", ""), _("by its owner"))
    if kind == SecurityEventKind.PASSWORD_RESET_REQUESTED:
        return _("for %(email)s") % {"email": d.get("email", "")}
    return ""


# Sign-in


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    record(SecurityEventKind.SIGNED_IN, actor=user, request=request)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is None:
        # A sign-in without a request (a command, a test client's login) is nobody guessing.
        return
    typed = str(credentials.get("username", ""))
    record(
        SecurityEventKind.SIGN_IN_FAILED,
        actor=User.objects.filter(username=typed).first(),
        actor_name=typed,
        request=request,
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, **kwargs) -> None:
    locked_out(request, username or "")


def locked_out(request: HttpRequest, username: str) -> None:
    """A lockout, once per lock: axes says so at every refused attempt while it lasts."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    address = _address(request)
    if SecurityEvent.objects.filter(
        kind=SecurityEventKind.LOCKED_OUT, actor_name=username or "", address=address, at__gte=since
    ).exists():
        return
    record(
        SecurityEventKind.LOCKED_OUT,
        actor=User.objects.filter(username=username).first() if username else None,
        actor_name=username or "",
        request=request,
    )


# Passwords and access, whichever door saves the user


@receiver(pre_save, sender=User)
def _user_changes(sender, instance: User, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    watched = {"password", *ACCESS_FIELDS}
    if update_fields is not None and not watched & set(update_fields):
        return
    before = User.objects.filter(pk=instance.pk).values("password", *ACCESS_FIELDS).first() or {}
    if not before:
        return
    request = current_request.get()
    # A hash upgraded at sign-in (Django re-hashes with newer settings) is no change: its
    # setter clears the raw password that set_password() keeps.
    if before["password"] != instance.password and instance._password is not None:
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "password_reset_confirm":
            via = "reset"
        elif match is not None and match.namespace == "admin":
            via = "admin"
        else:
            via = "self"
        record(
            SecurityEventKind.PASSWORD_CHANGED,
            actor=_signed_in_user(request) or instance,
            subject=instance,
            via=via,
        )
    changed = {
        field: [before[field], getattr(instance, field)]
        for field in ACCESS_FIELDS
        if before[field] != getattr(instance, field)
    }
    if changed:
        record(SecurityEventKind.ROLE_CHANGED, subject=instance, **changed)
