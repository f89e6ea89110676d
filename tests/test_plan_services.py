"""Plan services: reviews move the next review on by the cadence; measurements are corrected."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from plans.models import AccountPlan, KPIMeasurement, PlanReview, ReviewCadence
from plans.services import kpi_measurement_record, plan_mark_reviewed
from tests.factories import KPIFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(account, owner):
    return PlanFactory(
        account=account,
        owner=owner,
        review_cadence_months=ReviewCadence.QUARTERLY,
        next_review_date=dt.date(2026, 11, 30),
    )


def test_marking_a_plan_reviewed_records_the_review(plan, manager):
    review = plan_mark_reviewed(
        plan=plan,
        reviewer=manager,
        notes="受注見込みを確認",
        decisions="役員面談を前倒しする",
        reviewed_on=dt.date(2026, 11, 30),
    )
    stored = PlanReview.objects.get(plan=plan)
    assert stored == review
    assert stored.reviewer == manager
    assert stored.reviewed_on == dt.date(2026, 11, 30)
    assert (stored.notes, stored.decisions) == ("受注見込みを確認", "役員面談を前倒しする")
    assert stored.next_review_date == dt.date(2027, 2, 28)


def test_marking_a_plan_reviewed_moves_its_review_dates(plan, owner):
    plan_mark_reviewed(plan=plan, reviewer=owner, reviewed_on=dt.date(2026, 11, 30))
    stored = AccountPlan.objects.get(pk=plan.pk)
    assert stored.last_reviewed_on == dt.date(2026, 11, 30)
    # Three months on from 30 November: February has no 30th, so its last day.
    assert stored.next_review_date == dt.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("cadence", "reviewed_on", "next_review"),
    [
        (ReviewCadence.MONTHLY, dt.date(2026, 10, 15), dt.date(2026, 11, 15)),
        (ReviewCadence.MONTHLY, dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        (ReviewCadence.MONTHLY, dt.date(2027, 12, 31), dt.date(2028, 1, 31)),
        (ReviewCadence.QUARTERLY, dt.date(2026, 11, 30), dt.date(2027, 2, 28)),
        (ReviewCadence.QUARTERLY, dt.date(2027, 11, 30), dt.date(2028, 2, 29)),
        (ReviewCadence.HALF_YEARLY, dt.date(2026, 8, 31), dt.date(2027, 2, 28)),
        (ReviewCadence.YEARLY, dt.date(2026, 11, 30), dt.date(2027, 11, 30)),
        (ReviewCadence.YEARLY, dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
    ],
)
def test_next_review_is_one_cadence_after_the_review(
    plan, owner, cadence, reviewed_on, next_review
):
    AccountPlan.objects.filter(pk=plan.pk).update(review_cadence_months=cadence)
    plan.refresh_from_db()
    # A review cannot be dated after today: hold it on its own day, noon in Tokyo.
    noon = dt.datetime.combine(reviewed_on, dt.time(3, 0), tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False):
        review = plan_mark_reviewed(plan=plan, reviewer=owner, reviewed_on=reviewed_on)
    plan.refresh_from_db()
    assert review.next_review_date == next_review
    assert plan.next_review_date == next_review


def test_a_review_without_a_date_is_dated_today_in_tokyo(plan, owner):
    # 15:30 UTC on 30 November is already 1 December in Tokyo.
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC), tick=False):
        review = plan_mark_reviewed(plan=plan, reviewer=owner)
    plan.refresh_from_db()
    assert review.reviewed_on == dt.date(2026, 12, 1)
    assert plan.last_reviewed_on == dt.date(2026, 12, 1)
    assert plan.next_review_date == dt.date(2027, 3, 1)


def test_each_review_is_kept_and_the_latest_sets_the_dates(plan, owner, manager):
    plan_mark_reviewed(plan=plan, reviewer=owner, reviewed_on=dt.date(2026, 8, 31))
    plan_mark_reviewed(plan=plan, reviewer=manager, reviewed_on=dt.date(2026, 11, 30))
    plan.refresh_from_db()
    assert list(plan.reviews.values_list("reviewed_on", flat=True)) == [
        dt.date(2026, 11, 30),
        dt.date(2026, 8, 31),
    ]
    assert (plan.last_reviewed_on, plan.next_review_date) == (
        dt.date(2026, 11, 30),
        dt.date(2027, 2, 28),
    )


def test_marking_reviewed_leaves_other_fields_as_stored(plan, owner):
    # Someone renamed the plan after this copy was loaded; the review must not undo that.
    AccountPlan.objects.filter(pk=plan.pk).update(title="FY2026 改訂版")
    plan_mark_reviewed(plan=plan, reviewer=owner, reviewed_on=dt.date(2026, 11, 30))
    assert AccountPlan.objects.get(pk=plan.pk).title == "FY2026 改訂版"


# KPI measurements


def test_recording_on_an_existing_date_corrects_the_value(owner, member):
    kpi = KPIFactory(direction="higher", target=Decimal("80"))
    first = kpi_measurement_record(
        kpi=kpi, measured_on=dt.date(2026, 9, 30), value=Decimal("60"), recorded_by=owner
    )
    corrected = kpi_measurement_record(
        kpi=kpi,
        measured_on=dt.date(2026, 9, 30),
        value=Decimal("64"),
        note="集計漏れを修正",
        recorded_by=member,
    )
    assert corrected.pk == first.pk
    stored = KPIMeasurement.objects.get(kpi=kpi)
    assert (stored.value, stored.note, stored.recorded_by) == (
        Decimal("64"),
        "集計漏れを修正",
        member,
    )
    kpi.refresh_from_db()
    assert kpi.latest_value == Decimal("64")
    assert kpi.attainment == pytest.approx(0.8)


def test_correcting_an_older_date_keeps_the_newest_as_latest():
    kpi = KPIFactory(direction="higher", target=Decimal("80"))
    kpi_measurement_record(kpi=kpi, measured_on=dt.date(2026, 6, 30), value=Decimal("40"))
    kpi_measurement_record(kpi=kpi, measured_on=dt.date(2026, 9, 30), value=Decimal("60"))
    kpi_measurement_record(kpi=kpi, measured_on=dt.date(2026, 6, 30), value=Decimal("45"))
    kpi.refresh_from_db()
    assert kpi.measurements.count() == 2
    assert kpi.measurements.get(measured_on=dt.date(2026, 6, 30)).value == Decimal("45")
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("60"), dt.date(2026, 9, 30))


def test_recording_updates_the_kpi_instance_passed_in():
    kpi = KPIFactory(direction="lower", target=Decimal("5"))
    kpi_measurement_record(kpi=kpi, measured_on=dt.date(2026, 9, 30), value=Decimal("10"))
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("10"), dt.date(2026, 9, 30))
    assert kpi.attainment == pytest.approx(0.5)
