import datetime as dt
import threading
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail as outbox
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kam.core.models import MailState, Notification, Reminder, ReminderKind
from kam.reminders import engine as reminders
from kam.reminders import mail
from tests.factories import (
    AccountFactory,
    ActionFactory,
    ContractFactory,
    GoalFactory,
    PlanFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 21)


def contract_with_deadline(deadline: dt.date, notice: int = 30, **kwargs):
    end = deadline + dt.timedelta(days=notice)
    return ContractFactory(
        start_date=end - dt.timedelta(days=365), end_date=end, notice_period_days=notice, **kwargs
    )


@pytest.mark.parametrize(
    ("days_left", "lead"),
    [(90, 90), (89, 90), (61, 90), (60, 60), (30, 30), (8, 30), (7, 7), (1, 7), (0, 0)],
)
def test_renewal_lead_is_the_most_recent_threshold_crossed(days_left, lead):
    contract_with_deadline(TODAY + dt.timedelta(days=days_left))
    (due,) = reminders.due_renewals(TODAY)
    assert due.lead_days == lead
    assert due.kind == ReminderKind.RENEWAL_DUE


def test_nothing_is_due_before_the_first_lead_time():
    contract_with_deadline(TODAY + dt.timedelta(days=91))
    assert reminders.due_renewals(TODAY) == []


def test_notice_period_moves_the_deadline():
    # Ends in 120 days with 90 days notice: the deadline is in 30 days.
    ContractFactory(
        start_date=TODAY - dt.timedelta(days=200),
        end_date=TODAY + dt.timedelta(days=120),
        notice_period_days=90,
    )
    (due,) = reminders.due_renewals(TODAY)
    assert due.lead_days == 30
    assert due.due_date == TODAY + dt.timedelta(days=30)


def test_deadline_at_month_end_and_leap_day():
    # End 2028-03-01 with one day notice: the deadline is the leap day.
    ContractFactory(
        start_date=dt.date(2027, 3, 1), end_date=dt.date(2028, 3, 1), notice_period_days=1
    )
    (due,) = reminders.due_renewals(dt.date(2028, 2, 22))
    assert due.due_date == dt.date(2028, 2, 29)
    assert due.lead_days == 7


def test_passed_deadline_without_decision_is_overdue_once():
    contract_with_deadline(TODAY - dt.timedelta(days=3))
    (due,) = reminders.due_renewals(TODAY)
    assert due.kind == ReminderKind.RENEWAL_OVERDUE
    assert due.lead_days == reminders.OVERDUE


def test_decided_contracts_are_not_reminded():
    contract_with_deadline(TODAY + dt.timedelta(days=7), status="cancelled")
    contract_with_deadline(TODAY - dt.timedelta(days=7), status="expired")
    assert reminders.due_renewals(TODAY) == []


def test_tokyo_midnight_decides_the_day(time_machine):
    contract = contract_with_deadline(dt.date(2026, 12, 1))
    # 2026-11-30 15:30 UTC is already 1 December 00:30 in Tokyo: the deadline is today.
    time_machine.move_to(dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC))
    result = reminders.sweep("renewals")
    assert result.recorded == 1
    reminder = Reminder.objects.get(object_id=contract.pk)
    assert reminder.lead_days == 0
    # 14:59 UTC is still 30 November in Tokyo: a day left, the 7-day reminder.
    Reminder.objects.all().delete()
    time_machine.move_to(dt.datetime(2026, 11, 30, 14, 59, tzinfo=dt.UTC))
    reminders.sweep("renewals")
    assert Reminder.objects.get(object_id=contract.pk).lead_days == 7


def test_recipients_are_owner_and_relevant_team_not_support():
    account = AccountFactory()
    sales = TeamMemberFactory(account=account, role="sales").user
    support = TeamMemberFactory(account=account, role="support").user
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=account)
    recipients = {d.recipient_id for d in reminders.due_renewals(TODAY)}
    assert recipients == {account.owner_id, sales.pk}
    assert support.pk not in recipients


def test_inactive_owner_gets_nothing():
    account = AccountFactory(owner=UserFactory(is_active=False))
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=account)
    assert reminders.due_renewals(TODAY) == []


def test_the_same_sweep_twice_records_and_notifies_once():
    contract_with_deadline(TODAY + dt.timedelta(days=30))
    first = reminders.sweep("renewals", today=TODAY)
    reminders.notify_recorded()
    second = reminders.sweep("renewals", today=TODAY)
    reminders.notify_recorded()
    assert (first.recorded, second.recorded) == (1, 0)
    assert Reminder.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_new_lead_time_is_a_new_reminder():
    contract = contract_with_deadline(TODAY + dt.timedelta(days=30))
    reminders.sweep("renewals", today=TODAY)
    reminders.sweep("renewals", today=TODAY + dt.timedelta(days=23))
    leads = sorted(
        Reminder.objects.filter(object_id=contract.pk).values_list("lead_days", flat=True)
    )
    assert leads == [7, 30]


