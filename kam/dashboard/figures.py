"""Portfolio figures for the dashboard: each defined once, here, and traceable.

Every figure starts from the accounts the user may see (Account.objects.visible_to) with
the dashboard filters applied, and is computed with a fixed number of grouped queries, so
the cost does not grow with the number of rows on the page. docs/metrics.md says in words
what each figure means; DEFINITIONS below is what the page shows on hover.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Least, TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.health import DECIDERS, HEALTH_BANDS, RENEWAL_RISK_DAYS
from accounts.models import (
    ATTRACTIVENESS,
    OPEN_CONTRACT,
    POSITION,
    Account,
    AccountContractValue,
    AccountStatus,
    Contract,
    Quadrant,
    Tier,
)
from accounts.querysets import visible_account_ids
from kam.core.models import User
from plans.models import KPI, LIVE_PLAN, AccountPlan, ActionItem, Goal, GoalStatus, PlanStatus
from stakeholders.models import Stakeholder

ATTAINMENT_BANDS = [
    ("lt50", _("Below 50%"), None, 0.5),
    ("50to80", _("50-80%"), 0.5, 0.8),
    ("80to100", _("80-100%"), 0.8, 1.0),
    # xgettext:no-python-format
    ("gte100", _("100% or more"), 1.0, None),
]

DEFINITIONS = {
    "key_accounts": _("Key accounts in the selection, churned accounts excluded."),
    "contract_value": _(
        "Sum of the annual value of active and in-renewal contracts, in the default currency."
    ),
    "renewal_value_90": _(
        "Annual value of open contracts whose renewal deadline (end date minus notice period) "
        "falls in the next 90 days."
    ),
    "plan_coverage": _(
        "Share of key accounts with an active plan whose next review date has not passed, "
        "i.e. reviewed within its cadence."
    ),
    "overdue_actions": _("Action items not done whose due date has passed, in these accounts."),
    "kpi_attainment": _(
        "Average attainment of the KPIs of active plans that have a measurement, each capped at "
        "100%. Attainment is latest value / target (target / latest when lower is better)."
    ),
    "health": _(
        "Health 0-100 = 40% KPI attainment (capped, 50% when no data) + 20% share of open "
        "actions not overdue + 20% renewal (0 when a deadline passed without decision, 50% when "
        "one is within 30 days and not in renewal) + 20% decision makers' attitude (-2..+2 "
        "mapped to 0..100%, 50% when none)."
    ),
    "concentration": _("Share of contract value held by the 10 largest accounts."),
    "quadrant": _(
        "Attractiveness = revenue size + industry position + growth rate (3-15, high from 9); "
        "our position = fit + relationship (2-10, strong from 6). Invest: high and strong; grow: "
        "high and weak; maintain: low and strong; reduce: low and weak."
    ),
}


@dataclass
class Filters:
    owner: int | None = None
    tier: str = ""
    industry: str = ""
    fiscal_year: int | None = None  # the calendar year the fiscal year starts in

    @classmethod
    def from_query(cls, query, today: dt.date) -> Filters:
        owner = query.get("owner", "")
        fy = query.get("fy", "")
        tier = query.get("tier", "")
        return cls(
            owner=int(owner) if owner.isdigit() else None,
            tier=tier if tier in Tier.values else "",
            industry=query.get("industry", "")[:32],
            fiscal_year=int(fy) if fy.isdigit() and 2000 <= int(fy) <= 2100 else None,
        )

    def as_query(self) -> dict:
        return {
            k: v
            for k, v in {
                "owner": self.owner or "",
                "tier": self.tier,
                "industry": self.industry,
                "fy": self.fiscal_year or "",
            }.items()
            if v
        }


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year containing the day, named by the calendar year it starts in."""
    start = settings.FISCAL_YEAR_START_MONTH
    return day.year if day.month >= start else day.year - 1


def fiscal_period(year: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, settings.FISCAL_YEAR_START_MONTH, 1)
    return start, start + relativedelta(years=1) - dt.timedelta(days=1)


def in_scope(user: User, filters: Filters, path: str = "") -> Q:
    """The selection as a condition on a related account (path "account", "plan__account").

    Owner, tier and industry are join conditions rather than "account IN (subquery)", so
    that PostgreSQL can aggregate the whole portfolio for a manager in one pass; the churn
    exclusion is an anti-join, so an unfiltered portfolio needs no join to accounts at all.
    """
    prefix = f"{path}__" if path else ""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if path:
        # Churned accounts are few: "not one of them" is a small hashed anti-join, where
        # "account.status <> churned" would join every row to the whole account table.
        churned = Account.objects.filter(status=AccountStatus.CHURNED).values("pk")
        q = ~Q(**{f"{path}__in": churned})
    else:
        q = ~Q(status=AccountStatus.CHURNED)
    if not user.sees_whole_portfolio:
        q &= Q(**{f"{path}__in" if path else "pk__in": visible_account_ids(user)})
    if filters.owner:
        q &= Q(**{f"{prefix}owner_id": filters.owner})
    if filters.tier:
        q &= Q(**{f"{prefix}tier": filters.tier})
    if filters.industry:
        q &= Q(**{f"{prefix}industry": filters.industry})
    return q


