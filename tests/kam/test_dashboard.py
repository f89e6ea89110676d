"""Every dashboard figure on a small portfolio whose answers are worked out by hand."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.health import health_scores, refresh_health
from kam.dashboard import figures as d
from plans.services import kpi_refresh_latest
from tests.factories import (
    AccountFactory,
    ActionFactory,
    ContractFactory,
    GoalFactory,
    KPIFactory,
    MeasurementFactory,
    PlanFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 21)  # fiscal year 2026: 2026-04-01 .. 2027-03-31


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def book(owner, outsider):
    """Three accounts of `owner`, one of `outsider`, one churned."""
    a = AccountFactory(
        owner=owner,
        name="A社",
        tier="strategic",
        score_revenue_size=5,
        score_industry_position=5,
        score_growth_rate=5,
        score_fit=5,
        score_relationship=5,
    )  # attractiveness 15, position 10: invest
    b = AccountFactory(
        owner=owner,
        name="B社",
        tier="key",
        score_revenue_size=3,
        score_industry_position=3,
        score_growth_rate=3,
        score_fit=2,
        score_relationship=2,
    )  # 9 / 4: grow
    c = AccountFactory(
        owner=owner,
        name="C社",
        tier="key",
        score_revenue_size=1,
        score_industry_position=1,
        score_growth_rate=1,
        score_fit=3,
        score_relationship=3,
    )  # 3 / 6: maintain
    x = AccountFactory(owner=outsider, name="X社", tier="growth")
    churned = AccountFactory(owner=owner, name="解約済み", tier="strategic", status="churned")

    def contract(account, value, deadline, status="active", currency="JPY"):
        notice = 30
        end = deadline + dt.timedelta(days=notice)
        return ContractFactory(
            account=account,
            annual_value=Decimal(value),
            status=status,
            currency=currency,
            start_date=end - dt.timedelta(days=365),
            end_date=end,
            notice_period_days=notice,
        )

    contract(a, 600, TODAY + dt.timedelta(days=20))  # renewal within 90 and within 30
    contract(a, 100, TODAY + dt.timedelta(days=200))
    contract(b, 300, TODAY + dt.timedelta(days=60))  # within 90
    contract(b, 50, TODAY + dt.timedelta(days=60), currency="USD")  # other currency: excluded
    contract(c, 0, TODAY - dt.timedelta(days=5), status="in_renewal")  # deadline passed
    contract(c, 999, TODAY + dt.timedelta(days=10), status="cancelled")  # decided: excluded
    contract(x, 5000, TODAY + dt.timedelta(days=5))
    contract(churned, 9000, TODAY + dt.timedelta(days=15))  # churned account: excluded

    plan_a = PlanFactory(account=a, next_review_date=TODAY + dt.timedelta(days=10))  # covered
    plan_b = PlanFactory(account=b, next_review_date=TODAY - dt.timedelta(days=1))  # overdue
    # C has no plan.
    k1 = KPIFactory(plan=plan_a, target=Decimal(100))
    MeasurementFactory(kpi=k1, value=Decimal(50))  # 50%
    k2 = KPIFactory(plan=plan_a, target=Decimal(100))
    MeasurementFactory(kpi=k2, value=Decimal(150))  # 150% -> capped at 100% in the average
    k3 = KPIFactory(plan=plan_b, target=Decimal(100))
    MeasurementFactory(kpi=k3, value=Decimal(90))  # 90%
    KPIFactory(plan=plan_b, target=Decimal(100))  # no measurement
    for k in (k1, k2, k3):
        kpi_refresh_latest(kpi=k)

    ActionFactory(plan=plan_a, owner=owner, due_date=TODAY - dt.timedelta(days=3))  # overdue
    ActionFactory(plan=plan_a, owner=owner, due_date=TODAY + dt.timedelta(days=3))
    ActionFactory(plan=plan_b, owner=owner, due_date=TODAY - dt.timedelta(days=1))  # overdue
    ActionFactory(
        plan=plan_b,
        owner=owner,
        due_date=TODAY - dt.timedelta(days=9),
        status="done",
        completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    GoalFactory(plan=plan_a, status="on_track", due_date=dt.date(2027, 1, 31))
    GoalFactory(plan=plan_a, status="achieved", due_date=dt.date(2026, 9, 30))
    GoalFactory(plan=plan_b, status="at_risk", due_date=dt.date(2027, 3, 31))
    # A churned account's plan counts nowhere: not in KPIs, actions or goals.
    plan_churned = PlanFactory(account=churned, next_review_date=TODAY + dt.timedelta(days=10))
    k4 = KPIFactory(plan=plan_churned, target=Decimal(100))
    MeasurementFactory(kpi=k4, value=Decimal(10))
    kpi_refresh_latest(kpi=k4)
    ActionFactory(plan=plan_churned, owner=owner, due_date=TODAY - dt.timedelta(days=2))
    GoalFactory(plan=plan_churned, status="missed", due_date=dt.date(2027, 2, 28))

    StakeholderFactory(account=a, buying_role="decision_maker", attitude=2)
    StakeholderFactory(account=b, buying_role="decision_maker", attitude=0)  # cold
    refresh_health(TODAY)
    return {"a": a, "b": b, "c": c, "x": x}


def test_tiles_for_the_manager(frozen, book, manager):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    # Manager sees A, B, C and X; the churned account is left out.
    assert p.tiles["key_accounts"] == 4
    # Live JPY contracts: 600 + 100 + 300 + 0 + 5000 (USD and cancelled left out).
    assert p.tiles["contract_value"] == Decimal(6000)
    # Open JPY contracts with a deadline in the next 90 days: 600 + 300 + 5000.
    assert p.tiles["renewal_value_90"] == Decimal(5900)
    assert p.tiles["renewal_count_90"] == 3
    # Only A's plan is active and reviewed within its cadence: 1 of 4.
    assert p.tiles["plan_coverage"] == pytest.approx(0.25)
    assert p.tiles["overdue_actions"] == 2
    # (0.5 + 1.0 (capped) + 0.9) / 3
    assert p.tiles["kpi_attainment"] == pytest.approx(0.8)


def test_a_rep_sees_the_same_figures_over_their_own_accounts(frozen, book, owner):
    p = d.portfolio_figures(owner, d.Filters(), TODAY)
    assert p.tiles["key_accounts"] == 3
    assert p.tiles["contract_value"] == Decimal(1000)
    assert p.tiles["renewal_value_90"] == Decimal(900)


def test_filters_narrow_every_figure(frozen, book, manager, owner):
    p = d.portfolio_figures(manager, d.Filters(tier="key"), TODAY)
    assert p.tiles["key_accounts"] == 2
    assert p.tiles["contract_value"] == Decimal(300)
    p = d.portfolio_figures(manager, d.Filters(owner=owner.pk), TODAY)
    assert p.tiles["key_accounts"] == 3


def test_value_by_tier_and_concentration(frozen, book, manager):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    by_tier = {tier: v for tier, _label, v in p.value_by_tier}
    assert by_tier == {
        "strategic": Decimal(700),
        "key": Decimal(300),
        "growth": Decimal(5000),
        "maintain": Decimal(0),
    }
    # Fewer than 10 accounts hold everything.
    assert p.top10_share == pytest.approx(1.0)


def test_renewals_by_month_cover_the_fiscal_year(frozen, book, manager):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    months = dict(p.renewals_by_month)
    assert len(months) == 12
    assert min(months) == dt.date(2026, 4, 1)
    # Deadlines: A 600 on 12-11, X 5000 on 11-26, C 0 on 11-16, B 300 on 2027-01-20.
    assert months[dt.date(2026, 11, 1)] == Decimal(5000)
    assert months[dt.date(2026, 12, 1)] == Decimal(600)
    assert months[dt.date(2027, 1, 1)] == Decimal(300)


def test_attainment_and_goal_distributions(frozen, book, manager):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    bands = {key: n for key, _label, n in p.attainment_bands}
    assert bands == {"lt50": 0, "50to80": 1, "80to100": 1, "gte100": 1, "none": 1}
    goals = {status: n for status, _label, n in p.goal_status}
    assert goals["on_track"] == 1
    assert goals["achieved"] == 1
    assert goals["at_risk"] == 1
    assert goals["missed"] == 0


def test_overdue_by_owner(frozen, book, manager, owner):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    assert [(r["owner_id"], r["n"]) for r in p.overdue_by_owner] == [(owner.pk, 2)]


def test_health_scores_by_hand(frozen, book, manager):
    health = health_scores(d.portfolio(manager, d.Filters()), TODAY)
    a, b, c = book["a"], book["b"], book["c"]
    # The stored score is the same computation.
    a.refresh_from_db()
    assert a.health_score == health[a.pk].score
    assert a.health_kpi == pytest.approx(0.75)
    # A: kpi (0.5 + 1.0) / 2 = 0.75; actions 1 of 2 overdue = 0.5; renewal within 30 days
    # and not in renewal = 0.5; decision maker +2 = 1.0.
    assert health[a.pk].score == round(100 * (0.4 * 0.75 + 0.2 * 0.5 + 0.2 * 0.5 + 0.2 * 1.0))
    # B: kpi 0.9 (the unmeasured KPI does not count); actions: the open one is overdue = 0.0;
    # renewal 60 days away = 1.0; decision maker 0 = 0.5.
    assert health[b.pk].score == round(100 * (0.4 * 0.9 + 0.2 * 0.0 + 0.2 * 1.0 + 0.2 * 0.5))
    # C: no KPI = 0.5; no actions = 1.0; a deadline passed = 0.0; no decision maker = 0.5.
    assert health[c.pk].score == round(100 * (0.4 * 0.5 + 0.2 * 1.0 + 0.0 + 0.2 * 0.5))


def test_investment_matrix_and_quadrants(frozen, book, manager):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    points = {(att, pos): (n, q) for att, pos, n, q in p.matrix}
    assert points[(15, 10)] == (1, "invest")
    assert points[(9, 4)] == (1, "grow")
    assert points[(3, 6)] == (1, "maintain")
    # X has the default scores (3 each): 9 / 6, invest too.
    assert p.quadrant_counts["invest"] == 2
    assert sum(p.quadrant_counts.values()) == 4


def test_accounts_at_risk_and_why(frozen, book, manager):
    p = d.portfolio_figures(manager, d.Filters(), TODAY)
    reasons = {r.account.name: r.reasons for r in p.at_risk}
    assert "Renewal deadline within 30 days or passed" in " ".join(map(str, reasons["A社"])) or (
        "更新" in " ".join(reasons["A社"])
    )
    assert set(reasons) == {"A社", "B社", "C社", "X社"}
    assert len(reasons["C社"]) >= 2  # deadline passed and no active plan


def test_team_view(frozen, book, manager, owner, outsider):
    rows = {r.owner.pk: r for r in d.team_view(manager, d.Filters(), TODAY)}
    mine = rows[owner.pk]
    assert (mine.accounts, mine.contract_value, mine.overdue_actions) == (3, Decimal(1000), 2)
    assert (mine.plans, mine.plans_on_time) == (2, 1)
    # A's 20-day deadline and C's passed one.
    assert mine.renewals_at_risk == 2
    assert rows[outsider.pk].renewals_at_risk == 1


def test_page_renders_for_manager_and_rep(client, frozen, book, manager, owner):
    client.force_login(manager)
    body = client.get(reverse("dashboard")).content.decode()
    assert body.count('data-testid="matrix-point"') == 4
    assert body.count('data-testid="team-row"') == 2
    client.force_login(owner)
    body = client.get(reverse("dashboard")).content.decode()
    assert "X社" not in body
    assert body.count('data-testid="team-row"') == 1


def test_anonymous_goes_to_login(client):
    assert client.get(reverse("dashboard")).status_code == 302
    assert client.get(reverse("dashboard_records", args=["accounts"])).status_code == 302


def test_drill_down_obeys_row_level_access(client, frozen, book, owner, manager):
    client.force_login(owner)
    body = client.get(reverse("dashboard_records", args=["contracts"])).content.decode()
    assert "X社" not in body
    assert body.count('data-testid="record-row"') == 4
    client.force_login(manager)
    body = client.get(reverse("dashboard_records", args=["contracts"])).content.decode()
    assert "X社" in body


@pytest.mark.parametrize(
    ("kind", "query", "expected"),
    [
        ("accounts", "quadrant=invest", 2),
        ("accounts", "attractiveness=9&position=4", 1),
        ("accounts", "uncovered=1", 3),
        ("contracts", "view=renewal90", 3),
        ("contracts", "view=month&month=2026-12", 1),
        ("actions", "", 2),
        ("kpis", "band=gte100", 1),
        ("goals", "status=at_risk", 1),
    ],
)
def test_drill_down_lists_the_records_behind_a_figure(
    client, frozen, book, manager, kind, query, expected
):
    client.force_login(manager)
    body = client.get(reverse("dashboard_records", args=[kind]) + "?" + query).content.decode()
    assert body.count('data-testid="record-row"') == expected


def test_unknown_drill_down_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("dashboard_records", args=["secrets"])).status_code == 404


def test_csv_exports(client, frozen, book, manager):
    client.force_login(manager)
    response = client.get(reverse("dashboard_records", args=["accounts"]) + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4
    for export in (
        "team",
        "tier",
        "renewals",
        "attainment",
        "goals",
        "overdue",
        "health",
        "matrix",
        "at_risk",
    ):
        response = client.get(reverse("dashboard") + f"?export={export}")
        assert response.status_code == 200, export
        assert response["Content-Type"].startswith("text/csv")
    assert client.get(reverse("dashboard") + "?export=nope").status_code == 404


def test_dashboard_query_count_does_not_grow_with_rows(client, frozen, manager):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(ctx)

    client.force_login(manager)

    def add_account(i):
        rep = UserFactory()
        account = AccountFactory(owner=rep, score_fit=1 + i % 5)
        plan = PlanFactory(account=account, next_review_date=TODAY)
        ContractFactory(
            account=account,
            end_date=TODAY + dt.timedelta(days=40 + i),
            start_date=TODAY - dt.timedelta(days=100),
        )
        ActionFactory(plan=plan, owner=rep, due_date=TODAY - dt.timedelta(days=1))
        KPIFactory(plan=plan)
        StakeholderFactory(account=account, buying_role="decision_maker", attitude=-1)

    add_account(0)
    few = count()
    for i in range(1, 15):
        add_account(i)
    assert count() == few
