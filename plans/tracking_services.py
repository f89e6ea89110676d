"""Writes to the tracking parts of a plan: KPIs and their measurements, the competitor map and
the action plan. Measurements themselves are recorded by plans.services, which keeps each KPI's
latest value (and so its attainment) in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.models import User

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

KPI_FIELDS = ("name", "kind", "goal", "unit", "target", "direction")
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
ACTION_FIELDS = ("phase", "title", "description", "owner", "due_date", "resources", "goal")

# Database constraints report themselves as errors of the whole object; these belong beside
# one field, where the person who typed the value will look.
CONSTRAINT_FIELDS = {
    "kpi_higher_target_not_zero": "target",
    "kpi_name_unique_in_plan": "name",
    "competitor_once_per_plan": "competitor",
    "competitor_share_at_most_100": "share_of_wallet",
}


def _full_clean(instance: models.Model) -> None:
    """full_clean(), with each constraint's message moved onto the field it is about."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        field_of = {
            str(constraint.get_violation_error_message()): CONSTRAINT_FIELDS[constraint.name]
            for constraint in instance._meta.constraints
            if constraint.name in CONSTRAINT_FIELDS
        }
        errors: dict[str, list[ValidationError]] = {}
        for name, items in exc.error_dict.items():
            for item in items:
                target = name
                if name == NON_FIELD_ERRORS:
                    target = field_of.get(" ".join(item.messages), name)
                errors.setdefault(target, []).append(item)
        raise ValidationError(errors) from None


def _assign(instance: models.Model, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)


# KPIs


@transaction.atomic
def kpi_create(*, plan: AccountPlan, data: Mapping[str, Any]) -> KPI:
    kpi = KPI(plan=plan)
    _assign(kpi, data, KPI_FIELDS)
    _full_clean(kpi)
    kpi.save()
    # Attainment is computed by the database.
    kpi.refresh_from_db()
    return kpi


@transaction.atomic
def kpi_update(*, kpi: KPI, data: Mapping[str, Any]) -> KPI:
    _assign(kpi, data, KPI_FIELDS)
    _full_clean(kpi)
    kpi.save()
    kpi.refresh_from_db()
    return kpi


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
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("A measurement cannot be dated in the future.")})
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
    position = CompetitorPosition(plan=plan)
    _assign(position, data, COMPETITOR_FIELDS)
    _full_clean(position)
    position.save()
    return position


@transaction.atomic
def competitor_update(
    *, position: CompetitorPosition, data: Mapping[str, Any]
) -> CompetitorPosition:
    _assign(position, data, COMPETITOR_FIELDS)
    _full_clean(position)
    position.save()
    return position


@transaction.atomic
def competitor_delete(*, position: CompetitorPosition) -> None:
    position.delete()


# Action plan


@transaction.atomic
def action_create(*, plan: AccountPlan, data: Mapping[str, Any]) -> ActionItem:
    action = ActionItem(plan=plan)
    _assign(action, data, ACTION_FIELDS)
    _full_clean(action)
    action.save()
    return action


@transaction.atomic
def action_update(*, action: ActionItem, data: Mapping[str, Any]) -> ActionItem:
    _assign(action, data, ACTION_FIELDS)
    _full_clean(action)
    action.save()
    return action


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
    _full_clean(action)
    action.save(update_fields=["status", "completed_at", "updated_at"])
    return action
