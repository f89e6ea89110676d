"""Writes of the ground floor: a person's own settings and their notification centre."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification, User

USER_SETTINGS_FIELDS = ("language", "digest_enabled", "email")


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
