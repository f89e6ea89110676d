"""Reads of key accounts. Every query starts from what the user may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    F,
    IntegerField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils.translation import gettext_lazy

from kam.core import rights
from kam.core.models import User
from kam.core.text import fold
from plans.models import AccountPlan, PlanStatus
from stakeholders.models import Stakeholder

from .models import (
    OPEN_CONTRACT,
    Account,
    AccountStatus,
    AccountTeamMember,
    Contract,
    Industry,
    Meeting,
    Opportunity,
    Quadrant,
    Tier,
)

RENEWAL_WARNING_DAYS = 30


def _rank(field: str, values: list[str]) -> Case:
    """Sort a choice field in the order its choices are declared, not alphabetically."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


# Sort keys of the accounts list; a leading "-" reverses. Each ends on the name so that pages
# do not shuffle rows that tie.
SORTS = {
    "name": ("name_kana", "name"),
    "priority_score": ("priority_score",),
    "tier": (_rank("tier", Tier.values),),
    "status": (_rank("status", AccountStatus.values),),
    "owner": ("owner__name_kana", "owner__last_name", "owner__first_name"),
    "updated_at": ("updated_at",),
}
SORT_LABELS = {
    "name": gettext_lazy("Name"),
    "priority_score": gettext_lazy("Priority"),
    "tier": gettext_lazy("Tier"),
    "status": gettext_lazy("Status"),
    "owner": gettext_lazy("Owner"),
    "updated_at": gettext_lazy("Updated"),
}
DEFAULT_SORT = "name"


def clean_sort(sort: str) -> str:
    return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT


def _ordering(sort: str) -> list:
    sort = clean_sort(sort)
    descending = sort.startswith("-")
    keys = []
    for key in SORTS[sort.lstrip("-")]:
        expression = F(key) if isinstance(key, str) else key
        keys.append(expression.desc(nulls_last=True) if descending else expression.asc())
    return [*keys, "name_kana", "name", "pk"]


def account_list(
    *,
    user: User,
    search: str = "",
    tier: str = "",
    status: str = "",
    owner: str = "",
    industry: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Account]:
    """The accounts list, filtered and sorted; add_list_columns completes a page of it."""
    # The owner is fetched for the page only (add_list_columns): joining users here lets a
    # poor estimate of a LIKE search pick a nested loop over every matching account.
    accounts = Account.objects.visible_to(user)
    search = fold(search)
    if search:
        # Names and readings as people type them (kam.core.text); a trigram index serves it.
        accounts = accounts.filter(search_key__contains=search)
    if tier in Tier.values:
        accounts = accounts.filter(tier=tier)
    if status in AccountStatus.values:
        accounts = accounts.filter(status=status)
    if owner.isdigit():
        accounts = accounts.filter(owner_id=int(owner))
    if industry in Industry.values:
        accounts = accounts.filter(industry=industry)
    return accounts.order_by(*_ordering(sort))


def add_list_columns(accounts: list[Account]) -> list[Account]:
    """Next renewal deadline and active plan for the accounts of one page, in two queries.

    Done after paging rather than as subqueries of the list query, which PostgreSQL would
    evaluate for every matching account before sorting and cutting the page.
    """
    prefetch_related_objects(accounts, "owner")
    ids = [account.pk for account in accounts]
    deadlines = dict(
        Contract.objects.filter(account_id__in=ids, status__in=OPEN_CONTRACT)
        .order_by()
        .values("account_id")
        .annotate(first=Min("renewal_deadline"))
        .values_list("account_id", "first")
    )
    plans = {}
    for account_id, plan_id, title in (
        AccountPlan.objects.filter(account_id__in=ids, status=PlanStatus.ACTIVE)
        .order_by("-period_start", "-pk")
        .values_list("account_id", "pk", "title")
    ):
        plans.setdefault(account_id, (plan_id, title))
    for account in accounts:
        account.next_renewal_deadline = deadlines.get(account.pk)
        account.active_plan_id, account.active_plan_title = plans.get(account.pk, (None, None))
    return accounts


def account_owners(*, user: User) -> QuerySet[User]:
    """People who own an account the user can see: the choices of the owner filter."""
    owned = Account.objects.visible_to(user).order_by().values("owner_id")
    return User.objects.filter(pk__in=owned).order_by("name_kana", "last_name", "first_name")


