"""Celery tasks. Each takes ids, calls the reminder engine, and is safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import mail, reminders

log = logging.getLogger(__name__)

MAIL_ERRORS = (SMTPException, OSError, ConnectionError)


@shared_task(name="kam.run_reminder_sweeps")
def run_reminder_sweeps(today: str | None = None) -> dict:
    """The daily sweep: record every kind of reminder, notify, queue urgent mails."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    results = {}
    for kind in reminders.SWEEPS:
        result = reminders.sweep(kind, today=day)
        results[kind] = {"due": result.due, "recorded": result.recorded}
    results["notified"] = reminders.notify_recorded()
    queue_reminder_mails()
    log.info("Reminder sweep for %s: %s", day, results)
    return results


def queue_reminder_mails() -> int:
    """Enqueue each pending immediate mail once the surrounding transaction has committed."""
    mail.release_stale_mail_claims()
    ids = mail.pending_mail_ids()
    for reminder_id in ids:
        transaction.on_commit(lambda rid=reminder_id: send_reminder_mail.delay(rid))
    return len(ids)


@shared_task(
    name="kam.send_reminder_mail",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def send_reminder_mail(reminder_id: int) -> bool:
    return mail.send_reminder_mail(reminder_id)


@shared_task(name="kam.retry_pending_mails")
def retry_pending_mails() -> int:
    """Picks up mails whose task was lost (a flushed broker, a killed worker)."""
    return queue_reminder_mails()


@shared_task(name="kam.send_daily_digests")
def send_daily_digests(today: str | None = None) -> int:
    """Hourly: one digest per person per day, from DIGEST_HOUR on (DigestLog keeps it once)."""
    if today is None and timezone.localtime().hour < settings.DIGEST_HOUR:
        return 0
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    recipients = mail.digest_recipients(day)
    for user_id in recipients:
        transaction.on_commit(lambda uid=user_id: send_daily_digest.delay(uid, day.isoformat()))
    return len(recipients)


@shared_task(
    name="kam.send_daily_digest",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def send_daily_digest(user_id: int, day: str) -> bool:
    return mail.send_daily_digest(user_id, dt.date.fromisoformat(day))


@shared_task(name="kam.send_manager_digests")
def send_manager_digests(today: str | None = None) -> int:
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    managers = mail.managers_for_weekly_digest(day)
    for user_id in managers:
        transaction.on_commit(
            lambda uid=user_id: send_weekly_manager_digest.delay(uid, day.isoformat())
        )
    return len(managers)


@shared_task(
    name="kam.send_weekly_manager_digest",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def send_weekly_manager_digest(user_id: int, day: str) -> bool:
    return mail.send_weekly_manager_digest(user_id, dt.date.fromisoformat(day))


@shared_task(name="kam.refresh_account_health")
def refresh_account_health(today: str | None = None) -> int:
    """Nightly: recompute every account's health score from its plans, contracts and people."""
    from . import dashboard

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return dashboard.refresh_health(day)