def portfolio(user: User, filters: Filters) -> QuerySet:
    return Account.objects.filter(in_scope(user, filters))


@dataclass
class Portfolio:
    today: dt.date
    filters: Filters
    period: tuple[dt.date, dt.date]
    currency: str
    tiles: dict = field(default_factory=dict)
    value_by_tier: list = field(default_factory=list)
    top10_share: float | None = None
    renewals_by_month: list = field(default_factory=list)
    attainment_bands: list = field(default_factory=list)
    goal_status: list = field(default_factory=list)
    overdue_by_owner: list = field(default_factory=list)
    health_bands: list = field(default_factory=list)
    matrix: list = field(default_factory=list)
    quadrant_counts: dict = field(default_factory=dict)
    at_risk: list = field(default_factory=list)
    unscored: int = 0
    team: list = field(default_factory=list)


def portfolio_figures(user: User, filters: Filters, today: dt.date) -> Portfolio:
    """Every dashboard figure, the team view included, from a fixed set of grouped queries.

    Each query groups by what several figures share (the account, its owner), so the
    portfolio is read once per table rather than once per figure.
    """
    currency = settings.DEFAULT_CURRENCY
    fy = filters.fiscal_year or fiscal_year_of(today)
    period = fiscal_period(fy)
    accounts = portfolio(user, filters)
    on_account = in_scope(user, filters, "account")
    on_plan_account = in_scope(user, filters, "plan__account")
    p = Portfolio(today=today, filters=filters, period=period, currency=currency)
    team: dict[int, TeamRow] = {}

    def team_row(owner_id: int) -> TeamRow:
        return team.setdefault(owner_id, TeamRow(owner_id=owner_id))

    # Accounts per owner and tier, with what hangs off each account at most once: its
    # live contract value in this currency (the trigger-kept roll-up) and its active plan
    # (one per account, a unique constraint). One pass gives the account counts, health
    # bands, value by tier and owner, and plan coverage.
    band_counts = {
        f"h{low}": Count("pk", filter=Q(health_score__gte=low, health_score__lt=high))
        for low, high in HEALTH_BANDS
    }
    bands = Counter()
    n = unscored = covered = 0
    contract_value = Decimal(0)
    by_tier: dict[str, Decimal] = defaultdict(Decimal)
    for row in (
        accounts.alias(
            value_row=FilteredRelation(
                "contract_values", condition=Q(contract_values__currency=currency)
            ),
            active_plan=FilteredRelation("plans", condition=Q(plans__status=PlanStatus.ACTIVE)),
        )
        .values("owner_id", "tier")
        .annotate(
            n=Count("pk"),
            unscored=Count("pk", filter=Q(health_score__isnull=True)),
            value=Sum("value_row__live_value"),
            plans=Count("active_plan__id"),
            plans_ok=Count("active_plan__id", filter=Q(active_plan__next_review_date__gte=today)),
            **band_counts,
        )
        .order_by()
    ):
        owner_row = team_row(row["owner_id"])
        value = row["value"] or Decimal(0)
        owner_row.accounts += row["n"]
        owner_row.contract_value += value
        owner_row.plans += row["plans"]
        owner_row.plans_on_time += row["plans_ok"]
        n += row["n"]
        unscored += row["unscored"]
        covered += row["plans_ok"]
        contract_value += value
        by_tier[row["tier"]] += value
        for low, _high in HEALTH_BANDS:
            bands[low] += row[f"h{low}"]

    # Renewals due in 90 days and renewals at risk, from the open contracts whose deadline
    # is within 90 days (or passed), read off the open-by-deadline index; the ten largest
    # accounts off the roll-up's value index.
    soon_90 = today + dt.timedelta(days=90)
    soon_risk = today + dt.timedelta(days=RENEWAL_RISK_DAYS)
    due_90 = Q(
        status__in=OPEN_CONTRACT,
        currency=currency,
        renewal_deadline__gte=today,
        renewal_deadline__lte=soon_90,
    )
    values = AccountContractValue.objects.filter(on_account, currency=currency)
    renewal_value = Decimal(0)
    renewal_n = 0
    for row in (
        Contract.objects.filter(
            on_account, status__in=OPEN_CONTRACT, renewal_deadline__lte=max(soon_90, soon_risk)
        )
        .values("account__owner_id")
        .annotate(
            due_value=Sum("annual_value", filter=due_90),
            due_n=Count("id", filter=due_90),
            risk=Count("id", filter=Q(renewal_deadline__lte=soon_risk)),
        )
    ):
        renewal_value += row["due_value"] or Decimal(0)
        renewal_n += row["due_n"]
        team_row(row["account__owner_id"]).renewals_at_risk += row["risk"]
    p.value_by_tier = [(value, label, by_tier[value]) for value, label in Tier.choices]
    top10 = (
        values.filter(live_value__gt=0)
        .order_by("-live_value")
        .values_list("live_value", flat=True)[:10]
    )
    p.top10_share = float(sum(top10, Decimal(0)) / contract_value) if contract_value else None

    months = dict(
        Contract.objects.filter(
            on_account,
            status__in=OPEN_CONTRACT,
            currency=currency,
            renewal_deadline__gte=period[0],
            renewal_deadline__lte=period[1],
        )
        .annotate(month=TruncMonth("renewal_deadline"))
        .values("month")
        .annotate(v=Sum("annual_value"))
        .values_list("month", "v")
    )
    months = {(m.date() if isinstance(m, dt.datetime) else m): v for m, v in months.items()}
    first_days = [period[0] + relativedelta(months=i) for i in range(12)]
    p.renewals_by_month = [(m, months.get(m) or Decimal(0)) for m in first_days]

    # Overdue actions by who owns the action and by who owns the account.
    overdue_total = 0
    by_action_owner: Counter = Counter()
    for row in (
        ActionItem.objects.filter(on_plan_account)
        .overdue(today)
        .values("owner_id", "plan__account__owner_id")
        .annotate(n=Count("*"))
    ):
        overdue_total += row["n"]
        team_row(row["plan__account__owner_id"]).overdue_actions += row["n"]
        by_action_owner[row["owner_id"]] += row["n"]
    top_owners = sorted(by_action_owner.items(), key=lambda item: (-item[1], item[0]))[:10]

    kpi_figures = KPI.objects.filter(on_plan_account, plan__status__in=LIVE_PLAN).aggregate(
        # LEAST ignores NULL on PostgreSQL, so unmeasured KPIs are left out explicitly.
        avg=Avg(
            Least(F("attainment"), 1.0, output_field=FloatField()),
            filter=Q(attainment__isnull=False),
        ),
        none=Count("id", filter=Q(attainment__isnull=True)),
        **{
            key: Count(
                "id",
                filter=Q(attainment__isnull=False)
                & (Q(attainment__gte=low) if low is not None else Q())
                & (Q(attainment__lt=high) if high is not None else Q()),
            )
            for key, _label, low, high in ATTAINMENT_BANDS
        },
    )
    p.attainment_bands = [(key, label, kpi_figures[key]) for key, label, _l, _h in ATTAINMENT_BANDS]
    p.attainment_bands.append(("none", _("No measurement"), kpi_figures["none"]))

    goal_counts = dict(
        Goal.objects.filter(
            on_plan_account,
            plan__status__in=LIVE_PLAN,
            due_date__gte=period[0],
            due_date__lte=period[1],
        )
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    p.goal_status = [
        (value, label, goal_counts.get(value, 0)) for value, label in GoalStatus.choices
    ]

    p.tiles = {
        "key_accounts": n,
        "contract_value": contract_value,
        "renewal_value_90": renewal_value,
        "renewal_count_90": renewal_n,
        "plan_coverage": (covered / n) if n else None,
        "plans_covered": covered,
        "overdue_actions": overdue_total,
        "kpi_attainment": kpi_figures["avg"],
    }
    p.health_bands = [(f"{low}-{min(high, 100)}", bands[low]) for low, high in HEALTH_BANDS]
    p.unscored = unscored

    # Grouped by the two axes (at most 13 x 9 cells), not by the five scores behind them.
    p.matrix = [
        (row["attractiveness"], row["position"], row["n"], row["quadrant"])
        for row in accounts.annotate(attractiveness=ATTRACTIVENESS, position=POSITION)
        .values("attractiveness", "position", "quadrant")
        .annotate(n=Count("pk"))
        .order_by("attractiveness", "position")
    ]
    p.quadrant_counts = dict.fromkeys(Quadrant.values, 0)
    for _a, _pos, count, quadrant in p.matrix:
        p.quadrant_counts[quadrant] += count

    p.at_risk = accounts_at_risk(accounts, today, scope=on_account)
    owners = {
        u.pk: u for u in User.objects.filter(pk__in=set(team) | {pk for pk, _n in top_owners})
    }
    p.overdue_by_owner = [
        {
            "owner_id": pk,
            "owner__last_name": owners[pk].last_name,
            "owner__first_name": owners[pk].first_name,
            "owner__username": owners[pk].username,
            "n": count,
        }
        for pk, count in top_owners
    ]
    for owner_id, row in team.items():
        row.owner = owners[owner_id]
    p.team = sorted(
        (row for row in team.values() if row.accounts),
        key=lambda r: (r.owner.last_name, r.owner.first_name, r.owner.pk),
    )
    return p


@dataclass
class AtRisk:
    account: Account
    health: int | None
    reasons: list[str]


LOW_HEALTH = 50


def at_risk_ids(accounts: QuerySet, today: dt.date, scope: Q | None = None) -> QuerySet:
    """Accounts with low health, a renewal near or passed, a decision maker not with us, or
    no active plan: a union of index lookups rather than OR-ed EXISTS over every account.

    `scope` is the same selection as a condition on a related account, when known; it lets
    the contract and stakeholder lookups join instead of testing membership row by row.
    """
    soon = today + dt.timedelta(days=RENEWAL_RISK_DAYS)
    on_account = scope if scope is not None else Q(account__in=accounts.values("pk"))
    low = accounts.filter(health_score__lt=LOW_HEALTH).order_by().values("pk")
    renewal = (
        Contract.objects.filter(on_account, status__in=OPEN_CONTRACT, renewal_deadline__lte=soon)
        .order_by()
        .values("account_id")
    )
    cold = (
        Stakeholder.objects.filter(
            on_account, is_active=True, buying_role__in=DECIDERS, attitude__lte=0
        )
        .order_by()
        .values("account_id")
    )
    no_plan = (
        accounts.exclude(
            Exists(AccountPlan.objects.filter(account=OuterRef("pk"), status__in=LIVE_PLAN))
        )
        .order_by()
        .values("pk")
    )
    return low.union(renewal, cold, no_plan)


def with_risk_reasons(accounts: QuerySet, today: dt.date) -> QuerySet:
    soon = today + dt.timedelta(days=RENEWAL_RISK_DAYS)
    return accounts.annotate(
        renewal_near=Exists(
            Contract.objects.filter(
                account=OuterRef("pk"), status__in=OPEN_CONTRACT, renewal_deadline__lte=soon
            )
        ),
        decider_cold=Exists(
            Stakeholder.objects.filter(
                account=OuterRef("pk"),
                is_active=True,
                buying_role__in=DECIDERS,
                attitude__lte=0,
            )
        ),
        has_plan=Exists(AccountPlan.objects.filter(account=OuterRef("pk"), status__in=LIVE_PLAN)),
    )


def at_risk_queryset(accounts: QuerySet, today: dt.date) -> QuerySet:
    return Account.objects.filter(pk__in=at_risk_ids(accounts, today)).order_by(
        F("health_score").asc(nulls_last=True), "pk"
    )


def accounts_at_risk(
    accounts: QuerySet, today: dt.date, limit: int = 50, scope: Q | None = None
) -> list[AtRisk]:
    """The `limit` accounts at risk with the lowest health, and why each is at risk.

    Every account below LOW_HEALTH is at risk and sorts before the rest, so when there are
    enough of them the health index alone answers; the union of the other reasons is only
    consulted to fill up the list.
    """
    order = (F("health_score").asc(nulls_last=True), "pk")
    page = list(
        accounts.filter(health_score__lt=LOW_HEALTH)
        .order_by(*order)
        .values_list("pk", flat=True)[:limit]
    )
    if len(page) < limit:
        page += list(
            Account.objects.filter(pk__in=at_risk_ids(accounts, today, scope))
            .exclude(health_score__lt=LOW_HEALTH)
            .order_by(*order)
            .values_list("pk", flat=True)[: limit - len(page)]
        )
    found = {
        a.pk: a
        for a in with_risk_reasons(Account.objects.filter(pk__in=page), today).select_related(
            "owner"
        )
    }
    result = []
    for pk in page:
        account = found[pk]
        reasons = []
        if account.health_score is not None and account.health_score < LOW_HEALTH:
            reasons.append(str(_("Low health")))
        if account.renewal_near:
            reasons.append(str(_("Renewal deadline within 30 days or passed")))
        if account.decider_cold:
            reasons.append(str(_("Decision maker neutral or opposed")))
        if not account.has_plan:
            reasons.append(str(_("No active plan")))
        result.append(AtRisk(account=account, health=account.health_score, reasons=reasons))
    return result


@dataclass
class TeamRow:
    owner_id: int
    owner: User | None = None
    accounts: int = 0
    contract_value: Decimal = Decimal(0)
    overdue_actions: int = 0
    plans: int = 0
    plans_on_time: int = 0
    renewals_at_risk: int = 0

    @property
    def on_time_share(self) -> float | None:
        return self.plans_on_time / self.plans if self.plans else None


def team_view(user: User, filters: Filters, today: dt.date) -> list[TeamRow]:
    """One row per key account manager (account owner) in the selection."""
    return portfolio_figures(user, filters, today).team