def with_quadrant_label(account: Account) -> Account:
    # A GeneratedField gets no get_FOO_display(), even when its output field has choices.
    account.quadrant_label = Quadrant(account.quadrant).label if account.quadrant else ""
    return account


def account_for_page(*, user: User, pk: int) -> Account:
    """The account with its owner; raises Account.DoesNotExist when it is not visible."""
    return with_quadrant_label(Account.objects.visible_to(user).select_related("owner").get(pk=pk))


def _by_name(users: QuerySet[User]) -> QuerySet[User]:
    return users.order_by("name_kana", "last_name", "first_name")


def owner_choices(*, user: User, account: Account | None = None) -> QuerySet[User]:
    """Who may own the account: a rep keeps it (or takes it, when creating); managers choose
    among the people who work accounts (kam.core.rights.assignable_users)."""
    if user.sees_whole_portfolio:
        users = rights.assignable_users()
        if account is not None:
            users = users | User.objects.filter(pk=account.owner_id)
        return _by_name(users.distinct())
    pk = account.owner_id if account is not None else user.pk
    return User.objects.filter(pk=pk)


def account_people(*, account: Account, keep: int | None = None) -> QuerySet[User]:
    """The owner and the team: who may own an opportunity of the account. `keep` is someone
    already chosen, who stays a choice when the record is edited."""
    people = rights.assignable_users().filter(
        Q(pk=account.owner_id) | Q(account_memberships__account=account)
    )
    if keep is not None:
        people = people | User.objects.filter(pk=keep)
    return _by_name(people.distinct())


def team_candidates(*, account: Account) -> QuerySet[User]:
    """Colleagues who may join the team: not on it yet, and not its owner."""
    on_team = AccountTeamMember.objects.filter(account=account).values("user_id")
    return _by_name(rights.assignable_users().exclude(pk__in=on_team).exclude(pk=account.owner_id))


def meeting_attendee_choices(*, meeting: Meeting | None = None) -> QuerySet[User]:
    """Colleagues who may be named at a meeting; those already named on it stay named."""
    users = rights.assignable_users()
    if meeting is not None:
        users = users | User.objects.filter(pk__in=meeting.attendees.values("pk"))
    return _by_name(users.distinct())


def account_stakeholders_for_meetings(*, account: Account) -> QuerySet[Stakeholder]:
    return Stakeholder.objects.filter(account=account, is_active=True).order_by(
        "-influence", "name_kana", "name"
    )


def account_team(*, account: Account) -> list[AccountTeamMember]:
    return list(
        AccountTeamMember.objects.filter(account=account)
        .select_related("user")
        .order_by("role", "user__name_kana", "user__last_name", "pk")
    )


def account_contracts(*, account: Account, today: dt.date) -> list[Contract]:
    """Open contracts first, by renewal deadline; each flagged when its deadline is near."""
    contracts = list(
        Contract.objects.filter(account=account)
        .select_related("successor")
        .order_by(_rank("status", OPEN_CONTRACT), "renewal_deadline", "pk")
    )
    warn_until = today + dt.timedelta(days=RENEWAL_WARNING_DAYS)
    for contract in contracts:
        contract.is_open = contract.status in OPEN_CONTRACT
        contract.deadline_warning = contract.is_open and contract.renewal_deadline <= warn_until
        contract.deadline_passed = contract.is_open and contract.renewal_deadline < today
    return contracts


def account_opportunities(*, account: Account) -> list[Opportunity]:
    return list(
        Opportunity.objects.filter(account=account)
        .select_related("owner")
        .order_by(
            _rank("stage", ["lead", "qualified", "proposal", "negotiation"]),
            "expected_close_date",
            "pk",
        )
    )


def account_plans(*, account: Account) -> list[AccountPlan]:
    return list(
        AccountPlan.objects.filter(account=account)
        .select_related("owner")
        .order_by(_rank("status", PlanStatus.values), "-period_start", "-pk")
    )


def account_meetings(*, account: Account) -> QuerySet[Meeting]:
    """The meeting log, newest first, with who attended on both sides."""
    return (
        Meeting.objects.filter(account=account)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch("stakeholders", queryset=Stakeholder.objects.order_by("name_kana", "name")),
            Prefetch("attendees", queryset=User.objects.order_by("name_kana", "last_name")),
            # The action a next step became, when it became one (plans.ActionItem).
            "follow_up_actions",
        )
        .order_by("-held_at", "-pk")
    )