def test_selection_takes_a_constant_number_of_queries():
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            reminders.sweep("renewals", today=TODAY)
        return len(ctx)

    contract_with_deadline(TODAY + dt.timedelta(days=10))
    few = count()
    for days in range(20):
        contract_with_deadline(TODAY + dt.timedelta(days=days))
    assert count() == few


def test_dry_run_lists_only_what_is_not_sent_yet():
    contract_with_deadline(TODAY + dt.timedelta(days=30))
    assert len(reminders.preview("renewals", today=TODAY)) == 1
    assert reminders.sweep("renewals", today=TODAY, dry_run=True).recorded == 0
    assert Reminder.objects.count() == 0
    reminders.sweep("renewals", today=TODAY)
    assert reminders.preview("renewals", today=TODAY) == []


def test_price_plan_action_and_goal_sweeps():
    plan = PlanFactory(
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2027, 3, 31),
        next_review_date=TODAY,
    )
    ContractFactory(account=plan.account, next_price_review_date=TODAY + dt.timedelta(days=7))
    ActionFactory(plan=plan, due_date=TODAY + dt.timedelta(days=3))
    ActionFactory(plan=plan, due_date=TODAY - dt.timedelta(days=1))
    ActionFactory(
        plan=plan,
        due_date=TODAY - dt.timedelta(days=1),
        status="done",
        completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    GoalFactory(plan=plan, due_date=dt.date(2026, 10, 31), status="on_track")
    GoalFactory(plan=plan, due_date=dt.date(2026, 10, 31), status="achieved")

    kinds = [
        d.kind
        for kind in reminders.SWEEPS
        if kind != "renewals"
        for d in reminders.SWEEPS[kind](TODAY)
    ]
    assert sorted(kinds) == sorted(
        [
            ReminderKind.PRICE_REVIEW,
            ReminderKind.PLAN_REVIEW,
            ReminderKind.ACTION_DUE,
            ReminderKind.ACTION_OVERDUE,
            ReminderKind.GOAL_MISSED,
        ]
    )


def test_titles_are_in_the_recipients_language():
    account = AccountFactory(owner=UserFactory(language="en"))
    TeamMemberFactory(account=account, role="sales", user=UserFactory(language="ja"))
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=account)
    reminders.sweep("renewals", today=TODAY)
    titles = {r.recipient.language: r.title for r in Reminder.objects.select_related("recipient")}
    assert titles["en"].startswith("Renewal deadline in 30 days")
    assert titles["ja"] != titles["en"]


def test_urgent_renewals_are_mailed_at_once_and_only_once():
    contract_with_deadline(TODAY + dt.timedelta(days=5))
    reminders.sweep("renewals", today=TODAY)
    reminder = Reminder.objects.get()
    assert reminder.mail_state == MailState.PENDING
    assert mail.send_reminder_mail(reminder.pk) is True
    assert mail.send_reminder_mail(reminder.pk) is False
    assert len(outbox.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.mail_state == MailState.SENT
    assert reminder.mailed_at is not None


def test_mail_failure_leaves_it_pending_for_the_retry():
    contract_with_deadline(TODAY + dt.timedelta(days=5))
    reminders.sweep("renewals", today=TODAY)
    reminder = Reminder.objects.get()
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send",
            side_effect=SMTPServerDisconnected("down"),
        ),
        pytest.raises(SMTPServerDisconnected),
    ):
        mail.send_reminder_mail(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.mail_state == MailState.PENDING
    assert reminder.mailed_at is None
    assert outbox.outbox == []
    assert mail.send_reminder_mail(reminder.pk) is True
    assert len(outbox.outbox) == 1


def test_stale_claim_of_a_killed_worker_is_released():
    contract_with_deadline(TODAY + dt.timedelta(days=5))
    reminders.sweep("renewals", today=TODAY)
    reminder = Reminder.objects.get()
    Reminder.objects.filter(pk=reminder.pk).update(
        mail_state=MailState.SENDING,
        mail_claimed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert mail.release_stale_mail_claims() == 1
    assert mail.send_reminder_mail(reminder.pk) is True


def test_daily_digest_is_one_mail_with_every_item_once():
    owner = UserFactory(email="rep@example.com", language="en")
    account = AccountFactory(owner=owner)
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=account)
    contract_with_deadline(TODAY + dt.timedelta(days=60), account=account)
    reminders.sweep("renewals", today=TODAY)
    assert mail.digest_recipients(TODAY) == [owner.pk]
    assert mail.send_daily_digest(owner.pk, TODAY) is True
    assert mail.send_daily_digest(owner.pk, TODAY) is False
    assert len(outbox.outbox) == 1
    message = outbox.outbox[0]
    assert "2 reminders" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert "/accounts/" in message.body
    assert mail.digest_recipients(TODAY) == []


def test_digest_can_be_turned_off():
    owner = UserFactory(digest_enabled=False)
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=AccountFactory(owner=owner))
    reminders.sweep("renewals", today=TODAY)
    assert mail.digest_recipients(TODAY) == []
    assert mail.send_daily_digest(owner.pk, TODAY) is False


