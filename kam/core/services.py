"""Writes of the ground floor: how a service saves a row, a person's own settings, and their
notification centre."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import rights
from .changes import acting
from .models import Notification, User

USER_SETTINGS_FIELDS = ("language", "digest_enabled", "email")


# The argument that names who does a write, by the services' own names for it.
ACTOR_ARGUMENTS = ("user", "author", "reviewer", "recorded_by")


def service(function: Callable) -> Callable:
    """A write: one transaction, and its history names the person the service was called for
    (kam.core.changes.acting), so that the timeline says who did it from every door."""
    atomic = transaction.atomic(function)

    @functools.wraps(function)
    def run(*args, **kwargs):
        actor = next((kwargs[name] for name in ACTOR_ARGUMENTS if kwargs.get(name)), None)
        with acting(actor):
            return atomic(*args, **kwargs)

    return run


def assign_fields(
    instance: models.Model, data: Mapping[str, Any], allowed: tuple[str, ...]
) -> None:
    """Set what the caller may change; anything else is a programming error, not input."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable on {type(instance).__name__}: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)


def full_clean(instance: models.Model, constraint_fields: Mapping[str, str] | None = None) -> None:
    """full_clean(), with each named constraint's message moved onto the field it is about.

    Database constraints report themselves as errors of the whole object; `constraint_fields`
    (constraint name -> field) puts them beside the field where the person who typed the
    value will look.
    """
    try:
        instance.full_clean()
    except ValidationError as exc:
        if not constraint_fields or not hasattr(exc, "error_dict"):
            raise
        field_of = {
            str(constraint.get_violation_error_message()): constraint_fields[constraint.name]
            for constraint in instance._meta.constraints
            if constraint.name in constraint_fields
        }
        errors: dict[str, list[ValidationError]] = {}
        for name, items in exc.error_dict.items():
            for item in items:
                target = name
                if name == NON_FIELD_ERRORS:
                    target = field_of.get(" ".join(item.messages), name)
                errors.setdefault(target, []).append(item)
        raise ValidationError(errors) from None


def split_versions(instance: models.Model, data: Mapping[str, Any]) -> tuple[dict, dict]:
    """The fields to write, and the versions the writer saw (forms post them alongside)."""
    names = set(getattr(instance, "VERSIONS", ()))
    fields = {k: v for k, v in data.items() if k not in names}
    return fields, {k: v for k, v in data.items() if k in names}


def save_fields(
    instance: models.Model,
    data: Mapping[str, Any],
    allowed: tuple[str, ...],
    *,
    user: User,
    act: rights.Act = rights.Act.EDIT,
    people: tuple[str, ...] = (),
    constraint_fields: Mapping[str, str] | None = None,
    refresh: bool = False,
) -> models.Model:
    """The body of most create and update services: may the user, set, check, save.

    An update writes only the fields given, and refuses a stale one: `data` may carry the
    versions the writer saw (kam.core.versions). `people` names the fields that choose a
    colleague (an owner): only someone who works accounts may be chosen, or whoever is there
    already. A new row records who added it. With `refresh`, the row is read back so that
    columns the database computes (progress, attainment) are current.
    """
    data, versions = split_versions(instance, data)
    rights.require(user, act, instance)
    for name in people:
        if data.get(name) is not None:
            keep = getattr(instance, f"{name}_id", None)
            rights.check_assignable(data[name], field=name, keep=keep)
    assign_fields(instance, data, allowed)
    creating = instance._state.adding
    if creating and _has_field(instance, "created_by"):
        instance.created_by = user
    full_clean(instance, constraint_fields)
    if creating:
        instance.save()
    else:
        instance.expect(versions).save(update_fields=[*data, "updated_at"])
    if refresh:
        instance.refresh_from_db()
    return instance


def delete_checked(instance: models.Model, *, user: User, version: int | None = None) -> None:
    """Delete what the user may delete, unless someone changed it since they saw it."""
    rights.require(user, rights.Act.DELETE, instance)
    if version is not None:
        instance.check_version({"version": version})
    instance.delete()


def _has_field(instance: models.Model, name: str) -> bool:
    return any(field.name == name for field in instance._meta.concrete_fields)


@transaction.atomic
def user_settings_update(*, user: User, data: Mapping[str, Any]) -> User:
    """Change what a person decides for themselves: language, digest mail, address."""
    unknown = set(data) - set(USER_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a personal setting: {sorted(unknown)}")
    for field, value in data.items():
        setattr(user, field, value)
    user.full_clean()
    user.save(update_fields=list(data))
    return user


@dataclass(frozen=True)
class NewNotification:
    recipient_id: int
    kind: str
    title: str
    url: str = ""
    reminder_id: int | None = None


def notifications_send(items: Iterable[NewNotification]) -> int:
    """Put notifications in people's notification centres, in one insert.

    Any app may call it. A notification that belongs to a reminder is made once: the
    reminder's one-to-one key drops a second one, so a retried delivery cannot double it.
    """
    rows = [
        Notification(
            recipient_id=item.recipient_id,
            kind=item.kind,
            title=item.title[:300],
            url=item.url,
            reminder_id=item.reminder_id,
        )
        for item in items
    ]
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


def notification_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark some (or, with no ids, all) of a user's unread notifications read."""
    unread: QuerySet = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
