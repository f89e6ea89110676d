"""Copy a plan forward to the next fiscal year.

A new year's plan starts from the old one rather than from a blank page: the customer's
needs, the goals (rebased to the new period, targets kept, progress reset), the KPIs (without
their measurements, which belong to the year they were taken in), the competitor map, the
engagement strategy for each stakeholder and the actions still open. The value proposition
and the customer profile come along too. The old plan is archived in the same transaction,
so an account never has two live plans for one year, nor none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core import rights
from kam.core.models import User
from kam.core.services import service

from .models import (
    PLAN_PROFILE_FIELDS,
    PLAN_VALUE_FIELDS,
    AccountPlan,
    ActionStatus,
    GoalStatus,
    PlanStatus,
)
from .services import check_goals_inside_period, fiscal_year_bounds

# Never copied: the row's identity, its bookkeeping, and what the database computes.
SKIPPED = {"id", "created_at", "updated_at"}


def next_period(plan: AccountPlan) -> tuple[dt.date, dt.date]:
    """The fiscal year after the plan's period: the one its day after falls in, or the one
    after that when the plan ended partway through a fiscal year it started in."""
    month = settings.FISCAL_YEAR_START_MONTH
    start, end = fiscal_year_bounds(day=plan.period_end + dt.timedelta(days=1), start_month=month)
    if start <= plan.period_start:
        start, end = fiscal_year_bounds(day=end + dt.timedelta(days=1), start_month=month)
    return start, end


def default_title(plan: AccountPlan, start: dt.date) -> str:
    """The old title with the new fiscal year in it, when the old one named its year."""
    old_year = str(plan.period_start.year)
    if old_year in plan.title:
        return plan.title.replace(old_year, str(start.year))
    return _("%(account)s account plan FY%(year)s") % {
        "account": plan.account.name,
        "year": start.year,
    }


def what_is_carried(plan: AccountPlan) -> list[tuple[str, int]]:
    """What the copy will hold, for the page that asks before copying."""
    return [
        (_("Customer needs"), plan.needs.count()),
        (_("SMART goals (progress reset)"), plan.goals.count()),
        (_("KPIs (without measurements)"), plan.kpis.count()),
        (_("Competitors"), plan.competitors.count()),
        (_("Engagement strategies"), plan.engagements.count()),
        (_("Open actions"), plan.actions.exclude(status=ActionStatus.DONE).count()),
    ]


def _copy(row: models.Model, **changes: Any) -> models.Model:
    """A new, unsaved row with the old one's own values, and `changes` on top."""
    model = type(row)
    values = {
        field.attname: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if field.name not in SKIPPED
        and not field.generated
        and field.name not in getattr(model, "VERSIONS", {})
    }
    values.update(changes)
    return model(**values)


def _rebased(day: dt.date, shift: relativedelta, start: dt.date, end: dt.date) -> dt.date:
    """A date of the old period moved by as much as the period moved, kept inside the new."""
    return min(max(day + shift, start), end)


@service
def plan_copy_forward(
    *,
    plan: AccountPlan,
    user: User,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    owner: User,
    version: int | None = None,
) -> AccountPlan:
    """Start the plan of a new period from this one, and archive this one."""
    old = AccountPlan.objects.select_for_update().select_related("account").get(pk=plan.pk)
    old.check_version({"version": version}, deleting=False)
    rights.require(user, rights.Act.COPY, old)
    if owner.pk != old.owner_id:
        rights.check_assignable(owner, field="owner")
    if period_end <= period_start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if period_start <= old.period_start:
        raise ValidationError(
            {"period_start": _("The new period must start after the period of this plan.")}
        )
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the plan a title.")})

    # The old plan goes first: an account has one active plan at a time.
    was = old.status
    old.status = PlanStatus.ARCHIVED
    old.save(update_fields=["status", "updated_at"])

    cadence = relativedelta(months=int(old.review_cadence_months))
    new = AccountPlan(
        account=old.account,
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner=owner,
        status=PlanStatus.DRAFT if was == PlanStatus.DRAFT else PlanStatus.ACTIVE,
        review_cadence_months=old.review_cadence_months,
        next_review_date=max(period_start, timezone.localdate()) + cadence,
        copied_from=old,
        **{name: getattr(old, name) for name in (*PLAN_VALUE_FIELDS, *PLAN_PROFILE_FIELDS)},
    )
    new.full_clean()
    new.save()

    shift = relativedelta(period_start, old.period_start)
    needs = {}
    for need in old.needs.order_by("pk"):
        needs[need.pk] = _copy(need, plan_id=new.pk)
        needs[need.pk].save()
    goals = {}
    for goal in old.goals.order_by("pk"):
        goals[goal.pk] = _copy(
            goal,
            plan_id=new.pk,
            need_id=needs[goal.need_id].pk if goal.need_id else None,
            current_value=goal.baseline,
            status=GoalStatus.NOT_STARTED,
            due_date=_rebased(goal.due_date, shift, period_start, period_end),
        )
        goals[goal.pk].save()
    for kpi in old.kpis.order_by("pk"):
        _copy(
            kpi,
            plan_id=new.pk,
            goal_id=goals[kpi.goal_id].pk if kpi.goal_id else None,
            latest_value=None,
            latest_measured_on=None,
        ).save()
    for position in old.competitors.order_by("pk"):
        _copy(position, plan_id=new.pk).save()
    for engagement in old.engagements.order_by("pk"):
        _copy(engagement, plan_id=new.pk).save()
    for action in old.actions.exclude(status=ActionStatus.DONE).order_by("pk"):
        _copy(
            action,
            plan_id=new.pk,
            goal_id=goals[action.goal_id].pk if action.goal_id else None,
            completed_at=None,
        ).save()
    check_goals_inside_period(plan=new)
    return new
