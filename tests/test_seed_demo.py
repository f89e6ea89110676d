"""The demo portfolio: realistic spread, valid plans, idempotent, deterministic."""

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from accounts.models import Account, Contract, ContractStatus, Industry, Quadrant
from kam.core.models import Role, User
from kam.core.text import fold
from kam.tools import demo
from plans.models import KPI, AccountPlan, ActionItem, ActionStatus, Goal, PlanStatus
from plans.services import fiscal_year_bounds, kpi_refresh_latest
from stakeholders.models import Attitude, BuyingRole, Stakeholder
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc ]+$")


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_running_twice_changes_no_count():
    first_output = seed()
    first = row_counts()
    second_output = seed()

    assert row_counts() == first
    assert "40 accounts created" in first_output
    assert "0 accounts created, 40 already there" in second_output
    for label in (
        "accounts.Account",
        "accounts.Contract",
        "accounts.Meeting",
        "stakeholders.Stakeholder",
        "stakeholders.StakeholderEngagement",
        "plans.AccountPlan",
        "plans.KPIMeasurement",
        "plans.ActionItem",
        "plans.PlanReview",
    ):
        assert first[label] > 0, label


def test_same_data_every_time():
    def snapshot():
        return (
            sorted(
                Account.objects.values_list(
                    "name", "tier", "status", "priority_score", "quadrant", "owner__username"
                )
            ),
            sorted(Contract.objects.values_list("number", "annual_value", "end_date", "status")),
            sorted(Stakeholder.objects.values_list("account__name", "name", "attitude")),
            sorted(Goal.objects.values_list("plan__account__name", "statement", "due_date")),
        )

    seed()
    first = snapshot()
    Account.objects.all().delete()
    seed()

    assert snapshot() == first


def test_a_renamed_demo_account_is_not_seeded_again():
    seed()
    Account.objects.filter(name="株式会社東雲精機").update(name="株式会社東雲精機（旧）")

    seed()

    assert Account.objects.count() == len(demo.COMPANIES)
    assert not Account.objects.filter(name="株式会社東雲精機").exists()


def test_about_forty_accounts_with_readings_across_industries():
    seed()
    accounts = list(Account.objects.all())

    assert 35 <= len(accounts) <= 45
    for account in accounts:
        assert KATAKANA.match(account.name_kana), account.name_kana
        assert account.headquarters and account.annual_revenue and account.employees
        # Found by its reading typed in hiragana: the bulk load fills the search key.
        assert account.search_key.endswith(fold(account.name_kana))
    assert {a.industry for a in accounts} == set(Industry.values)
    assert len({a.tier for a in accounts}) == 4
    assert {a.status for a in accounts} >= {"active", "at_risk", "prospect"}
    owners = Counter(a.owner.username for a in accounts)
    assert set(owners) == set(demo.REPS)
    assert min(owners.values()) >= 10


def test_every_quadrant_occurs():
    seed()

    quadrants = Counter(Account.objects.values_list("quadrant", flat=True))

    assert set(quadrants) == set(Quadrant.values)
    assert min(quadrants.values()) >= 4


