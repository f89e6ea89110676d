"""An account's health score: the one place it is defined, computed and stored.

Health 0-100 is made of four weighted parts (docs/metrics.md): KPI attainment, actions on
time, renewals and the decision makers' attitude. The inputs come from plans, contracts and
stakeholders in four grouped queries whatever the number of accounts; the score is stored on
the account (nightly, and when an account is created) so that lists and the dashboard read a
column, while the account page computes it live with the reasons behind each part.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Avg, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plans.models import KPI, LIVE_PLAN, ActionItem, ActionStatus
from stakeholders.models import Stakeholder

from .models import HEALTH_FIELDS, OPEN_CONTRACT, Account, Contract, ContractStatus

# Buying roles whose attitude the health score weighs.
DECIDERS = ["decision_maker", "economic_buyer"]
# A renewal deadline this close, with the renewal not started, halves the renewal part.
RENEWAL_RISK_DAYS = 30
HEALTH_WEIGHTS = {"kpi": 0.4, "actions": 0.2, "renewal": 0.2, "sentiment": 0.2}
HEALTH_BANDS = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 101)]


@dataclass
class Health:
    score: int
    kpi: float
    actions: float
    renewal: float
    sentiment: float


@dataclass
class HealthInputs:
    """The counts health is made of, for one account."""

    kpi_avg: float | None = None  # mean capped attainment of measured KPIs on live plans
    kpi_n: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    renewals_passed: int = 0
    renewals_near: int = 0
    decider_avg: float | None = None  # mean attitude, -2..+2
    decider_n: int = 0


def health_inputs(
    accounts: QuerySet, today: dt.date, pks: list[int] | None = None
) -> dict[int, HealthInputs]:
    """The inputs of health per account in four grouped queries, whatever the number.

    Pass `pks` when the ids of `accounts` are already known, to save a query.
    """
    ids = accounts.values("pk")
    if pks is None:
        pks = list(accounts.values_list("pk", flat=True))
    inputs = {pk: HealthInputs() for pk in pks}
    for account_id, avg, n in (
        KPI.objects.filter(
            plan__account__in=ids, plan__status__in=LIVE_PLAN, attainment__isnull=False
        )
        .values("plan__account_id")
        .annotate(v=Avg(Least(F("attainment"), 1.0, output_field=FloatField())), n=Count("id"))
        .values_list("plan__account_id", "v", "n")
    ):
        inputs[account_id].kpi_avg, inputs[account_id].kpi_n = float(avg), n
    for row in (
        ActionItem.objects.filter(plan__account__in=ids, plan__status__in=LIVE_PLAN)
        .exclude(status=ActionStatus.DONE)
        .values("plan__account_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    ):
        item = inputs[row["plan__account_id"]]
        item.open_actions, item.overdue_actions = row["open"], row["overdue"]
    for row in (
        Contract.objects.filter(account__in=ids, status__in=OPEN_CONTRACT)
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
    ):
        item = inputs[row["account_id"]]
        item.renewals_passed, item.renewals_near = row["passed"], row["near"]
    for account_id, avg, n in (
        Stakeholder.objects.filter(account__in=ids, is_active=True, buying_role__in=DECIDERS)
        .values("account_id")
        .annotate(v=Avg("attitude"), n=Count("id"))
        .values_list("account_id", "v", "n")
    ):
        inputs[account_id].decider_avg, inputs[account_id].decider_n = float(avg), n
    return inputs


def health_from(inputs: HealthInputs) -> Health:
    """The health formula (docs/metrics.md), the one place it is written."""
    k = 0.5 if inputs.kpi_avg is None else max(0.0, inputs.kpi_avg)
    a = 1.0 if not inputs.open_actions else 1 - inputs.overdue_actions / inputs.open_actions
    r = 0.0 if inputs.renewals_passed else 0.5 if inputs.renewals_near else 1.0
    s = 0.5 if inputs.decider_avg is None else (inputs.decider_avg + 2) / 4
    w = HEALTH_WEIGHTS
    score = round(100 * (w["kpi"] * k + w["actions"] * a + w["renewal"] * r + w["sentiment"] * s))
    return Health(score=score, kpi=k, actions=a, renewal=r, sentiment=s)


def health_scores(
    accounts: QuerySet, today: dt.date, pks: list[int] | None = None
) -> dict[int, Health]:
    return {pk: health_from(i) for pk, i in health_inputs(accounts, today, pks).items()}


HEALTH_CHUNK = 2000


def refresh_health(today: dt.date, accounts: QuerySet | None = None) -> int:
    """Compute and store the health of these accounts (all by default), in chunks."""
    accounts = accounts if accounts is not None else Account.objects.all()
    ids = list(accounts.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, len(ids), HEALTH_CHUNK):
        chunk_ids = ids[start : start + HEALTH_CHUNK]
        chunk = Account.objects.filter(pk__in=chunk_ids)
        scores = health_scores(chunk, today, chunk_ids)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                values = [
                    (pk, h.score, h.kpi, h.actions, h.renewal, h.sentiment)
                    for pk, h in scores.items()
                ]
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "UPDATE accounts_account SET health_score = %s, health_kpi = %s, "
                        "health_actions = %s, health_renewal = %s, health_sentiment = %s, "
                        "health_computed_at = %s WHERE id = %s",
                        [(sc, k, a, r, se, now, pk) for pk, sc, k, a, r, se in values],
                    )
            else:
                rows = list(chunk)
                for account in rows:
                    h = scores[account.pk]
                    account.health_score, account.health_kpi = h.score, h.kpi
                    account.health_actions, account.health_renewal = h.actions, h.renewal
                    account.health_sentiment, account.health_computed_at = h.sentiment, now
                Account.objects.bulk_update(rows, HEALTH_FIELDS)
    return len(ids)


def health_band(score: int) -> str:
    for low, high in HEALTH_BANDS:
        if low <= score < high:
            return f"{low}-{min(high, 100)}"
    return "80-100"


# Health: the same definition as the portfolio dashboard (kam.dashboard.health_scores and
# docs/metrics.md), computed for one account with the counts behind each part, so that the
# account page can show how the score was reached.


@dataclass
class HealthPart:
    key: str
    label: str
    weight: float
    value: float  # 0..1
    detail: str

    @property
    def points(self) -> int:
        return round(100 * self.weight * self.value)

    @property
    def max_points(self) -> int:
        return round(100 * self.weight)


@dataclass
class AccountHealth:
    score: int
    parts: list[HealthPart]

    @property
    def band(self) -> str:
        if self.score >= 70:
            return "ok"
        if self.score >= 40:
            return "warn"
        return "bad"


def account_health(account: Account, today: dt.date) -> AccountHealth:
    """Health 0-100 from four weighted parts, in four aggregate queries.

    - KPI attainment: average attainment of the measured KPIs of live plans (active or under
      review), each capped at 100%; 50% when there is none.
    - Actions on time: share of the open action items of live plans that are not overdue;
      full marks when nothing is open.
    - Renewal: 0 when an open contract's renewal deadline passed without a decision, 50% when
      one falls within the next 30 days and its renewal has not started, otherwise full marks.
    - Decision makers' attitude: the average attitude (-2..+2) of the decision makers and
      economic buyers still at the customer, mapped to 0..100%; 50% when there is none.
    """
    inputs = health_inputs(Account.objects.filter(pk=account.pk), today, [account.pk])[account.pk]
    health = health_from(inputs)
    kpi = {"avg": inputs.kpi_avg, "n": inputs.kpi_n}
    actions = {"open": inputs.open_actions, "overdue": inputs.overdue_actions}
    renewals = {"passed": inputs.renewals_passed, "near": inputs.renewals_near}
    deciders = {"avg": inputs.decider_avg, "n": inputs.decider_n}

    k, a, r, s_ = health.kpi, health.actions, health.renewal, health.sentiment
    if kpi["avg"] is None:
        k_detail = _("No measured KPI on a live plan: counted as 50%.")
    else:
        k_detail = ngettext(
            "Average of %(n)d measured KPI, each capped at 100%%.",
            "Average of %(n)d measured KPIs, each capped at 100%%.",
            kpi["n"],
        ) % {"n": kpi["n"]}

    if not actions["open"]:
        a_detail = _("No open action items: full marks.")
    else:
        a_detail = ngettext(
            "%(overdue)d of %(open)d open action item overdue.",
            "%(overdue)d of %(open)d open action items overdue.",
            actions["open"],
        ) % {"overdue": actions["overdue"], "open": actions["open"]}

    if renewals["passed"]:
        r_detail = ngettext(
            "%(n)d open contract passed its renewal deadline without a decision.",
            "%(n)d open contracts passed their renewal deadline without a decision.",
            renewals["passed"],
        ) % {"n": renewals["passed"]}
    elif renewals["near"]:
        r_detail = ngettext(
            "%(n)d renewal deadline within %(days)d days and the renewal not started.",
            "%(n)d renewal deadlines within %(days)d days and the renewals not started.",
            renewals["near"],
        ) % {"n": renewals["near"], "days": RENEWAL_RISK_DAYS}
    else:
        r_detail = _("No renewal deadline passed or close without a decision.")

    if deciders["avg"] is None:
        s_detail = _("No decision maker or economic buyer recorded: counted as 50%.")
    else:
        s_detail = ngettext(
            "Average attitude %(avg)+.1f (-2 to +2) of %(n)d decision maker.",
            "Average attitude %(avg)+.1f (-2 to +2) of %(n)d decision makers.",
            deciders["n"],
        ) % {"avg": float(deciders["avg"]), "n": deciders["n"]}

    w = HEALTH_WEIGHTS
    parts = [
        HealthPart("kpi", _("KPI attainment"), w["kpi"], k, k_detail),
        HealthPart("actions", _("Actions on time"), w["actions"], a, a_detail),
        HealthPart("renewal", _("Renewal"), w["renewal"], r, r_detail),
        HealthPart("sentiment", _("Decision makers' attitude"), w["sentiment"], s_, s_detail),
    ]
    return AccountHealth(score=health.score, parts=parts)
