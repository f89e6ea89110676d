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
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kam.core import rights
from kam.core.models import User
from kam.core.services import delete_checked, full_clean, save_fields, service

from . import services
from .charts import format_value
from .models import (
    KPI,
    AccountPlan,
    ActionItem,
    ActionStatus,
    CompetitorPosition,
    KPIMeasurement,
    Phase,
    PlanStatus,
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


@service
def kpi_create(*, plan: AccountPlan, data: Mapping[str, Any], user: User) -> KPI:
    # Attainment is computed by the database.
    return save_fields(KPI(plan=plan), data, KPI_FIELDS, user=user, **ON_FIELDS, refresh=True)


@service
def kpi_update(*, kpi: KPI, data: Mapping[str, Any], user: User) -> KPI:
    return save_fields(kpi, data, KPI_FIELDS, user=user, **ON_FIELDS, refresh=True)


@service
def kpi_delete(*, kpi: KPI, user: User, version: int | None = None) -> None:
    """Its measurements go with it."""
    delete_checked(kpi, user=user, version=version)


@service
def kpi_measurement_add(
    *,
    kpi: KPI,
    measured_on: dt.date,
    value: Decimal,
    note: str = "",
    recorded_by: User,
) -> KPIMeasurement:
    """Record a new measurement; a date that already has one is refused, never overwritten.

    Overwriting would lose the earlier value on a mistyped date. To correct a value, delete
    the measurement and record it again. A measurement is not an edit of the KPI: it leaves
    the KPI's version alone, so a KPI form open meanwhile still saves.
    """
    rights.require(recorded_by, rights.Act.EDIT, kpi)
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


@service
def competitor_create(
    *, plan: AccountPlan, data: Mapping[str, Any], user: User
) -> CompetitorPosition:
    position = CompetitorPosition(plan=plan)
    return save_fields(position, data, COMPETITOR_FIELDS, user=user, **ON_FIELDS)


@service
def competitor_update(
    *, position: CompetitorPosition, data: Mapping[str, Any], user: User
) -> CompetitorPosition:
    return save_fields(position, data, COMPETITOR_FIELDS, user=user, **ON_FIELDS)


@service
def competitor_delete(
    *, position: CompetitorPosition, user: User, version: int | None = None
) -> None:
    delete_checked(position, user=user, version=version)


# Action plan


@service
def action_create(*, plan: AccountPlan, data: Mapping[str, Any], user: User) -> ActionItem:
    return save_fields(
        ActionItem(plan=plan), data, ACTION_FIELDS, user=user, people=("owner",), **ON_FIELDS
    )


@service
def action_update(*, action: ActionItem, data: Mapping[str, Any], user: User) -> ActionItem:
    return save_fields(action, data, ACTION_FIELDS, user=user, people=("owner",), **ON_FIELDS)


@service
def action_delete(*, action: ActionItem, user: User, version: int | None = None) -> None:
    delete_checked(action, user=user, version=version)


@service
def action_set_status(
    *, action: ActionItem, status: str, user: User, version: int | None = None
) -> ActionItem:
    """Move an action to a status; done records when, leaving done forgets it."""
    rights.require(user, rights.Act.EDIT, action)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == action.status and version in (None, action.version):
        return action
    action.status = status
    if status == ActionStatus.DONE:
        action.completed_at = action.completed_at or timezone.now()
    else:
        action.completed_at = None
    full_clean(action, CONSTRAINT_FIELDS)
    action.expect({"version": version}).save(update_fields=["status", "completed_at", "updated_at"])
    return action


# How long a next step from a meeting is given by default; the owner adjusts it on the plan.
NEXT_STEP_DAYS = 7
OPEN_PLAN_ORDER = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW, PlanStatus.DRAFT)


def plan_for_next_steps(account_id: int) -> AccountPlan | None:
    """The plan a meeting's next step goes into: the account's active plan, else the one under
    review, else its newest draft. Archived plans take nothing new."""
    plans = AccountPlan.objects.filter(account_id=account_id, status__in=OPEN_PLAN_ORDER)
    by_status = {}
    for plan in plans.select_related("account").order_by("-period_start", "-pk"):
        by_status.setdefault(plan.status, plan)
    return next((by_status[s] for s in OPEN_PLAN_ORDER if s in by_status), None)


@service
def action_from_meeting(*, meeting, user: User) -> ActionItem:
    """Make a meeting's next step an action item of the account's plan, in one click: the
    first line is the action, the whole note its description, due in a week, owned by whoever
    made it (or the plan's owner, when that person does not work accounts)."""
    steps = (meeting.next_steps or "").strip()
    if not steps:
        raise ValidationError(_("This meeting has no next step to act on."))
    already = meeting.follow_up_actions.select_related("plan").first()
    if already is not None:
        raise ValidationError(
            _("This next step is already the action “%(title)s” of %(plan)s.")
            % {"title": already.title, "plan": already.plan.title}
        )
    plan = plan_for_next_steps(meeting.account_id)
    if plan is None:
        raise ValidationError(
            _("The account has no open plan to put the action in. Start a plan first.")
        )
    rights.require(user, rights.Act.EDIT, plan)
    first_line = steps.splitlines()[0].strip()
    title = first_line if len(first_line) <= 200 else f"{first_line[:199]}…"
    held = timezone.localtime(meeting.held_at).date()
    description = _("From the meeting “%(subject)s” on %(day)s:") % {
        "subject": meeting.subject,
        "day": formats.date_format(held, "SHORT_DATE_FORMAT"),
    }
    owner = user if rights.assignable_users().filter(pk=user.pk).exists() else plan.owner
    action = ActionItem(
        plan=plan,
        title=title,
        description=f"{description}\n{steps}",
        owner=owner,
        due_date=timezone.localdate() + dt.timedelta(days=NEXT_STEP_DAYS),
        phase=Phase.EXECUTION,
        from_meeting=meeting,
        created_by=user,
    )
    full_clean(action, CONSTRAINT_FIELDS)
    action.save()
    return action
