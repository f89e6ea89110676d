"""Reads that span the apps: what a rep's day looks like."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Window

from accounts.models import Contract, Meeting
from accounts.querysets import visible_account_ids
from kam.core.models import User
from plans.models import AccountPlan, ActionItem

RENEWAL_HORIZON_DAYS = 90
# My day is a short list to act on; each section links to its full list.
SHOWN = 15


@dataclass
class MyDay:
    today: dt.date
    week_end: dt.date
    overdue_actions: list[ActionItem]
    overdue_count: int
    week_actions: list[ActionItem]
    week_count: int
    renewals: list[Contract]
    renewal_count: int
    plans_due: list[AccountPlan]
    plans_due_count: int
    meetings: list[Meeting]


def my_accounts_ids(user: User) -> QuerySet:
    """Accounts the user owns or is on the team of: "mine", whatever the role."""
    return visible_account_ids(user)


def my_day(*, user: User, today: dt.date) -> MyDay:
    week_end = today + dt.timedelta(days=6 - today.weekday())
    mine = my_accounts_ids(user)
    actions = (
        ActionItem.objects.filter(owner=user, plan__account__in=mine)
        .not_done()
        .filter(due_date__lte=week_end)
    )
    # The lists show a few fields of each row; loading whole plans and accounts (dozens of
    # columns, several timestamps) would cost more than the queries themselves.
    listed = (
        actions.select_related("plan__account")
        .only("title", "due_date", "status", "plan__account__name")
        .order_by("due_date", "id")
    )
    renewals = (
        Contract.objects.filter(account__in=mine)
        .open()
        .filter(renewal_deadline__lte=today + dt.timedelta(days=RENEWAL_HORIZON_DAYS))
    )
    plans_due = AccountPlan.objects.filter(account__in=mine).review_due(
        today + dt.timedelta(days=7)
    )
    meetings = (
        Meeting.objects.filter(account__in=mine)
        .select_related("account")
        .only("subject", "kind", "held_at", "account__name")
        .order_by("-held_at", "-id")[:10]
    )
    overdue_actions, overdue_count = _first_and_count(listed.filter(due_date__lt=today))
    week_actions, week_count = _first_and_count(listed.filter(due_date__gte=today))
    renewal_rows, renewal_count = _first_and_count(
        renewals.select_related("account")
        .only("number", "title", "annual_value", "currency", "renewal_deadline", "account__name")
        .order_by("renewal_deadline", "id")
    )
    plan_rows, plans_due_count = _first_and_count(
        plans_due.select_related("account")
        .only("title", "next_review_date", "account__name")
        .order_by("next_review_date", "id")
    )
    return MyDay(
        today=today,
        week_end=week_end,
        overdue_actions=overdue_actions,
        overdue_count=overdue_count,
        week_actions=week_actions,
        week_count=week_count,
        renewals=renewal_rows,
        renewal_count=renewal_count,
        plans_due=plan_rows,
        plans_due_count=plans_due_count,
        meetings=list(meetings),
    )


def _first_and_count(rows: QuerySet, n: int = SHOWN) -> tuple[list, int]:
    """The first `n` rows and how many there are in all, in one query (COUNT(*) OVER ())."""
    first = list(rows.annotate(in_all=Window(Count("pk")))[:n])
    return first, (first[0].in_all if first else 0)