def test_digest_mail_failure_keeps_items_for_the_retry():
    owner = UserFactory()
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=AccountFactory(owner=owner))
    reminders.sweep("renewals", today=TODAY)
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError()
        ),
        pytest.raises(ConnectionRefusedError),
    ):
        mail.send_daily_digest(owner.pk, TODAY)
    assert Reminder.objects.filter(digested_at__isnull=True).count() == 1
    assert mail.send_daily_digest(owner.pk, TODAY) is True
    assert len(outbox.outbox) == 1


def test_task_enqueued_in_a_rolled_back_transaction_is_never_sent():
    from kam.reminders import tasks

    contract_with_deadline(TODAY + dt.timedelta(days=5))
    reminders.sweep("renewals", today=TODAY)
    with mock.patch.object(tasks.send_reminder_mail, "delay") as delay:
        try:
            with transaction.atomic():
                tasks.queue_reminder_mails()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        delay.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_record_once():
    for days in range(0, 90, 3):
        contract_with_deadline(TODAY + dt.timedelta(days=days))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            reminders.sweep("renewals", today=TODAY)
            reminders.notify_recorded()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Reminder.objects.count() == 30
    assert Notification.objects.count() == 30


def test_weekly_manager_digest_lists_risks_once():
    from kam.core.models import Role

    manager = UserFactory(role=Role.MANAGER, email="boss@example.com", language="en")
    UserFactory(role=Role.MANAGER, email="", language="en")  # no address: skipped
    rep = UserFactory(last_name="Sato", first_name="Ken")
    account = AccountFactory(owner=rep, name="Acme KK")
    contract_with_deadline(TODAY + dt.timedelta(days=10), account=account, number="RISK-1")
    contract_with_deadline(TODAY + dt.timedelta(days=100), account=account, number="SAFE-1")
    PlanFactory(
        account=account, title="Overdue plan", next_review_date=TODAY - dt.timedelta(days=2)
    )
    plan = PlanFactory(account=AccountFactory(owner=rep), status="draft")
    ActionFactory(plan=plan, owner=rep, due_date=TODAY - dt.timedelta(days=1))
    ActionFactory(plan=plan, owner=rep, due_date=TODAY - dt.timedelta(days=9))

    assert mail.managers_for_weekly_digest(TODAY) == [manager.pk]
    assert mail.send_weekly_manager_digest(manager.pk, TODAY) is True
    assert mail.send_weekly_manager_digest(manager.pk, TODAY) is False
    (message,) = outbox.outbox
    assert "RISK-1" in message.body
    assert "SAFE-1" not in message.body
    assert "Overdue plan" in message.body
    assert "Sato Ken: 2" in message.body
    assert mail.managers_for_weekly_digest(TODAY) == []


def test_send_reminders_command_dry_run_and_run():
    from io import StringIO

    from django.core.management import call_command

    contract_with_deadline(TODAY + dt.timedelta(days=30), number="CMD-1")
    out = StringIO()
    call_command("send_reminders", "--dry-run", "--date", TODAY.isoformat(), stdout=out)
    assert "CMD-1" in out.getvalue()
    assert "1 reminder(s) would be sent" in out.getvalue()
    assert Reminder.objects.count() == 0
    out = StringIO()
    call_command("send_reminders", "--kind", "renewals", "--date", TODAY.isoformat(), stdout=out)
    assert "renewals: 1 due, 1 new" in out.getvalue()
    assert Notification.objects.count() == 1


def test_send_reminders_command_refuses_a_bad_date():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2026-02-30")


def test_digests_wait_for_the_digest_hour_then_go_once(time_machine, settings):
    from kam.reminders import tasks

    settings.DIGEST_HOUR = 7
    owner = UserFactory(email="early@example.com")
    contract_with_deadline(TODAY + dt.timedelta(days=30), account=AccountFactory(owner=owner))
    reminders.sweep("renewals", today=TODAY)
    # 06:10 in Tokyo: not yet.
    time_machine.move_to(dt.datetime(2026, 11, 20, 21, 10, tzinfo=dt.UTC))
    assert tasks.send_daily_digests() == 0
    # 07:35 in Tokyo: this person is due a digest.
    time_machine.move_to(dt.datetime(2026, 11, 20, 22, 35, tzinfo=dt.UTC))
    assert tasks.send_daily_digests() == 1
