from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification, User


def notification_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark some (or, with no ids, all) of a user's unread notifications read."""
    unread: QuerySet = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
