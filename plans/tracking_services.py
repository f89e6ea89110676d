"""Writes to the tracking parts of a plan: KPIs and their measurements, the competitor map and
the action plan. Measurements themselves are recorded by plans.services, which keeps each KPI's
latest value (and so its attainment) in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.models import User
from kam.core.services import full_clean, save_fields

from . import services
from .charts import format_value
from .models import (
    KPI,
    AccountPlan,
    ActionItem,
    ActionStatus,
    CompetitorPosition,
    KPIMeasurement,
)

KPI_FIELDS = ("name", "kind", "goal", "target", "unit", "direction")
COMPETITOR_FIELDS = (
    "competitor",
    "products",
    "pricing_strategy",
    "marketing_strategy",
    "relationship",
    "share_of_wallet",
    "strengths",
    "weaknesses",
    "threat_level",
    "differentiation",
    "win_strategy",
)
# The status has its own one-click control, which also keeps completed_at in step.
ACTION_FIELDS = ("title", "phase", "owner", "due_date", "goal", "description", "resources")

# Database constraints report themselves as errors of the whole object; these belong beside
# one field, where the person who typed the value will look.
CONSTRAINT_FIELDS = {
    "kpi_higher_target_not_zero": "target",
    "kpi_name_unique_in_plan": "name",
    "competitor_once_per_plan": "competitor",
    "competitor_share_at_most_100": "share_of_wallet",
}
ON_FIELDS = {"constraint_fields": CONSTRAINT_FIELDS}


# KPIs


@transaction.atomic
def kpi_create(*, plan: AccountPlan, data: Mapping[str, Any]) -> KPI:
    # Attainment is computed by the database.
    return save_fields(KPI(plan=plan), data, KPI_FIELDS, **ON_FIELDS, refresh=True)


@transaction.atomic
def kpi_update(*, kpi: KPI, data: Mapping[str, Any]) -> KPI:
    return save_fields(kpi, data, KPI_FIELDS, **ON_FIELDS, refresh=True)


@transaction.atomic
def kpi_delete(*, kpi: KPI) -> None:
    """Its measurements go with it."""
    kpi.delete()


@transaction.atomic
def kpi_measurement_add(
    *,
    kpi: KPI,
    measured_on: dt.date,
    value: Decimal,
    note: str = "",
    recorded_by: User | None = None,
) -> KPIMeasurement:
    """Record a new measurement; a date that already has one is refused, never overwritten.

    Overwriting would lose the earlier value on a mistyped date. To correct a value, delete
    the measurement and record it again.
    """
    # Lock the KPI first, so that two people adding the same date cannot both pass the check.
    KPI.objects.select_for_update().filter(pk=kpi.pk).first()
    existing = kpi.measurements.filter(measured_on=measured_on).values_list("value", flat=True)
    earlier = existing.first()
    if earlier is not None:
        raise ValidationError(
            {
                "measured_on": _(
                    "This KPI already has a measurement on that date (%(value)s). Delete it "
                    "first to record another value."
                )
                % {"value": format_value(earlier)}
            }
        )
    return services.kpi_measurement_record(
        kpi=kpi, measured_on=measured_on, value=value, note=note, recorded_by=recorded_by
    )


# Competitor map


@transaction.atomic
def competitor_create(*, plan: AccountPlan, data: Mapping[str, Any]) -> CompetitorPosition:
    return save_fields(CompetitorPosition(plan=plan), data, COMPETITOR_FIELDS, **ON_FIELDS)


@transaction.atomic
def competitor_update(
    *, position: CompetitorPosition, data: Mapping[str, Any]
) -> CompetitorPosition:
    return save_fields(position, data, COMPETITOR_FIELDS, **ON_FIELDS)


@transaction.atomic
def competitor_delete(*, position: CompetitorPosition) -> None:
    position.delete()


# Action plan


@transaction.atomic
def action_create(*, plan: AccountPlan, data: Mapping[str, Any]) -> ActionItem:
    return save_fields(ActionItem(plan=plan), data, ACTION_FIELDS, **ON_FIELDS)


@transaction.atomic
def action_update(*, action: ActionItem, data: Mapping[str, Any]) -> ActionItem:
    return save_fields(action, data, ACTION_FIELDS, **ON_FIELDS)


@transaction.atomic
def action_delete(*, action: ActionItem) -> None:
    action.delete()


@transaction.atomic
def action_set_status(*, action: ActionItem, status: str) -> ActionItem:
    """Move an action to a status; done records when, leaving done forgets it."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == action.status:
        return action
    action.status = status
    if status == ActionStatus.DONE:
        action.completed_at = timezone.now()
    else:
        action.completed_at = None
    full_clean(action, CONSTRAINT_FIELDS)
    action.save(update_fields=["status", "completed_at", "updated_at"])
    return action
