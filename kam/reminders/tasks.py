"""Celery tasks. Each takes ids, calls the reminder engine, and is safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import engine, mail

log = logging.getLogger(__name__)

MAIL_ERRORS = (SMTPException, OSError, ConnectionError)
# A mail server that is down is retried, backing off to an hour between tries, before the
# task gives up.
MAIL_RETRY = {
    "autoretry_for": MAIL_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 10,
}


def _day(today: str | None) -> dt.date:
    """The day a scheduled task runs for: today, or the ISO date it was given."""
    return dt.date.fromisoformat(today) if today else timezone.localdate()


def _enqueue_on_commit(task, ids: list[int], *args) -> int:
    """One task per id, sent only if the surrounding transaction commits."""
    for pk in ids:
        transaction.on_commit(lambda pk=pk: task.delay(pk, *args))
    return len(ids)


@shared_task(name="kam.run_reminder_sweeps")
def run_reminder_sweeps(today: str | None = None) -> dict:
    """The daily sweep: record every kind of reminder, notify, queue urgent mails."""
    day = _day(today)
    results = {}
    for kind in engine.SWEEPS:
        result = engine.sweep(kind, today=day)
        results[kind] = {"due": result.due, "recorded": result.recorded}
    results["notified"] = engine.notify_recorded()
    queue_reminder_mails()
    log.info("Reminder sweep for %s: %s", day, results)
    return results


def queue_reminder_mails() -> int:
    """Enqueue each pending immediate mail once the surrounding transaction has committed."""
    mail.release_stale_mail_claims()
    return _enqueue_on_commit(send_reminder_mail, mail.pending_mail_ids())


@shared_task(name="kam.send_reminder_mail", **MAIL_RETRY)
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
    day = _day(today)
    return _enqueue_on_commit(send_daily_digest, mail.digest_recipients(day), day.isoformat())


@shared_task(name="kam.send_daily_digest", **MAIL_RETRY)
def send_daily_digest(user_id: int, day: str) -> bool:
    return mail.send_daily_digest(user_id, dt.date.fromisoformat(day))


@shared_task(name="kam.send_manager_digests")
def send_manager_digests(today: str | None = None) -> int:
    day = _day(today)
    return _enqueue_on_commit(
        send_weekly_manager_digest, mail.managers_for_weekly_digest(day), day.isoformat()
    )


@shared_task(name="kam.send_weekly_manager_digest", **MAIL_RETRY)
def send_weekly_manager_digest(user_id: int, day: str) -> bool:
    return mail.send_weekly_manager_digest(user_id, dt.date.fromisoformat(day))