def test_each_role_has_a_demo_user_who_can_log_in(client):
    seed()

    for spec in demo.DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.email == f"{spec.username}@example.com"
        assert client.login(username=spec.username, password=demo.PASSWORD), spec.username
        client.logout()
    demo_users = User.objects.filter(username__in=[u.username for u in demo.DEMO_USERS])
    assert set(demo_users.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(username="tanaka").role == Role.MANAGER


def test_an_existing_demo_user_keeps_their_password(client):
    User.objects.create_user(username="sato", password="my-own-pass-99", role=Role.REP)

    seed()

    assert client.login(username="sato", password="my-own-pass-99")
    assert User.objects.filter(username="sato").count() == 1


def test_if_empty_does_nothing_when_accounts_exist():
    AccountFactory(name="株式会社既存", name_kana="キゾン")

    output = seed("--if-empty")

    assert "exist already" in output
    assert Account.objects.count() == 1
    assert not User.objects.filter(username="tanaka").exists()


def test_if_empty_seeds_an_empty_database():
    seed("--if-empty")

    assert Account.objects.count() == len(demo.COMPANIES)


def test_each_account_has_one_active_plan_for_the_current_fiscal_year(settings):
    seed()
    start, end = fiscal_year_bounds(
        day=timezone.localdate(), start_month=settings.FISCAL_YEAR_START_MONTH
    )

    active = AccountPlan.objects.filter(status=PlanStatus.ACTIVE)
    assert active.count() == Account.objects.count()
    assert set(active.values_list("period_start", "period_end")) == {(start, end)}
    assert AccountPlan.objects.filter(status=PlanStatus.ARCHIVED, period_end__lt=start).exists()
    for plan in active.annotate(
        n_needs=Count("needs", distinct=True),
        n_goals=Count("goals", distinct=True),
        n_kpis=Count("kpis", distinct=True),
        n_competitors=Count("competitors", distinct=True),
        n_actions=Count("actions", distinct=True),
        n_reviews=Count("reviews", distinct=True),
        n_engagements=Count("engagements", distinct=True),
        n_phases=Count("actions__phase", distinct=True),
    ):
        assert 2 <= plan.n_needs <= 4
        assert 2 <= plan.n_goals <= 4
        assert 2 <= plan.n_kpis <= 4
        assert 2 <= plan.n_competitors <= 3
        assert 6 <= plan.n_actions <= 12
        assert plan.n_phases == 5
        assert 1 <= plan.n_reviews <= 2
        assert plan.n_engagements >= 1
        assert plan.value_what and plan.value_who and plan.profile_decision_process
    today = timezone.localdate()
    assert active.filter(next_review_date__lt=today).exists()
    assert active.filter(next_review_date__gte=today).exists()


def test_every_goal_is_smart_and_inside_its_plan_period():
    seed()

    goals = Goal.objects.select_related("plan")
    assert goals.count() >= 2 * AccountPlan.objects.count()
    for goal in goals:
        assert goal.target is not None and goal.due_date is not None
        assert goal.metric and goal.achievable_because and goal.need_id
        assert goal.plan.period_start <= goal.due_date <= goal.plan.period_end
        assert goal.need.plan_id == goal.plan_id
    assert len(set(goals.values_list("status", flat=True))) >= 4


def test_each_kpi_has_eight_quarterly_measurements_and_its_newest_value():
    seed()
    today = timezone.localdate()

    kpis = KPI.objects.annotate(n=Count("measurements"), newest=Max("measurements__measured_on"))
    assert kpis.exists()
    for kpi in kpis:
        assert kpi.n == 8
        assert kpi.goal.plan_id == kpi.plan_id
        newest = kpi.measurements.get(measured_on=kpi.newest)
        assert (kpi.latest_value, kpi.latest_measured_on) == (newest.value, newest.measured_on)
        assert kpi.attainment is not None
        dates = sorted(kpi.measurements.values_list("measured_on", flat=True))
        assert today - dt.timedelta(days=2 * 366) < dates[0]
        assert all(80 <= (b - a).days <= 95 for a, b in zip(dates, dates[1:], strict=False))
    # The figures are the ones the service stores.
    kpi = KPI.objects.first()
    seeded = (kpi.latest_value, kpi.latest_measured_on)
    refreshed = kpi_refresh_latest(kpi=kpi)
    assert (refreshed.latest_value, refreshed.latest_measured_on) == seeded


def test_contract_renewal_deadlines_are_spread():
    seed()
    today = timezone.localdate()
    open_contracts = Contract.objects.open()

    def within(low, high):
        return open_contracts.filter(
            renewal_deadline__gte=today + dt.timedelta(days=low),
            renewal_deadline__lte=today + dt.timedelta(days=high),
        ).exists()

    assert open_contracts.filter(renewal_deadline__lt=today).exists()
    assert within(0, 30) and within(31, 60) and within(61, 90)
    assert open_contracts.filter(renewal_deadline__gt=today + dt.timedelta(days=90)).exists()
    assert not open_contracts.filter(renewal_deadline__gt=today + dt.timedelta(days=366)).exists()
    assert set(Contract.objects.values_list("notice_period_days", flat=True)) <= {30, 60, 90}
    renewed = Contract.objects.filter(successor__isnull=False)
    assert renewed.exists()
    assert all(c.status == ContractStatus.RENEWED for c in renewed)
    assert open_contracts.filter(
        Q(last_price_review_date__isnull=True)
        | Q(last_price_review_date__lt=today - dt.timedelta(days=365))
    ).exists()


def test_stakeholders_form_an_org_chart_with_varied_sentiment():
    seed()
    today = timezone.localdate()

    for account in Account.objects.prefetch_related("stakeholders__reports_to"):
        people = list(account.stakeholders.all())
        assert 5 <= len(people) <= 10
        tops = [p for p in people if p.reports_to is None]
        assert len(tops) == 1 and tops[0].buying_role == BuyingRole.DECISION_MAKER
        assert all(p.reports_to.account_id == account.pk for p in people if p.reports_to)
        assert {p.title for p in people} >= {"部長", "課長"}
    with_champion = set(
        Stakeholder.objects.filter(buying_role=BuyingRole.CHAMPION).values_list(
            "account_id", flat=True
        )
    )
    assert 0 < len(with_champion) < Account.objects.count()
    assert Stakeholder.objects.filter(
        buying_role=BuyingRole.DECISION_MAKER, attitude=Attitude.OPPONENT
    ).exists()
    assert Stakeholder.objects.filter(last_contacted_on__lt=today - dt.timedelta(days=90)).exists()
    assert Stakeholder.objects.filter(last_contacted_on__gte=today - dt.timedelta(days=30)).exists()


def test_actions_are_spread_and_done_ones_have_a_completion_time():
    seed()
    today = timezone.localdate()

    statuses = set(ActionItem.objects.values_list("status", flat=True))
    assert statuses == set(ActionStatus.values)
    assert ActionItem.objects.overdue(today).exists()
    assert not ActionItem.objects.filter(status=ActionStatus.DONE, completed_at__isnull=True)
    assert not ActionItem.objects.filter(completed_at__gt=timezone.now())


@pytest.mark.parametrize(
    ("start_month", "now"),
    [
        (4, dt.datetime(2027, 4, 1, 0, 30)),  # the first morning of a fiscal year
        (4, dt.datetime(2027, 3, 31, 23, 30)),  # its last evening
        (1, dt.datetime(2026, 12, 31, 12, 0)),
        (10, dt.datetime(2026, 10, 1, 9, 0)),
    ],
)
def test_seeds_on_any_day_of_any_fiscal_year(settings, time_machine, start_month, now):
    settings.FISCAL_YEAR_START_MONTH = start_month
    time_machine.move_to(timezone.make_aware(now), tick=False)
    today = timezone.localdate()
    start, end = fiscal_year_bounds(day=today, start_month=start_month)

    seed()

    assert set(
        AccountPlan.objects.filter(status=PlanStatus.ACTIVE).values_list(
            "period_start", "period_end"
        )
    ) == {(start, end)}
    assert not Goal.objects.exclude(
        due_date__gte=F("plan__period_start"), due_date__lte=F("plan__period_end")
    ).exists()
    assert not KPI.objects.filter(latest_measured_on__gt=today).exists()
