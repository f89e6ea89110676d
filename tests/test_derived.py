"""Figures the database derives: expected values are worked out by hand in each test."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, Contract
from plans.models import KPI, Goal
from plans.services import kpi_measurement_delete, kpi_measurement_record
from tests.factories import AccountFactory, ContractFactory, GoalFactory, KPIFactory

pytestmark = pytest.mark.django_db

SCORE_FIELDS = (
    "score_revenue_size",
    "score_industry_position",
    "score_growth_rate",
    "score_fit",
    "score_relationship",
)


def scored_account(*scores: int, **extra) -> Account:
    """An account with the five scores in model order, read back with its derived columns."""
    account = AccountFactory(**dict(zip(SCORE_FIELDS, scores, strict=True)), **extra)
    account.refresh_from_db()
    return account


# Account priority score and investment quadrant


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # (sum - 5) * 5: sum 5 -> 0, sum 25 -> 100, 5+4+2+3+2 = 16 -> 55, 3*5 = 15 -> 50.
        ((1, 1, 1, 1, 1), 0),
        ((5, 5, 5, 5, 5), 100),
        ((5, 4, 2, 3, 2), 55),
        ((3, 3, 3, 3, 3), 50),
        ((1, 2, 1, 1, 1), 5),
    ],
)
def test_priority_score_scales_the_five_scores_to_0_100(scores, expected):
    assert scored_account(*scores).priority_score == expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # attractiveness = size + position + growth (high from 9), position = fit + rel
        # (strong from 6).
        ((5, 5, 5, 5, 5), "invest"),
        ((3, 3, 3, 3, 3), "invest"),  # 9 / 6: both exactly on the threshold
        ((3, 3, 3, 3, 2), "grow"),  # 9 / 5
        ((5, 5, 5, 1, 1), "grow"),
        ((3, 3, 2, 3, 3), "maintain"),  # 8 / 6
        ((1, 1, 1, 5, 5), "maintain"),
        ((3, 3, 2, 3, 2), "reduce"),  # 8 / 5
        ((1, 1, 1, 1, 1), "reduce"),
    ],
)
def test_quadrant_splits_at_attractiveness_9_and_position_6(scores, expected):
    account = scored_account(*scores)
    assert account.quadrant == expected


def test_quadrant_and_priority_follow_a_change_of_scores():
    account = scored_account(1, 1, 1, 1, 1)
    Account.objects.filter(pk=account.pk).update(score_revenue_size=5, score_fit=5)
    account.refresh_from_db()
    # 5+1+1 = 7 (low), 5+1 = 6 (strong); (13 - 5) * 5 = 40
    assert (account.quadrant, account.priority_score) == ("maintain", 40)


def test_attractiveness_and_position_properties_add_up_the_scores():
    account = scored_account(5, 4, 2, 3, 2)
    assert (account.attractiveness, account.position) == (11, 5)


def test_accounts_filter_by_quadrant_and_sort_by_priority():
    low = scored_account(3, 3, 3, 3, 3, name="low")  # invest, 50
    top = scored_account(5, 5, 5, 5, 5, name="top")  # invest, 100
    mid = scored_account(4, 4, 4, 3, 3, name="mid")  # invest, 65
    grow = scored_account(5, 5, 5, 2, 1, name="grow")  # grow, 65
    invest = Account.objects.filter(quadrant="invest").order_by("-priority_score")
    assert list(invest) == [top, mid, low]
    assert set(Account.objects.filter(priority_score__gte=65)) == {top, mid, grow}


# Contract renewal deadline = end date - notice period


@pytest.mark.parametrize(
    ("end_date", "notice", "deadline"),
    [
        (dt.date(2027, 3, 31), 90, dt.date(2026, 12, 31)),
        (dt.date(2027, 3, 31), 31, dt.date(2027, 2, 28)),  # across a short month end
        (dt.date(2027, 1, 31), 31, dt.date(2026, 12, 31)),  # across a year end
        (dt.date(2028, 3, 1), 1, dt.date(2028, 2, 29)),  # leap day
        (dt.date(2027, 3, 1), 1, dt.date(2027, 2, 28)),  # no leap day
        (dt.date(2027, 3, 31), 0, dt.date(2027, 3, 31)),  # no notice: the end date itself
        (dt.date(2028, 3, 31), 730, dt.date(2026, 4, 1)),  # two years, across 2028-02-29
    ],
)
def test_renewal_deadline_is_end_date_minus_notice(end_date, notice, deadline):
    contract = ContractFactory(
        start_date=dt.date(2026, 1, 1), end_date=end_date, notice_period_days=notice
    )
    contract.refresh_from_db()
    assert contract.renewal_deadline == deadline


def test_renewal_deadline_follows_a_new_end_date_on_save():
    contract = ContractFactory(end_date=dt.date(2027, 3, 31), notice_period_days=30)
    contract.end_date = dt.date(2027, 9, 30)
    contract.save()
    contract.refresh_from_db()
    assert contract.renewal_deadline == dt.date(2027, 8, 31)


def test_renewal_deadline_follows_a_new_notice_period_on_update():
    contract = ContractFactory(end_date=dt.date(2027, 3, 31), notice_period_days=30)
    Contract.objects.filter(pk=contract.pk).update(notice_period_days=59)
    contract.refresh_from_db()
    assert contract.renewal_deadline == dt.date(2027, 1, 31)


def test_contracts_filter_by_renewal_deadline():
    # Deadlines: 2026-12-31, 2027-01-01, 2027-02-28.
    due = ContractFactory(end_date=dt.date(2027, 3, 31), notice_period_days=90)
    edge = ContractFactory(end_date=dt.date(2027, 3, 31), notice_period_days=89)
    ContractFactory(end_date=dt.date(2027, 3, 31), notice_period_days=31)
    found = Contract.objects.filter(renewal_deadline__lte=dt.date(2027, 1, 1))
    assert set(found) == {due, edge}


# Goal progress = (current - baseline or 0) / (target - baseline or 0)


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        ("100", "200", "150", 0.5),  # 50 / 100
        (None, "80", "20", 0.25),  # no baseline counts from 0: 20 / 80
        ("10", "2", "6", 0.5),  # lower is better: -4 / -8
        ("100", "200", "100", 0.0),
        ("100", "200", "250", 1.5),  # beyond the target
        ("100", "200", "80", -0.2),  # fell below the baseline: -20 / 100
    ],
)
def test_goal_progress_runs_from_baseline_to_target(baseline, target, current, expected):
    goal = GoalFactory(
        baseline=None if baseline is None else Decimal(baseline),
        target=Decimal(target),
        current_value=Decimal(current),
    )
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(expected)


def test_goal_progress_is_unknown_without_a_current_value():
    goal = GoalFactory(baseline=Decimal("100"), target=Decimal("200"), current_value=None)
    goal.refresh_from_db()
    assert goal.progress is None


def test_goal_progress_follows_the_current_value():
    goal = GoalFactory(baseline=Decimal("100"), target=Decimal("200"), current_value=None)
    Goal.objects.filter(pk=goal.pk).update(current_value=Decimal("175"))
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(0.75)


# KPI attainment from the latest measurement


def kpi_with(direction: str, target: str, *values_by_day: tuple[dt.date, str]) -> KPI:
    kpi = KPIFactory(direction=direction, target=Decimal(target))
    for measured_on, value in values_by_day:
        kpi_measurement_record(kpi=kpi, measured_on=measured_on, value=Decimal(value))
    kpi.refresh_from_db()
    return kpi


@pytest.mark.parametrize(
    ("direction", "target", "latest", "expected"),
    [
        ("higher", "80", "60", 0.75),  # 60 / 80
        ("higher", "80", "100", 1.25),  # 100 / 80
        ("higher", "80", "0", 0.0),
        ("lower", "5", "10", 0.5),  # 5 / 10
        ("lower", "5", "4", 1.25),  # 5 / 4
        ("lower", "5", "0", 1.0),  # nothing left: fully attained, not a division by zero
        ("lower", "0", "0", 1.0),
        ("lower", "0", "2", 0.0),  # 0 / 2
    ],
)
def test_kpi_attainment(direction, target, latest, expected):
    kpi = kpi_with(direction, target, (dt.date(2026, 6, 30), latest))
    assert kpi.attainment == pytest.approx(expected)


def test_kpi_attainment_is_unknown_without_a_measurement():
    kpi = KPIFactory(direction="higher", target=Decimal("80"))
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on, kpi.attainment) == (None, None, None)


def test_latest_value_is_the_newest_date_even_when_an_older_one_is_recorded_later():
    kpi = kpi_with(
        "higher",
        "80",
        (dt.date(2026, 9, 30), "60"),
        (dt.date(2026, 6, 30), "40"),
    )
    assert kpi.latest_value == Decimal("60")
    assert kpi.latest_measured_on == dt.date(2026, 9, 30)
    assert kpi.attainment == pytest.approx(0.75)


def test_a_newer_measurement_replaces_the_latest_value():
    kpi = kpi_with("higher", "80", (dt.date(2026, 6, 30), "40"), (dt.date(2026, 9, 30), "60"))
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("60"), dt.date(2026, 9, 30))


def test_deleting_the_newest_measurement_falls_back_to_the_one_before():
    kpi = kpi_with(
        "higher",
        "80",
        (dt.date(2026, 6, 30), "40"),
        (dt.date(2026, 9, 30), "60"),
        (dt.date(2026, 3, 31), "20"),
    )
    newest = kpi.measurements.get(measured_on=dt.date(2026, 9, 30))
    kpi_measurement_delete(measurement=newest, user=kpi.plan.owner)
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("40"), dt.date(2026, 6, 30))
    assert kpi.attainment == pytest.approx(0.5)


def test_deleting_an_older_measurement_keeps_the_latest_value():
    kpi = kpi_with("higher", "80", (dt.date(2026, 6, 30), "40"), (dt.date(2026, 9, 30), "60"))
    kpi_measurement_delete(
        measurement=kpi.measurements.get(measured_on=dt.date(2026, 6, 30)), user=kpi.plan.owner
    )
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("60"), dt.date(2026, 9, 30))


def test_deleting_the_only_measurement_clears_the_latest_value():
    kpi = kpi_with("higher", "80", (dt.date(2026, 6, 30), "40"))
    kpi_measurement_delete(measurement=kpi.measurements.get(), user=kpi.plan.owner)
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on, kpi.attainment) == (None, None, None)
