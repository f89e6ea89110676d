"""The reminder engine: what is due, for whom, recorded once, then delivered.

A sweep works in three steps, each safe to repeat or to run twice at once:

1. select what is due with a constant number of queries per kind (no query per contract);
2. record each reminder under its unique key (kind, object, due date, lead time, recipient)
   with INSERT ... ON CONFLICT DO NOTHING, so a retried task, a second worker or a second
   beat records nothing new;
3. deliver what is recorded and not yet delivered: the in-app notification in the same
   transaction that marks the reminder notified (exactly once), immediate mails claimed
   by a compare-and-set before sending.

The database, not the broker, is the source of truth: a lost queue loses nothing, because
the next sweep finds every due reminder that was not delivered yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import LIVE_CONTRACT, OPEN_CONTRACT, AccountTeamMember, Contract
from kam.core.models import MailState, Notification, Reminder, ReminderKind, Role, User
from plans.models import (
    AccountPlan,
    ActionItem,
    ActionStatus,
    Goal,
    GoalStatus,
    PlanReview,
    PlanStatus,
    ReviewState,
)

# Overdue reminders carry this lead time: one per due date, however long it stays overdue.
OVERDUE = -1
# An overdue item older than this is history, not a reminder.
OVERDUE_HORIZON_DAYS = 365
# Renewal reminders this close to the deadline also go out by mail at once.
IMMEDIATE_MAIL_WITHIN_DAYS = 7

RENEWAL_TEAM_ROLES = ["account_manager", "executive_sponsor", "sales"]
PRICE_TEAM_ROLES = ["account_manager", "sales"]


@dataclass(frozen=True)
class Due:
    """One reminder to record: the unique key plus what the person will read."""

    kind: str
    recipient_id: int
    object_id: int
    due_date: dt.date
    lead_days: int
    account_id: int
    subject: str
    url: str


def applicable_lead(days_left: int, leads: Iterable[int]) -> int | None:
    """The most recent lead time crossed: with leads 90/60/30/7/0 and 40 days left, 60.

    A sweep that did not run for a few days sends the reminder that is current, not the
    ones it missed.
    """
    crossed = [lead for lead in leads if lead >= days_left]
    return min(crossed) if crossed else None


def _dated(
    rows: Iterable[dict], date_key: str, leads: list[int], today: dt.date
) -> Iterator[tuple[dict, int]]:
    for row in rows:
        days_left = (row[date_key] - today).days
        if days_left < 0:
            yield row, OVERDUE
            continue
        lead = applicable_lead(days_left, leads)
        if lead is not None:
            yield row, lead


def _window(field: str, leads: list[int], today: dt.date, *, overdue: bool) -> dict:
    start = today - dt.timedelta(days=OVERDUE_HORIZON_DAYS) if overdue else today
    return {f"{field}__gte": start, f"{field}__lte": today + dt.timedelta(days=max(leads))}


def _team(accounts: QuerySet, roles: list[str]) -> dict[int, set[int]]:
    members: dict[int, set[int]] = {}
    for account_id, user_id in AccountTeamMember.objects.filter(
        account__in=accounts, role__in=roles, user__is_active=True
    ).values_list("account_id", "user_id"):
        members.setdefault(account_id, set()).add(user_id)
    return members


_PLACEHOLDER = 987654321


@lru_cache(maxsize=8)
def _url_pattern(name: str) -> tuple[str, str]:
    """reverse() once per sweep rather than once per reminder: split around the id."""
    head, _sep, tail = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return head, tail


def _account_url(account_id: int, anchor: str) -> str:
    head, tail = _url_pattern("accounts:detail")
    return f"{head}{account_id}{tail}{anchor}"


def _plan_url(plan_id: int, anchor: str = "") -> str:
    head, tail = _url_pattern("plans:detail")
    return f"{head}{plan_id}{tail}{anchor}"


def _due_contracts(
    today: dt.date,
    *,
    date_field: str,
    leads: list[int],
    statuses: list[str],
    team_roles: list[str],
    kind: str,
    overdue_kind: str,
) -> list[Due]:
    """Reminders of a contract date for the account's owner and the team members in a role."""
    contracts = Contract.objects.filter(
        status__in=statuses, **_window(date_field, leads, today, overdue=True)
    )
    rows = list(
        contracts.values(
            "id",
            "number",
            "title",
            date_field,
            "account_id",
            "account__name",
            "account__owner_id",
            "account__owner__is_active",
        )
    )
    team = _team(contracts.values("account_id"), team_roles)
    due = []
    for row, lead in _dated(rows, date_field, leads, today):
        people = set(team.get(row["account_id"], ()))
        if row["account__owner__is_active"]:
            people.add(row["account__owner_id"])
        for user_id in people:
            due.append(
                Due(
                    kind=overdue_kind if lead == OVERDUE else kind,
                    recipient_id=user_id,
                    object_id=row["id"],
                    due_date=row[date_field],
                    lead_days=lead,
                    account_id=row["account_id"],
                    subject=f"{row['account__name']}: {row['title']} ({row['number']})",
                    url=_account_url(row["account_id"], f"#contract-{row['id']}"),
                )
            )
    return due


