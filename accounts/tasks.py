"""Celery tasks of the accounts app. Each takes ids or a date and calls a service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import health


@shared_task(name="kam.refresh_account_health")
def refresh_account_health(today: str | None = None) -> int:
    """Nightly: recompute every account's health score from its plans, contracts and people."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return health.refresh_health(day)
