"""Writes to account plans. Views, forms, admin, API and tasks all go through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Account
from kam.core import rights
from kam.core.models import ReminderKind, Role, User
from kam.core.services import (
    NewNotification,
    assign_fields,
    delete_checked,
    notifications_send,
    save_fields,
    service,
    split_versions,
)

from . import reviews
from .models import (
    KPI,
    PLAN_BASIC_FIELDS,
    PLAN_PROFILE_FIELDS,
    PLAN_VALUE_FIELDS,
    AccountPlan,
    CustomerNeed,
    Goal,
    KPIMeasurement,
    PlanReview,
    PlanStatus,
    ReviewCadence,
    ReviewState,
)


def kpi_refresh_latest(*, kpi: KPI) -> KPI:
    """Copy the newest measurement onto the KPI, where attainment is derived from it."""
    latest = kpi.measurements.order_by("-measured_on").values("value", "measured_on").first()
    KPI.objects.filter(pk=kpi.pk).update(
        latest_value=latest["value"] if latest else None,
        latest_measured_on=latest["measured_on"] if latest else None,
    )
    kpi.refresh_from_db()
    return kpi


@service
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


@service
def kpi_measurement_delete(
    *, measurement: KPIMeasurement, user: User, version: int | None = None
) -> None:
    kpi = measurement.kpi
    delete_checked(measurement, user=user, version=version)
    kpi_refresh_latest(kpi=kpi)


def next_review_after(*, plan: AccountPlan, reviewed_on: dt.date) -> dt.date:
    return reviewed_on + relativedelta(months=plan.review_cadence_months)


@service
def plan_mark_reviewed(
    *,
    plan: AccountPlan,
    reviewer: User,
    notes: str = "",
    decisions: str = "",
    reviewed_on: dt.date | None = None,
) -> PlanReview:
    """Record a review: freeze the plan as it stands (plans.reviews), move the next review
    date on by the plan's cadence, and submit the review to the owner's manager for sign-off
    (to any manager when the owner reports to no one)."""
    rights.require(reviewer, rights.Act.EDIT, plan)
    # A new review replaces one still waiting: the manager signs off the latest, and the
    # earlier one stops asking (it stays in the history as recorded).
    PlanReview.objects.filter(plan=plan, state=ReviewState.SUBMITTED).update(
        state=ReviewState.RECORDED
    )
    reviewed_on = reviewed_on or timezone.localdate()
    next_date = next_review_after(plan=plan, reviewed_on=reviewed_on)
    review = PlanReview(
        plan=plan,
        reviewed_on=reviewed_on,
        reviewer=reviewer,
        notes=notes,
        decisions=decisions,
        next_review_date=next_date,
        state=ReviewState.SUBMITTED,
        approver=sign_off_by(plan),
        submitted_at=timezone.now(),
    )
    review.full_clean()
    review.save()
    plan.last_reviewed_on = reviewed_on
    plan.next_review_date = next_date
    plan.save(update_fields=["last_reviewed_on", "next_review_date", "updated_at"])
    reviews.take_snapshot(review)
    return review


def sign_off_by(plan: AccountPlan) -> User | None:
    """Who signs off the plan's reviews: the owner's manager, when they have an active one."""
    manager = plan.owner.reports_to
    if manager is not None and manager.is_active and manager.role == Role.MANAGER:
        return manager
    return None


@service
def review_decide(
    *, review: PlanReview, user: User, approve: bool, comment: str = ""
) -> PlanReview:
    """Approve a submitted review, or send it back asking for changes (which says which).
    The plan's owner and the reviewer hear of it in their notifications."""
    # Only the review is locked: its approver may be empty (an outer join cannot be locked).
    locked = (
        PlanReview.objects.select_for_update(of=("self",))
        .select_related("approver")
        .get(pk=review.pk)
    )
    reason = rights.sign_off_refusal(user, locked)
    if reason is not None:
        raise rights.Refused(reason)
    if locked.state != ReviewState.SUBMITTED:
        raise ValidationError(_("This review has already been signed off or sent back."))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what should change.")})
    locked.state = ReviewState.APPROVED if approve else ReviewState.CHANGES_REQUESTED
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.decision_comment = comment
    locked.full_clean()
    locked.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    plan = locked.plan
    if approve:
        title = _("%(manager)s approved the review of %(plan)s.")
    else:
        title = _("%(manager)s asked for changes to the review of %(plan)s.")
    url = reverse("plans:detail", args=[plan.pk]) + "#overview"
    people = {plan.owner_id, locked.reviewer_id} - {user.pk}
    notifications_send(
        NewNotification(
            recipient_id=person,
            kind=ReminderKind.REVIEW_DECIDED,
            title=title % {"manager": user, "plan": plan.title},
            url=url,
        )
        for person in people
    )
    return locked


# Fields a plan edit may touch; the account and the review bookkeeping are not among them.
PLAN_EDITABLE_FIELDS = (*PLAN_BASIC_FIELDS, *PLAN_VALUE_FIELDS, *PLAN_PROFILE_FIELDS)
NEED_FIELDS = ("title", "kind", "source", "priority", "status", "description", "root_cause")
# In the order of the SMART letters, as the goal form shows them.
GOAL_FIELDS = (
    "statement",
    "category",
    "metric",
    "unit",
    "baseline",
    "target",
    "current_value",
    "achievable_because",
    "need",
    "due_date",
    "status",
)