def due_renewals(today: dt.date) -> list[Due]:
    return _due_contracts(
        today,
        date_field="renewal_deadline",
        leads=sorted(settings.RENEWAL_REMINDER_LEAD_DAYS),
        statuses=OPEN_CONTRACT,
        team_roles=RENEWAL_TEAM_ROLES,
        kind=ReminderKind.RENEWAL_DUE,
        overdue_kind=ReminderKind.RENEWAL_OVERDUE,
    )


def due_price_reviews(today: dt.date) -> list[Due]:
    return _due_contracts(
        today,
        date_field="next_price_review_date",
        leads=sorted(settings.PRICE_REVIEW_LEAD_DAYS),
        statuses=LIVE_CONTRACT,
        team_roles=PRICE_TEAM_ROLES,
        kind=ReminderKind.PRICE_REVIEW,
        overdue_kind=ReminderKind.PRICE_REVIEW,
    )


def due_plan_reviews(today: dt.date) -> list[Due]:
    leads = sorted(settings.PLAN_REVIEW_LEAD_DAYS)
    plans = AccountPlan.objects.filter(
        status__in=[PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW],
        **_window("next_review_date", leads, today, overdue=True),
    ).values(
        "id",
        "title",
        "next_review_date",
        "account_id",
        "account__name",
        "owner_id",
        "owner__is_active",
        "account__owner_id",
        "account__owner__is_active",
    )
    due = []
    for row, lead in _dated(plans, "next_review_date", leads, today):
        people = {
            row[key]
            for key, active in (
                ("owner_id", "owner__is_active"),
                ("account__owner_id", "account__owner__is_active"),
            )
            if row[active]
        }
        for user_id in people:
            due.append(
                Due(
                    kind=ReminderKind.PLAN_REVIEW,
                    recipient_id=user_id,
                    object_id=row["id"],
                    due_date=row["next_review_date"],
                    lead_days=lead,
                    account_id=row["account_id"],
                    subject=f"{row['account__name']}: {row['title']}",
                    url=_plan_url(row["id"]),
                )
            )
    return due


def due_actions(today: dt.date) -> list[Due]:
    leads = sorted(settings.ACTION_DUE_LEAD_DAYS)
    actions = (
        ActionItem.objects.exclude(status=ActionStatus.DONE)
        .filter(owner__is_active=True, **_window("due_date", leads, today, overdue=True))
        .values(
            "id",
            "title",
            "due_date",
            "owner_id",
            "plan_id",
            "plan__account_id",
            "plan__account__name",
        )
    )
    due = []
    for row, lead in _dated(actions, "due_date", leads, today):
        due.append(
            Due(
                kind=ReminderKind.ACTION_OVERDUE if lead == OVERDUE else ReminderKind.ACTION_DUE,
                recipient_id=row["owner_id"],
                object_id=row["id"],
                due_date=row["due_date"],
                lead_days=lead,
                account_id=row["plan__account_id"],
                subject=f"{row['plan__account__name']}: {row['title']}",
                url=_plan_url(row["plan_id"], f"#action-{row['id']}"),
            )
        )
    return due


