"""Reads of account plans. Every query starts from what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kam.core import rights
from kam.core.models import Role, User
from kam.core.text import fold

from .models import (
    KPI,
    AccountPlan,
    ActionItem,
    ActionStatus,
    Comment,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    PlanReview,
    ReviewSnapshot,
)

ACTION_DUE_CHOICES = ("all", "overdue", "week")


def plans_visible(*, user: User) -> QuerySet[AccountPlan]:
    return AccountPlan.objects.visible_to(user).select_related("account", "owner")


def plan_list(
    *, user: User, status: str = "", owner: str = "", search: str = ""
) -> QuerySet[AccountPlan]:
    """The plans list: filters by status and owner, search by account name or its reading."""
    plans = plans_visible(user=user)
    if status:
        plans = plans.filter(status=status)
    if owner.isdigit():
        plans = plans.filter(owner_id=int(owner))
    search = fold(search)
    if search:
        plans = plans.filter(
            Q(account__search_key__contains=search) | Q(search_key__contains=search)
        )
    open_threads = (
        Comment.objects.filter(plan=OuterRef("pk"), parent__isnull=True, resolved_at__isnull=True)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return plans.annotate(open_threads=Coalesce(Subquery(open_threads), 0)).order_by(
        "account__name_kana", "account__name", "-period_start", "id"
    )


def plan_owners(*, user: User) -> QuerySet[User]:
    """People who own a plan the user can see: the choices of the owner filter."""
    visible = AccountPlan.objects.visible_to(user).values("owner_id")
    return User.objects.filter(pk__in=visible).order_by("last_name", "first_name", "pk")


def plan_for_page(*, user: User, pk: int) -> AccountPlan:
    """The plan with what its header shows; raises DoesNotExist when it is not visible."""
    return plans_visible(user=user).get(pk=pk)


def latest_review(*, plan: AccountPlan) -> PlanReview | None:
    return plan.reviews.order_by("-reviewed_on", "-id").first()


def plan_reviews(*, plan: AccountPlan) -> list[PlanReview]:
    """The newest reviews, with who reviewed, who signs off, and whether each froze the plan
    (it can then be compared)."""
    reviews = (
        plan.reviews.select_related("reviewer", "approver", "decided_by")
        .annotate(frozen=Exists(ReviewSnapshot.objects.filter(review=OuterRef("pk"))))
        .order_by("-reviewed_on", "-id")
    )
    return list(reviews[:20])


def plan_needs(*, plan: AccountPlan) -> list[CustomerNeed]:
    return list(plan.needs.order_by("priority", "id"))


def plan_goals(*, plan: AccountPlan) -> list[Goal]:
    return list(plan.goals.select_related("need").order_by("due_date", "id"))


def user_choices_for_account(*, account_id: int, keep: int | None = None) -> QuerySet[User]:
    """Who may own a plan or an action of the account: its owner, its team, and managers.

    `keep` is someone already chosen (an action's owner who has since left the team), kept
    so that editing the record does not force a change of owner.
    """
    people = rights.assignable_users().filter(
        Q(pk__in=_account_owner(account_id))
        | Q(account_memberships__account_id=account_id)
        | Q(role=Role.MANAGER)
    )
    return (
        User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk=keep))
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def _account_owner(account_id: int) -> QuerySet:
    from accounts.models import Account

    return Account.objects.filter(pk=account_id).values("owner_id")


# Traceability: need -> goals -> KPIs and actions.


@dataclass
class GoalTrace:
    goal: Goal
    kpis: list[KPI]
    actions: list[ActionItem]

    @property
    def missing_kpi(self) -> bool:
        return not self.kpis

    @property
    def missing_action(self) -> bool:
        return not self.actions

    @property
    def gap_count(self) -> int:
        return int(self.missing_kpi) + int(self.missing_action)


@dataclass
class NeedTrace:
    need: CustomerNeed
    goals: list[GoalTrace] = field(default_factory=list)

    @property
    def unserved(self) -> bool:
        return not self.goals


@dataclass
class Traceability:
    needs: list[NeedTrace]
    # A goal that serves no recorded need fails the R of SMART; it is a gap of its own.
    orphan_goals: list[GoalTrace]

    @property
    def unserved_needs(self) -> int:
        return sum(1 for n in self.needs if n.unserved)

    @property
    def goals_without_kpi(self) -> int:
        return sum(1 for g in self._goals() if g.missing_kpi)

    @property
    def goals_without_action(self) -> int:
        return sum(1 for g in self._goals() if g.missing_action)

    @property
    def goals_without_need(self) -> int:
        return len(self.orphan_goals)

    @property
    def gaps(self) -> int:
        return (
            self.unserved_needs
            + self.goals_without_kpi
            + self.goals_without_action
            + self.goals_without_need
        )

    @property
    def is_empty(self) -> bool:
        return not self.needs and not self.orphan_goals

    def _goals(self) -> list[GoalTrace]:
        return [g for n in self.needs for g in n.goals] + self.orphan_goals


def plan_traceability(plan: AccountPlan) -> Traceability:
    """From each customer need to the goals that serve it, their KPIs and their actions.

    Four queries whatever the size of the plan: needs, goals, and their KPIs and actions
    prefetched.
    """
    needs = list(plan.needs.order_by("priority", "id"))
    goals = list(
        plan.goals.order_by("due_date", "id").prefetch_related(
            Prefetch("kpis", queryset=KPI.objects.order_by("id")),
            Prefetch(
                "actions",
                queryset=ActionItem.objects.select_related("owner").order_by("due_date", "id"),
            ),
        )
    )
    by_need: dict[int, list[GoalTrace]] = {n.pk: [] for n in needs}
    orphans: list[GoalTrace] = []
    for goal in goals:
        trace = GoalTrace(goal=goal, kpis=list(goal.kpis.all()), actions=list(goal.actions.all()))
        if goal.need_id in by_need:
            by_need[goal.need_id].append(trace)
        else:
            orphans.append(trace)
    return Traceability(
        needs=[NeedTrace(need=n, goals=by_need[n.pk]) for n in needs], orphan_goals=orphans
    )


# Print view: every section at once.


@dataclass
class PlanDocument:
    plan: AccountPlan
    needs: list[CustomerNeed]
    goals: list[Goal]
    kpis: list[KPI]
    competitors: list[CompetitorPosition]
    engagements: list
    stakeholders: list
    actions: list[ActionItem]
    reviews: list[PlanReview]
    traceability: Traceability


def plan_document(*, plan: AccountPlan) -> PlanDocument:
    from stakeholders.models import Stakeholder, StakeholderEngagement

    engagements = list(
        StakeholderEngagement.objects.filter(plan=plan)
        .select_related("stakeholder", "stakeholder__relationship_owner", "owner")
        .order_by("-stakeholder__influence", "stakeholder__name_kana", "id")
    )
    engaged = {e.stakeholder_id for e in engagements}
    stakeholders = [
        s
        for s in Stakeholder.objects.filter(account_id=plan.account_id, is_active=True)
        .select_related("relationship_owner")
        .order_by("-influence", "name_kana", "id")
        if s.pk not in engaged
    ]
    return PlanDocument(
        plan=plan,
        needs=plan_needs(plan=plan),
        goals=plan_goals(plan=plan),
        kpis=list(plan.kpis.select_related("goal").order_by("id")),
        competitors=list(plan.competitors.order_by("-threat_level", "competitor")),
        engagements=engagements,
        stakeholders=stakeholders,
        actions=list(
            plan.actions.select_related("owner", "goal").order_by("phase", "due_date", "id")
        ),
        reviews=plan_reviews(plan=plan),
        traceability=plan_traceability(plan),
    )


# The cross-plan list of one's own action items.


def my_action_items(
    *, user: User, today: dt.date, status: str = "", due: str = "all"
) -> QuerySet[ActionItem]:
    """The user's own action items on plans they can see.

    Without a status, everything not done yet; "all" includes finished items.
    """
    items = ActionItem.objects.visible_to(user).filter(owner=user)
    if status == "all":
        pass
    elif status in ActionStatus.values:
        items = items.filter(status=status)
    else:
        items = items.not_done()
    if due == "overdue":
        items = items.overdue(today)
    elif due == "week":
        week_end = today + dt.timedelta(days=6 - today.weekday())
        items = items.filter(due_date__lte=week_end, due_date__gte=today)
    return items.select_related("plan", "plan__account", "goal").order_by("due_date", "id")
