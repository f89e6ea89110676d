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
from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Least, TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, AccountStatus, Contract, ContractStatus, Quadrant, Tier
from kam.models import User
from plans.models import KPI, AccountPlan, ActionItem, ActionStatus, Goal, GoalStatus, PlanStatus
from stakeholders.models import Stakeholder

OPEN_CONTRACT = [ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.IN_RENEWAL]
LIVE_CONTRACT = [ContractStatus.ACTIVE, ContractStatus.IN_RENEWAL]
LIVE_PLAN = [PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW]
DECIDERS = ["decision_maker", "economic_buyer"]
RENEWAL_RISK_DAYS = 30
HEALTH_WEIGHTS = {"kpi": 0.4, "actions": 0.2, "renewal": 0.2, "sentiment": 0.2}
HEALTH_BANDS = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 101)]
ATTAINMENT_BANDS = [
    ("lt50", _("Below 50%"), None, 0.5),
    ("50to80", _("50-80%"), 0.5, 0.8),
    ("80to100", _("80-100%"), 0.8, 1.0),
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
    start = settings.FISCAL_YEAR_START_MONTH
    return day.year if day.month >= start else day.year - 1


def fiscal_period(year: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, settings.FISCAL_YEAR_START_MONTH, 1)
    return start, start + relativedelta(years=1) - dt.timedelta(days=1)


def portfolio(user: User, filters: Filters) -> QuerySet:
    accounts = Account.objects.visible_to(user).exclude(status=AccountStatus.CHURNED)
    if filters.owner:
        accounts = accounts.filter(owner_id=filters.owner)
    if filters.tier:
        accounts = accounts.filter(tier=filters.tier)
    if filters.industry:
        accounts = accounts.filter(industry=filters.industry)
    return accounts


@dataclass
class Health:
    score: int
    kpi: float
    actions: float
    renewal: float
    sentiment: float


def health_scores(accounts: QuerySet, today: dt.date) -> dict[int, Health]:
    """Health per account in four grouped queries, whatever the number of accounts."""
    ids = accounts.values("pk")
    kpi = dict(
        KPI.objects.filter(
            plan__account__in=ids, plan__status__in=LIVE_PLAN, attainment__isnull=False
        )
        .values("plan__account_id")
        .annotate(v=Avg(Least(F("attainment"), 1.0, output_field=FloatField())))
        .values_list("plan__account_id", "v")
    )
    actions = {
        row["plan__account_id"]: row
        for row in ActionItem.objects.filter(plan__account__in=ids, plan__status__in=LIVE_PLAN)
        .exclude(status=ActionStatus.DONE)
        .values("plan__account_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    }
    renewals = {
        row["account_id"]: row
        for row in Contract.objects.filter(account__in=ids, status__in=OPEN_CONTRACT)
        .values("account_id")
        .annotate(
            passed=Count("id", filter=Q(renewal_deadline__lt=today)),
            near=Count(
                "id",
                filter=Q(
                    renewal_deadline__gte=today,
                    renewal_deadline__lte=today + dt.timedelta(days=RENEWAL_RISK_DAYS),
                )
                & ~Q(status=ContractStatus.IN_RENEWAL),
            ),
        )
    }
    sentiment = dict(
        Stakeholder.objects.filter(account__in=ids, is_active=True, buying_role__in=DECIDERS)
        .values("account_id")
        .annotate(v=Avg("attitude"))
        .values_list("account_id", "v")
    )
    result = {}
    for account_id in accounts.values_list("pk", flat=True):
        k = kpi.get(account_id)
        k = 0.5 if k is None else max(0.0, float(k))
        a = actions.get(account_id)
        a = 1.0 if not a or not a["open"] else 1 - a["overdue"] / a["open"]
        r = renewals.get(account_id)
        r = 0.0 if r and r["passed"] else 0.5 if r and r["near"] else 1.0
        s = sentiment.get(account_id)
        s = 0.5 if s is None else (float(s) + 2) / 4
        w = HEALTH_WEIGHTS
        score = round(
            100 * (w["kpi"] * k + w["actions"] * a + w["renewal"] * r + w["sentiment"] * s)
        )
        result[account_id] = Health(score=score, kpi=k, actions=a, renewal=r, sentiment=s)
    return result


def health_band(score: int) -> str:
    for low, high in HEALTH_BANDS:
        if low <= score < high:
            return f"{low}-{min(high, 100)}"
    return "80-100"


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


def portfolio_figures(user: User, filters: Filters, today: dt.date) -> Portfolio:
    currency = settings.DEFAULT_CURRENCY
    fy = filters.fiscal_year or fiscal_year_of(today)
    period = fiscal_period(fy)
    accounts = portfolio(user, filters)
    ids = accounts.values("pk")
    p = Portfolio(today=today, filters=filters, period=period, currency=currency)

    live_contracts = Contract.objects.filter(
        account__in=ids, status__in=LIVE_CONTRACT, currency=currency
    )
    contract_value = live_contracts.aggregate(v=Sum("annual_value"))["v"] or Decimal(0)
    renewal_90 = Contract.objects.filter(
        account__in=ids,
        status__in=OPEN_CONTRACT,
        currency=currency,
        renewal_deadline__gte=today,
        renewal_deadline__lte=today + dt.timedelta(days=90),
    ).aggregate(v=Sum("annual_value"), n=Count("id"))
    account_counts = accounts.aggregate(
        n=Count("pk"),
        covered=Count(
            "pk",
            filter=Q(
                Exists(
                    AccountPlan.objects.filter(
                        account=OuterRef("pk"),
                        status=PlanStatus.ACTIVE,
                        next_review_date__gte=today,
                    )
                )
            ),
        ),
    )
    overdue = ActionItem.objects.filter(plan__account__in=ids).overdue(today)
    kpis = KPI.objects.filter(plan__account__in=ids, plan__status__in=LIVE_PLAN)
    kpi_avg = kpis.filter(attainment__isnull=False).aggregate(
        v=Avg(Least(F("attainment"), 1.0, output_field=FloatField()))
    )["v"]
    n = account_counts["n"]
    p.tiles = {
        "key_accounts": n,
        "contract_value": contract_value,
        "renewal_value_90": renewal_90["v"] or Decimal(0),
        "renewal_count_90": renewal_90["n"],
        "plan_coverage": (account_counts["covered"] / n) if n else None,
        "plans_covered": account_counts["covered"],
        "overdue_actions": overdue.count(),
        "kpi_attainment": kpi_avg,
    }

    tier_values = dict(
        live_contracts.values("account__tier")
        .annotate(v=Sum("annual_value"))
        .values_list("account__tier", "v")
    )
    p.value_by_tier = [
        (value, label, tier_values.get(value) or Decimal(0)) for value, label in Tier.choices
    ]
    top10 = live_contracts.values("account_id").annotate(v=Sum("annual_value")).order_by("-v")[:10]
    top10_total = sum((row["v"] for row in top10), Decimal(0))
    p.top10_share = float(top10_total / contract_value) if contract_value else None

    months = dict(
        Contract.objects.filter(
            account__in=ids,
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
    p.renewals_by_month = [
        (
            period[0] + relativedelta(months=i),
            months.get(period[0] + relativedelta(months=i)) or Decimal(0),
        )
        for i in range(12)
    ]

    band_counts = kpis.aggregate(
        **{
            key: Count(
                "id",
                filter=Q(attainment__isnull=False)
                & (Q(attainment__gte=low) if low is not None else Q())
                & (Q(attainment__lt=high) if high is not None else Q()),
            )
            for key, _label, low, high in ATTAINMENT_BANDS
        },
        none=Count("id", filter=Q(attainment__isnull=True)),
    )
    p.attainment_bands = [(key, label, band_counts[key]) for key, label, _l, _h in ATTAINMENT_BANDS]
    p.attainment_bands.append(("none", _("No measurement"), band_counts["none"]))

    goal_counts = dict(
        Goal.objects.filter(
            plan__account__in=ids,
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

    p.overdue_by_owner = list(
        overdue.values("owner_id", "owner__last_name", "owner__first_name", "owner__username")
        .annotate(n=Count("id"))
        .order_by("-n", "owner_id")[:10]
    )

    health = health_scores(accounts, today)
    bands = Counter(health_band(h.score) for h in health.values())
    p.health_bands = [
        (f"{low}-{min(high, 100)}", bands.get(f"{low}-{min(high, 100)}", 0))
        for low, high in HEALTH_BANDS
    ]

    cells = accounts.values(
        "score_revenue_size",
        "score_industry_position",
        "score_growth_rate",
        "score_fit",
        "score_relationship",
        "quadrant",
    ).annotate(n=Count("pk"))
    matrix = defaultdict(lambda: {"n": 0, "quadrant": ""})
    for row in cells:
        attractiveness = (
            row["score_revenue_size"] + row["score_industry_position"] + row["score_growth_rate"]
        )
        position = row["score_fit"] + row["score_relationship"]
        cell = matrix[(attractiveness, position)]
        cell["n"] += row["n"]
        cell["quadrant"] = row["quadrant"]
    p.matrix = sorted(
        ((a, pos, c["n"], c["quadrant"]) for (a, pos), c in matrix.items()), key=lambda t: t[:2]
    )
    p.quadrant_counts = dict.fromkeys(Quadrant.values, 0)
    for _a, _pos, count, quadrant in p.matrix:
        p.quadrant_counts[quadrant] += count

    p.at_risk = accounts_at_risk(accounts, today, health)
    return p


@dataclass
class AtRisk:
    account: Account
    health: int
    reasons: list[str]


def accounts_at_risk(accounts: QuerySet, today: dt.date, health: dict[int, Health], limit=50):
    """Low health, a renewal near or passed, a decision maker not with us, or no active plan."""
    soon = today + dt.timedelta(days=RENEWAL_RISK_DAYS)
    flagged = accounts.annotate(
        renewal_near=Exists(
            Contract.objects.filter(
                account=OuterRef("pk"), status__in=OPEN_CONTRACT, renewal_deadline__lte=soon
            )
        ),
        decider_cold=Exists(
            Stakeholder.objects.filter(
                account=OuterRef("pk"), is_active=True, buying_role__in=DECIDERS, attitude__lte=0
            )
        ),
        has_plan=Exists(AccountPlan.objects.filter(account=OuterRef("pk"), status__in=LIVE_PLAN)),
    )
    low = [pk for pk, h in health.items() if h.score < 50]
    rows = (
        flagged.filter(
            Q(pk__in=low) | Q(renewal_near=True) | Q(decider_cold=True) | Q(has_plan=False)
        )
        .select_related("owner")
        .values_list("pk", flat=True)
    )
    candidates = sorted(rows, key=lambda pk: (health[pk].score, pk))[:limit]
    by_pk = {a.pk: a for a in flagged.filter(pk__in=candidates).select_related("owner")}
    result = []
    for pk in candidates:
        account = by_pk[pk]
        reasons = []
        if health[pk].score < 50:
            reasons.append(str(_("Low health")))
        if account.renewal_near:
            reasons.append(str(_("Renewal deadline within 30 days or passed")))
        if account.decider_cold:
            reasons.append(str(_("Decision maker neutral or opposed")))
        if not account.has_plan:
            reasons.append(str(_("No active plan")))
        result.append(AtRisk(account=account, health=health[pk].score, reasons=reasons))
    return result


@dataclass
class TeamRow:
    owner: User
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
    accounts = portfolio(user, filters)
    ids = accounts.values("pk")
    rows: dict[int, TeamRow] = {}
    owners = User.objects.filter(pk__in=accounts.values("owner_id")).order_by("last_name", "pk")
    for owner in owners:
        rows[owner.pk] = TeamRow(owner=owner)
    for owner_id, n in (
        accounts.values("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n")
    ):
        rows[owner_id].accounts = n
    for owner_id, v in (
        Contract.objects.filter(
            account__in=ids, status__in=LIVE_CONTRACT, currency=settings.DEFAULT_CURRENCY
        )
        .values("account__owner_id")
        .annotate(v=Sum("annual_value"))
        .values_list("account__owner_id", "v")
    ):
        rows[owner_id].contract_value = v or Decimal(0)
    for owner_id, n in (
        ActionItem.objects.filter(plan__account__in=ids)
        .overdue(today)
        .values("plan__account__owner_id")
        .annotate(n=Count("id"))
        .values_list("plan__account__owner_id", "n")
    ):
        rows[owner_id].overdue_actions = n
    for row in (
        AccountPlan.objects.filter(account__in=ids, status=PlanStatus.ACTIVE)
        .values("account__owner_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(next_review_date__gte=today)))
    ):
        rows[row["account__owner_id"]].plans = row["n"]
        rows[row["account__owner_id"]].plans_on_time = row["ok"]
    for owner_id, n in (
        Contract.objects.filter(
            account__in=ids,
            status__in=OPEN_CONTRACT,
            renewal_deadline__lte=today + dt.timedelta(days=RENEWAL_RISK_DAYS),
        )
        .values("account__owner_id")
        .annotate(n=Count("id"))
        .values_list("account__owner_id", "n")
    ):
        rows[owner_id].renewals_at_risk = n
    return list(rows.values())