def fiscal_year_bounds(*, day: dt.date, start_month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the fiscal year that contains the day."""
    year = day.year if day.month >= start_month else day.year - 1
    start = dt.date(year, start_month, 1)
    return start, start + relativedelta(years=1) - dt.timedelta(days=1)


def _short(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _check_one_active(*, plan: AccountPlan) -> None:
    # The partial unique index is the last word; asking first gives the user a message on the
    # status field instead of a database error.
    if plan.status != PlanStatus.ACTIVE:
        return
    others = AccountPlan.objects.filter(account_id=plan.account_id, status=PlanStatus.ACTIVE)
    if plan.pk:
        others = others.exclude(pk=plan.pk)
    other = others.only("title").first()
    if other is not None:
        raise ValidationError(
            {
                "status": _(
                    "This account already has an active plan (%(title)s). Archive it or put "
                    "it under review first, or save this one as a draft."
                )
                % {"title": other.title}
            }
        )


def _check_period(*, plan: AccountPlan) -> None:
    if plan.period_start and plan.period_end and plan.period_end <= plan.period_start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})


def check_goals_inside_period(*, plan: AccountPlan) -> None:
    if not plan.pk or plan.period_start is None or plan.period_end is None:
        return
    outside = plan.goals.exclude(due_date__range=(plan.period_start, plan.period_end)).count()
    if outside:
        raise ValidationError(
            {
                "period_end": ngettext(
                    "%(count)d goal is due outside %(start)s to %(end)s. Move its due date first.",
                    "%(count)d goals are due outside %(start)s to %(end)s. Move their due "
                    "dates first.",
                    outside,
                )
                % {
                    "count": outside,
                    "start": _short(plan.period_start),
                    "end": _short(plan.period_end),
                }
            }
        )


@service
def plan_create(
    *,
    account: Account,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    owner: User,
    status: str = PlanStatus.DRAFT,
    review_cadence_months: int = ReviewCadence.QUARTERLY,
    next_review_date: dt.date | None = None,
    user: User,
) -> AccountPlan:
    """Start a plan for an account; without a date the first review is one cadence away."""
    rights.require(user, rights.Act.EDIT, account)
    rights.check_assignable(owner, field="owner")
    plan = AccountPlan(
        account=account,
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner=owner,
        status=status,
        review_cadence_months=review_cadence_months,
        next_review_date=next_review_date,
    )
    if plan.next_review_date is None:
        plan.next_review_date = timezone.localdate() + relativedelta(
            months=int(review_cadence_months)
        )
    _check_period(plan=plan)
    _check_one_active(plan=plan)
    plan.full_clean()
    plan.save()
    return plan


@service
def plan_update(*, plan: AccountPlan, data: Mapping[str, Any], user: User) -> AccountPlan:
    """Change any editable part of a plan: basics, status, value proposition or profile.

    Handing the plan to another owner, archiving it and bringing it back are a manager's
    acts; on an archived plan (or one of an account that ended) they are the only change left.
    """
    data, versions = split_versions(plan, data)
    # Lock the row so two people switching status at once cannot both pass the check.
    AccountPlan.objects.select_for_update().filter(pk=plan.pk).first()
    changed = {name for name, value in data.items() if getattr(plan, name) != value}
    for act in rights.steward_acts(changed, {"status": plan.status}, data):
        rights.require(user, act, plan)
    if "owner" in changed:
        rights.check_assignable(data["owner"], field="owner")
    assign_fields(plan, data, PLAN_EDITABLE_FIELDS)
    _check_period(plan=plan)
    _check_one_active(plan=plan)
    plan.full_clean()
    if "period_start" in data or "period_end" in data:
        check_goals_inside_period(plan=plan)
    plan.expect(versions).save(update_fields=[*data.keys(), "updated_at"])
    return plan


@service
def plan_delete(*, plan: AccountPlan, user: User, version: int | None = None) -> None:
    """A manager's act: the plan and everything in it go."""
    rights.require(user, rights.Act.STEWARD, plan)
    plan.check_version({"version": version})
    plan.delete()


@service
def need_create(*, plan: AccountPlan, data: Mapping[str, Any], user: User) -> CustomerNeed:
    return save_fields(CustomerNeed(plan=plan), data, NEED_FIELDS, user=user)


@service
def need_update(*, need: CustomerNeed, data: Mapping[str, Any], user: User) -> CustomerNeed:
    return save_fields(need, data, NEED_FIELDS, user=user)


@service
def need_delete(*, need: CustomerNeed, user: User, version: int | None = None) -> None:
    """Goals that served the need stay; they lose the link and show up as untraced."""
    delete_checked(need, user=user, version=version)


@service
def goal_create(*, plan: AccountPlan, data: Mapping[str, Any], user: User) -> Goal:
    """Add a SMART goal; Goal.clean refuses one that is not measurable or not time-bound."""
    return save_fields(Goal(plan=plan), data, GOAL_FIELDS, user=user, refresh=True)


@service
def goal_update(*, goal: Goal, data: Mapping[str, Any], user: User) -> Goal:
    return save_fields(goal, data, GOAL_FIELDS, user=user, refresh=True)


@service
def goal_delete(*, goal: Goal, user: User, version: int | None = None) -> None:
    """KPIs and actions behind the goal stay on the plan, unlinked."""
    delete_checked(goal, user=user, version=version)