def due_goals(today: dt.date) -> list[Due]:
    goals = Goal.objects.filter(
        due_date__lt=today,
        due_date__gte=today - dt.timedelta(days=OVERDUE_HORIZON_DAYS),
        plan__owner__is_active=True,
    ).exclude(status__in=[GoalStatus.ACHIEVED, GoalStatus.MISSED])
    return [
        Due(
            kind=ReminderKind.GOAL_MISSED,
            recipient_id=row["plan__owner_id"],
            object_id=row["id"],
            due_date=row["due_date"],
            lead_days=OVERDUE,
            account_id=row["plan__account_id"],
            subject=f"{row['plan__account__name']}: {row['statement']}",
            url=_plan_url(row["plan_id"], f"#goal-{row['id']}"),
        )
        for row in goals.values(
            "id",
            "statement",
            "due_date",
            "plan_id",
            "plan__owner_id",
            "plan__account_id",
            "plan__account__name",
        )
    ]


def due_approvals(today: dt.date) -> list[Due]:
    """Plan reviews waiting for sign-off longer than APPROVAL_REMINDER_DAYS: one reminder a
    day to the manager they were submitted to (to every active manager when to no one, or to
    someone who has left), until it is signed off. The days waited are the lead, so each day
    has its own key and none is sent twice."""
    waiting_since = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=settings.APPROVAL_REMINDER_DAYS), dt.time.max)
    )
    reviews = list(
        PlanReview.objects.filter(
            state=ReviewState.SUBMITTED, submitted_at__lte=waiting_since
        ).values(
            "id",
            "submitted_at",
            "approver_id",
            "approver__is_active",
            "approver__role",
            "plan_id",
            "plan__title",
            "plan__account_id",
            "plan__account__name",
        )
    )
    if not reviews:
        return []
    managers = list(
        User.objects.filter(role=Role.MANAGER, is_active=True).values_list("pk", flat=True)
    )
    due = []
    for row in reviews:
        submitted = timezone.localdate(row["submitted_at"])
        waited = (today - submitted).days
        waiting_for = row["approver__is_active"] and row["approver__role"] == Role.MANAGER
        to = [row["approver_id"]] if waiting_for else managers
        for recipient in to:
            due.append(
                Due(
                    kind=ReminderKind.APPROVAL_PENDING,
                    recipient_id=recipient,
                    object_id=row["id"],
                    due_date=submitted,
                    lead_days=-waited,
                    account_id=row["plan__account_id"],
                    subject=f"{row['plan__account__name']}: {row['plan__title']}",
                    url=_plan_url(row["plan_id"], "#overview"),
                )
            )
    return due


SWEEPS = {
    "renewals": due_renewals,
    "price_reviews": due_price_reviews,
    "plan_reviews": due_plan_reviews,
    "actions": due_actions,
    "goals": due_goals,
    "approvals": due_approvals,
}


def reminder_title(kind: str, lead_days: int, due_date: dt.date, subject: str) -> str:
    """The sentence a person reads, in the active language."""
    when = due_date.isoformat()
    if kind == ReminderKind.APPROVAL_PENDING:
        return _("Plan review waiting for your sign-off since %(when)s: %(subject)s") % {
            "when": when,
            "subject": subject,
        }
    if lead_days == OVERDUE:
        texts = {
            ReminderKind.RENEWAL_OVERDUE: _("Renewal deadline passed on %(when)s: %(subject)s"),
            ReminderKind.PRICE_REVIEW: _("Price review overdue since %(when)s: %(subject)s"),
            ReminderKind.PLAN_REVIEW: _("Plan review overdue since %(when)s: %(subject)s"),
            ReminderKind.ACTION_OVERDUE: _("Action overdue since %(when)s: %(subject)s"),
            ReminderKind.GOAL_MISSED: _("Goal due %(when)s is not met: %(subject)s"),
        }
    elif lead_days == 0:
        texts = {
            ReminderKind.RENEWAL_DUE: _("Renewal deadline is today: %(subject)s"),
            ReminderKind.PRICE_REVIEW: _("Price review is due today: %(subject)s"),
            ReminderKind.PLAN_REVIEW: _("Plan review is due today: %(subject)s"),
            ReminderKind.ACTION_DUE: _("Action due today: %(subject)s"),
        }
    else:
        texts = {
            ReminderKind.RENEWAL_DUE: _(
                "Renewal deadline in %(days)s days (%(when)s): %(subject)s"
            ),
            ReminderKind.PRICE_REVIEW: _("Price review in %(days)s days (%(when)s): %(subject)s"),
            ReminderKind.PLAN_REVIEW: _("Plan review in %(days)s days (%(when)s): %(subject)s"),
            ReminderKind.ACTION_DUE: _("Action due in %(days)s days (%(when)s): %(subject)s"),
        }
    return texts[kind] % {"when": when, "days": lead_days, "subject": subject}


