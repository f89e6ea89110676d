"""Reads that span the apps: what a rep's day looks like."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Window

from accounts.models import Account, Contract, Meeting
from accounts.querysets import visible_account_ids
from kam.core.models import Role, User
from plans import comments
from plans.models import AccountPlan, ActionItem, Comment, PlanReview, ReviewState

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
    threads: list[Comment]
    thread_count: int
    approvals: list[PlanReview]
    approval_count: int


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
    threads, thread_count = _first_and_count(
        comments.involving(user, Account.objects.visible_to(user).values("pk"))
        .select_related("account", "plan", "author")
        .only(
            "on",
            "on_label",
            "body",
            "deleted_at",
            "last_activity_at",
            "account__name",
            "plan__title",
            "author__first_name",
            "author__last_name",
            "author__username",
            "author__language",
        )
        .order_by("-last_activity_at", "-id"),
        n=5,
    )
    approvals, approval_count = _first_and_count(
        waiting_for(user)
        .select_related("plan__account", "reviewer")
        .only(
            "reviewed_on",
            "submitted_at",
            "plan__title",
            "plan__account__name",
            "reviewer__first_name",
            "reviewer__last_name",
            "reviewer__username",
            "reviewer__language",
        )
        .order_by("submitted_at", "id")
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
        threads=threads,
        thread_count=thread_count,
        approvals=approvals,
        approval_count=approval_count,
    )


def waiting_for(user: User) -> QuerySet[PlanReview]:
    """Reviews waiting for this manager's sign-off: sent to them, or to no one (any manager)."""
    if user.role != Role.MANAGER:
        return PlanReview.objects.none()
    return PlanReview.objects.filter(
        Q(approver=user)
        | Q(approver__isnull=True)
        | Q(approver__is_active=False)
        | ~Q(approver__role=Role.MANAGER),
        state=ReviewState.SUBMITTED,
    )


def _first_and_count(rows: QuerySet, n: int = SHOWN) -> tuple[list, int]:
    """The first `n` rows and how many there are in all, in one query (COUNT(*) OVER ())."""
    first = list(rows.annotate(in_all=Window(Count("pk")))[:n])
    return first, (first[0].in_all if first else 0)
