"""Delivery through the real Redis broker and real Celery workers.

The in-process worker shows the scheduled task end to end; the worker subprocess is killed
with SIGKILL mid-sweep to show that the database, not the broker, decides what is sent.
"""

import datetime as dt
import email
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail as outbox
from django.db import connection
from django_celery_beat.models import PeriodicTask

from kam.celery import app
from kam.core.models import MailState, Notification, Reminder
from kam.reminders import tasks
from tests.factories import AccountFactory, ContractFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

BASE_DIR = Path(settings.BASE_DIR)


def wait_for(condition, timeout: float = 60.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def urgent_contracts(n: int, *, today: dt.date) -> list:
    """Contracts whose renewal deadline is 5 days away: an in-app and an immediate mail each."""
    contracts = []
    owner = UserFactory(email="kam-owner@example.com", language="en")
    for i in range(n):
        account = AccountFactory(owner=owner, name=f"Customer {i:04d}")
        contracts.append(
            ContractFactory(
                account=account,
                number=f"URG-{i:04d}",
                start_date=today - dt.timedelta(days=300),
                end_date=today + dt.timedelta(days=35),
                notice_period_days=30,
            )
        )
    return contracts


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_schedule_is_in_the_database_for_admins():
    """The migrations create the beat schedule as rows admins can edit.

    Transactional tests empty every table, so the migration's functions are run again here
    on the emptied tables rather than relying on what the test database was migrated with.
    """
    import importlib

    from django.apps import apps
    from django.db.migrations.recorder import MigrationRecorder

    applied = set(MigrationRecorder(connection).applied_migrations())
    assert ("kam", "0003_reminder_schedule") in applied
    assert ("kam", "0004_health_schedule") in applied
    PeriodicTask.objects.all().delete()
    for name in ("0003_reminder_schedule", "0004_health_schedule"):
        importlib.import_module(f"kam.core.migrations.{name}").create_schedule(apps, None)
    assert ("kam", "0005_hourly_sweeps") in applied
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "kam.run_reminder_sweeps",
        "kam.send_daily_digests",
        "kam.send_manager_digests",
        "kam.retry_pending_mails",
        "kam.refresh_account_health",
    } <= names
    sweep = PeriodicTask.objects.get(task="kam.run_reminder_sweeps")
    assert str(sweep.crontab.timezone) == "Asia/Tokyo"
    assert (sweep.crontab.hour, sweep.crontab.minute) == ("6", "30")
    importlib.import_module("kam.core.migrations.0005_hourly_sweeps").hourly(apps, None)
    sweep.refresh_from_db()
    assert (sweep.crontab.hour, sweep.crontab.minute) == ("*", "5")
    digests = PeriodicTask.objects.get(task="kam.send_daily_digests")
    assert (digests.crontab.hour, digests.crontab.minute) == ("*", "35")


def test_scheduled_sweep_delivers_mail_and_notification_through_a_worker(broker):
    today = dt.date.today()
    (contract,) = urgent_contracts(1, today=today)
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # Exactly what beat sends: the task by name, through the broker.
        app.send_task("kam.run_reminder_sweeps")
        assert wait_for(lambda: Reminder.objects.filter(mail_state=MailState.SENT).exists())
        # The day is given: the digest task otherwise waits for DIGEST_HOUR in Tokyo.
        app.send_task("kam.send_daily_digests", args=[today.isoformat()])
        assert wait_for(lambda: len(outbox.outbox) == 2)
    owner = contract.account.owner
    assert Notification.objects.filter(recipient=owner).count() == 1
    subjects = sorted(m.subject for m in outbox.outbox)
    assert any("URG-0000" in s for s in subjects)
    assert any("Your reminders" in s for s in subjects)


def test_lost_queue_is_recovered_from_the_database(broker):
    today = dt.date.today()
    urgent_contracts(5, today=today)
    # The sweep runs and enqueues five mails, then the broker loses everything.
    tasks.run_reminder_sweeps()
    assert broker.dbsize() > 0
    broker.flushdb()
    assert Reminder.objects.filter(mail_state=MailState.PENDING).count() == 5
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        app.send_task("kam.retry_pending_mails")
        assert wait_for(lambda: Reminder.objects.filter(mail_state=MailState.SENT).count() == 5)
    assert len(outbox.outbox) == 5
    assert Counter(m.subject for m in outbox.outbox).most_common(1)[0][1] == 1


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kam",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _mailed_numbers(mail_dir: Path) -> Counter:
    """Contract numbers in the subjects of the mails the file backend wrote."""
    numbers = Counter()
    for path in mail_dir.glob("*.log"):
        # The file backend separates messages with a line of 79 dashes.
        for raw in path.read_text().split("-" * 79):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.strip())
            subject = str(make_header(decode_header(message["Subject"] or "")))
            numbers.update(word for word in re.findall(r"URG-\d{4}", subject))
    return numbers


def test_worker_killed_mid_sweep_then_restarted_delivers_everything_once(broker, tmp_path):
    today = dt.date.today()
    contracts = urgent_contracts(150, today=today)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "REMINDER_MAIL_CLAIM_TIMEOUT": "2",
    }
    worker = _worker(env)
    try:
        app.send_task("kam.run_reminder_sweeps")
        # Kill it once it is part-way through sending.
        assert wait_for(
            lambda: Reminder.objects.filter(mail_state=MailState.SENT).count() >= 10, every=0.05
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        sent_before_kill = Reminder.objects.filter(mail_state=MailState.SENT).count()
        assert sent_before_kill < len(contracts)

        time.sleep(2.5)  # let the dead worker's claim expire
        worker = _worker(env)
        # The next sweep (as beat would send it) finds what is due and not yet delivered.
        app.send_task("kam.run_reminder_sweeps")
        assert wait_for(
            lambda: Reminder.objects.filter(mail_state=MailState.SENT).count() == len(contracts),
            timeout=120,
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()

    assert Reminder.objects.count() == len(contracts)
    assert Notification.objects.count() == len(contracts)
    assert Notification.objects.values("reminder").distinct().count() == len(contracts)
    mailed = _mailed_numbers(mail_dir)
    assert set(mailed) == {c.number for c in contracts}
    # A mail the server had accepted when the worker died may go out once more; only the one
    # in flight at the kill can be such a mail.
    assert sum(count - 1 for count in mailed.values()) <= 1