def record(due: list[Due]) -> int:
    """Insert what is due; the unique key drops what was recorded before. Returns new rows."""
    if not due:
        return 0
    languages = dict(
        User.objects.filter(pk__in={d.recipient_id for d in due}).values_list("pk", "language")
    )
    by_language: dict[str, list[Due]] = {}
    for d in due:
        by_language.setdefault(languages.get(d.recipient_id) or settings.LANGUAGE_CODE, []).append(
            d
        )
    rows = []
    for language, items in by_language.items():
        # One language switch per group, not per reminder: a sweep may write 100,000 rows.
        with translation.override(language):
            for d in items:
                immediate = (
                    d.kind == ReminderKind.RENEWAL_DUE and d.lead_days <= IMMEDIATE_MAIL_WITHIN_DAYS
                )
                rows.append(
                    Reminder(
                        kind=d.kind,
                        recipient_id=d.recipient_id,
                        object_id=d.object_id,
                        due_date=d.due_date,
                        lead_days=d.lead_days,
                        account_id=d.account_id,
                        title=reminder_title(d.kind, d.lead_days, d.due_date, d.subject)[:300],
                        url=d.url,
                        mail_state=MailState.PENDING if immediate else MailState.NONE,
                    )
                )
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return Reminder.objects.count() - before


@transaction.atomic
def notify_recorded(batch_size: int = 1000) -> int:
    """Turn recorded reminders into notifications, once: both writes share a transaction.

    Rows are locked with SKIP LOCKED so two workers split the work instead of doubling it.
    """
    delivered = 0
    while True:
        batch = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(notified_at__isnull=True)
            .order_by("id")
            .values("id", "recipient_id", "kind", "title", "url")[:batch_size]
        )
        if not batch:
            return delivered
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=r["recipient_id"],
                    reminder_id=r["id"],
                    kind=r["kind"],
                    title=r["title"],
                    url=r["url"],
                )
                for r in batch
            ],
            ignore_conflicts=True,
        )
        Reminder.objects.filter(pk__in=[r["id"] for r in batch]).update(notified_at=timezone.now())
        delivered += len(batch)


@dataclass
class SweepResult:
    kind: str
    due: int
    recorded: int


def sweep(kind: str, *, today: dt.date | None = None, dry_run: bool = False) -> SweepResult:
    """Select and record one kind of reminder. With dry_run, only say what is due."""
    today = today or timezone.localdate()
    due = SWEEPS[kind](today)
    new = unsent(due)
    if dry_run:
        return SweepResult(kind=kind, due=len(new), recorded=0)
    # Only what is not recorded yet is built and inserted; the unique key still drops
    # anything a concurrent sweep recorded in between.
    return SweepResult(kind=kind, due=len(due), recorded=record(new))


def unsent(due: list[Due]) -> list[Due]:
    """What a sweep would record now: due and not recorded before (one query)."""
    if not due:
        return []
    recorded = set(
        Reminder.objects.filter(
            kind__in={d.kind for d in due}, object_id__in={d.object_id for d in due}
        ).values_list("kind", "object_id", "due_date", "lead_days", "recipient_id")
    )
    return [
        d
        for d in due
        if (d.kind, d.object_id, d.due_date, d.lead_days, d.recipient_id) not in recorded
    ]


def preview(kind: str, *, today: dt.date | None = None) -> list[Due]:
    return unsent(SWEEPS[kind](today or timezone.localdate()))
