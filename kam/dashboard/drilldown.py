"""The records behind each dashboard figure: the same selection, listed and exportable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.health import HEALTH_BANDS
from accounts.models import (
    ATTRACTIVENESS,
    LIVE_CONTRACT,
    OPEN_CONTRACT,
    POSITION,
    Contract,
    Quadrant,
)
from plans.models import KPI, LIVE_PLAN, AccountPlan, ActionItem, Goal, GoalStatus, PlanStatus

from . import figures as d


@dataclass
class Records:
    title: str
    columns: list[str]
    queryset: QuerySet
    row: Callable  # object -> list of cell values
    link: Callable  # object -> URL of the record

    def __post_init__(self) -> None:
        # Labels may come lazy: fix them in the language of the request being answered.
        self.title = str(self.title)
        self.columns = [str(c) for c in self.columns]


def _account_link(account_id: int) -> str:
    from django.urls import reverse

    return reverse("accounts:detail", args=[account_id])


def _plan_link(plan_id: int, anchor: str = "") -> str:
    from django.urls import reverse

    return reverse("plans:detail", args=[plan_id]) + anchor


def account_records(accounts: QuerySet, params, today: dt.date) -> Records:
    title = _("Key accounts")
    if params.get("tier"):
        accounts = accounts.filter(tier=params["tier"])
    if params.get("quadrant") in Quadrant.values:
        accounts = accounts.filter(quadrant=params["quadrant"])
        title = _("Key accounts in one investment quadrant")
    if params.get("attractiveness", "").isdigit() and params.get("position", "").isdigit():
        a, p = int(params["attractiveness"]), int(params["position"])
        accounts = accounts.alias(attractiveness=ATTRACTIVENESS, position=POSITION).filter(
            attractiveness=a, position=p
        )
        title = _("Key accounts at one point of the investment matrix")
    if params.get("uncovered"):
        accounts = accounts.exclude(
            Exists(
                AccountPlan.objects.filter(
                    account=OuterRef("pk"), status=PlanStatus.ACTIVE, next_review_date__gte=today
                )
            )
        )
        title = _("Key accounts without a plan reviewed within its cadence")
    band = params.get("health", "")
    for low, high in HEALTH_BANDS:
        if band == f"{low}-{min(high, 100)}":
            accounts = accounts.filter(health_score__gte=low, health_score__lt=high)
            title = _("Key accounts by health")
    if params.get("at_risk"):
        accounts = accounts.filter(pk__in=d.at_risk_queryset(accounts, today).values("pk"))
        title = _("Key accounts at risk")
    accounts = accounts.select_related("owner").order_by("name_kana", "name", "pk")
    return Records(
        title=title,
        columns=[
            _("Account"),
            _("Reading"),
            _("Tier"),
            _("Status"),
            _("Owner"),
            _("Priority score"),
            _("Quadrant"),
            _("Health"),
        ],
        queryset=accounts,
        row=lambda a: [
            a.name,
            a.name_kana,
            a.get_tier_display(),
            a.get_status_display(),
            str(a.owner),
            a.priority_score,
            Quadrant(a.quadrant).label if a.quadrant else "",
            a.health_score,
        ],
        link=lambda a: _account_link(a.pk),
    )


def contract_records(accounts: QuerySet, params, today: dt.date, currency: str) -> Records:
    contracts = Contract.objects.filter(account__in=accounts.values("pk"))
    view = params.get("view", "live")
    if view == "renewal90":
        contracts = contracts.filter(
            status__in=OPEN_CONTRACT,
            currency=currency,
            renewal_deadline__gte=today,
            renewal_deadline__lte=today + dt.timedelta(days=90),
        )
        title = _("Contracts up for renewal in 90 days")
    elif view == "month" and len(params.get("month", "")) == 7:
        year, month = params["month"].split("-")
        contracts = contracts.filter(
            status__in=OPEN_CONTRACT,
            currency=currency,
            renewal_deadline__year=int(year),
            renewal_deadline__month=int(month),
        )
        title = _("Contracts with a renewal deadline in %(month)s") % {"month": params["month"]}
    else:
        contracts = contracts.filter(status__in=LIVE_CONTRACT, currency=currency)
        if params.get("tier"):
            contracts = contracts.filter(account__tier=params["tier"])
        title = _("Active contracts")
    contracts = contracts.select_related("account", "account__owner").order_by(
        "renewal_deadline", "pk"
    )
    return Records(
        title=title,
        columns=[
            _("Contract"),
            _("Title"),
            _("Account"),
            _("Owner"),
            _("Renewal deadline"),
            _("Annual value"),
            _("Currency"),
            _("Status"),
        ],
        queryset=contracts,
        row=lambda c: [
            c.number,
            c.title,
            c.account.name,
            str(c.account.owner),
            c.renewal_deadline,
            c.annual_value,
            c.currency,
            c.get_status_display(),
        ],
        link=lambda c: _account_link(c.account_id) + f"#contract-{c.pk}",
    )


def action_records(accounts: QuerySet, params, today: dt.date) -> Records:
    actions = ActionItem.objects.filter(plan__account__in=accounts.values("pk")).overdue(today)
    if params.get("owner", "").isdigit():
        actions = actions.filter(owner_id=int(params["owner"]))
    actions = actions.select_related("plan__account", "owner").order_by("due_date", "pk")
    return Records(
        title=_("Overdue action items"),
        columns=[
            _("Due"),
            _("Action"),
            _("Account"),
            _("Owner"),
            _("Status"),
        ],
        queryset=actions,
        row=lambda a: [
            a.due_date,
            a.title,
            a.plan.account.name,
            str(a.owner),
            a.get_status_display(),
        ],
        link=lambda a: _plan_link(a.plan_id, f"#action-{a.pk}"),
    )


def kpi_records(accounts: QuerySet, params) -> Records:
    kpis = KPI.objects.filter(plan__account__in=accounts.values("pk"), plan__status__in=LIVE_PLAN)
    band = params.get("band", "")
    for key, _label, low, high in d.ATTAINMENT_BANDS:
        if key == band:
            kpis = kpis.filter(attainment__isnull=False)
            if low is not None:
                kpis = kpis.filter(attainment__gte=low)
            if high is not None:
                kpis = kpis.filter(attainment__lt=high)
    if band == "none":
        kpis = kpis.filter(attainment__isnull=True)
    kpis = kpis.select_related("plan__account").order_by("attainment", "pk")
    return Records(
        title=_("KPIs by attainment"),
        columns=[
            _("KPI"),
            _("Account"),
            _("Target"),
            _("Latest"),
            _("Attainment"),
        ],
        queryset=kpis,
        row=lambda k: [
            k.name,
            k.plan.account.name,
            k.target,
            k.latest_value,
            None if k.attainment is None else f"{k.attainment * 100:.0f}%",
        ],
        link=lambda k: _plan_link(k.plan_id, f"#kpi-{k.pk}"),
    )


def goal_records(accounts: QuerySet, params, period) -> Records:
    goals = Goal.objects.filter(
        plan__account__in=accounts.values("pk"),
        plan__status__in=LIVE_PLAN,
        due_date__gte=period[0],
        due_date__lte=period[1],
    )
    if params.get("status") in GoalStatus.values:
        goals = goals.filter(status=params["status"])
    goals = goals.select_related("plan__account").order_by("due_date", "pk")
    return Records(
        title=_("SMART goals"),
        columns=[
            _("Goal"),
            _("Account"),
            _("Metric"),
            _("Target"),
            _("Due"),
            _("Status"),
        ],
        queryset=goals,
        row=lambda g: [
            g.statement,
            g.plan.account.name,
            g.metric,
            g.target,
            g.due_date,
            g.get_status_display(),
        ],
        link=lambda g: _plan_link(g.plan_id, f"#goal-{g.pk}"),
    )


KINDS = ("accounts", "contracts", "actions", "kpis", "goals")


def records_for(kind: str, *, user, filters: d.Filters, params, today: dt.date) -> Records:
    from django.conf import settings

    accounts = d.portfolio(user, filters)
    if kind == "accounts":
        return account_records(accounts, params, today)
    if kind == "contracts":
        return contract_records(accounts, params, today, settings.DEFAULT_CURRENCY)
    if kind == "actions":
        return action_records(accounts, params, today)
    if kind == "kpis":
        return kpi_records(accounts, params)
    period = d.fiscal_period(filters.fiscal_year or d.fiscal_year_of(today))
    return goal_records(accounts, params, period)
