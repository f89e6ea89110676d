"""Writes to account plans. Views, forms, admin, API and tasks all go through here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from kam.models import User

from .models import KPI, AccountPlan, KPIMeasurement, PlanReview


def kpi_refresh_latest(*, kpi: KPI) -> KPI:
    """Copy the newest measurement onto the KPI, where attainment is derived from it."""
    latest = kpi.measurements.order_by("-measured_on").values("value", "measured_on").first()
    KPI.objects.filter(pk=kpi.pk).update(
        latest_value=latest["value"] if latest else None,
        latest_measured_on=latest["measured_on"] if latest else None,
    )
    kpi.refresh_from_db()
    return kpi


@transaction.atomic
def kpi_measurement_record(
    *,
    kpi: KPI,
    measured_on: dt.date,
    value: Decimal,
    note: str = "",
    recorded_by: User | None = None,
) -> KPIMeasurement:
    """Record (or correct) the value of a KPI on a date."""
    # Lock the KPI so two people recording at once leave the newest value in place.
    KPI.objects.select_for_update().filter(pk=kpi.pk).first()
    measurement = KPIMeasurement.objects.filter(kpi=kpi, measured_on=measured_on).first()
    if measurement is None:
        measurement = KPIMeasurement(kpi=kpi, measured_on=measured_on)
    measurement.value = value
    measurement.note = note
    measurement.recorded_by = recorded_by
    measurement.full_clean()
    measurement.save()
    kpi_refresh_latest(kpi=kpi)
    return measurement


@transaction.atomic
def kpi_measurement_delete(*, measurement: KPIMeasurement) -> None:
    kpi = measurement.kpi
    measurement.delete()
    kpi_refresh_latest(kpi=kpi)


def next_review_after(*, plan: AccountPlan, reviewed_on: dt.date) -> dt.date:
    return reviewed_on + relativedelta(months=plan.review_cadence_months)


@transaction.atomic
def plan_mark_reviewed(
    *,
    plan: AccountPlan,
    reviewer: User,
    notes: str = "",
    decisions: str = "",
    reviewed_on: dt.date | None = None,
) -> PlanReview:
    """Record a review and move the next review date on by the plan's cadence."""
    reviewed_on = reviewed_on or timezone.localdate()
    next_date = next_review_after(plan=plan, reviewed_on=reviewed_on)
    review = PlanReview(
        plan=plan,
        reviewed_on=reviewed_on,
        reviewer=reviewer,
        notes=notes,
        decisions=decisions,
        next_review_date=next_date,
    )
    review.full_clean()
    review.save()
    plan.last_reviewed_on = reviewed_on
    plan.next_review_date = next_date
    plan.save(update_fields=["last_reviewed_on", "next_review_date", "updated_at"])
    return review
