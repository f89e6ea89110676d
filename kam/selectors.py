"""Reads that span the apps: what a rep's day looks like."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Contract, Meeting
from accounts.querysets import visible_account_ids
from kam.models import User
from plans.models import AccountPlan, ActionItem

RENEWAL_HORIZON_DAYS = 90


@dataclass
class MyDay:
    today: dt.date
    week_end: dt.date
    overdue_actions: list[ActionItem]
    week_actions: list[ActionItem]
    renewals: list[Contract]
    plans_due: list[AccountPlan]
    meetings: list[Meeting]


def my_accounts_ids(user: User) -> QuerySet:
    """Accounts the user owns or is on the team of: "mine", whatever the role."""
    return visible_account_ids(user)


def my_day(*, user: User, today: dt.date) -> MyDay:
    week_end = today + dt.timedelta(days=6 - today.weekday())
    mine = my_accounts_ids(user)
    actions = list(
        ActionItem.objects.filter(owner=user, plan__account__in=mine)
        .not_done()
        .filter(due_date__lte=week_end)
        .select_related("plan__account")
        .order_by("due_date", "id")[:100]
    )
    renewals = list(
        Contract.objects.filter(account__in=mine)
        .open()
        .filter(renewal_deadline__lte=today + dt.timedelta(days=RENEWAL_HORIZON_DAYS))
        .select_related("account")
        .order_by("renewal_deadline", "id")[:50]
    )
    plans_due = list(
        AccountPlan.objects.filter(account__in=mine)
        .review_due(today + dt.timedelta(days=7))
        .select_related("account", "owner")
        .order_by("next_review_date", "id")[:50]
    )
    meetings = list(
        Meeting.objects.filter(account__in=mine)
        .select_related("account")
        .order_by("-held_at", "-id")[:10]
    )
    return MyDay(
        today=today,
        week_end=week_end,
        overdue_actions=[a for a in actions if a.due_date < today],
        week_actions=[a for a in actions if a.due_date >= today],
        renewals=renewals,
        plans_due=plans_due,
        meetings=meetings,
    )
