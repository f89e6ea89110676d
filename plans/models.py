from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Coalesce, NullIf
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kam.core.db import (
    LATEST_DATE,
    StripWhitespace,
    date_in_range,
    date_validators,
    datetime_validators,
    not_blank,
    valid_choice,
)
from kam.core.models import Searchable, TimeStampedModel
from kam.core.versions import Versioned

from .querysets import (
    ActionItemQuerySet,
    CommentQuerySet,
    MeasurementQuerySet,
    PlanChildQuerySet,
    PlanQuerySet,
)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    UNDER_REVIEW = "under_review", _("Under review")
    ARCHIVED = "archived", _("Archived")


# Plans being worked on: what health, reminders and the dashboard count.
LIVE_PLAN = [PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW]


class ReviewCadence(models.IntegerChoices):
    MONTHLY = 1, _("Monthly")
    QUARTERLY = 3, _("Quarterly")
    HALF_YEARLY = 6, _("Every six months")
    YEARLY = 12, _("Yearly")


# What people type about a plan, by the form that saves it.
PLAN_BASIC_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "status",
    "owner",
    "review_cadence_months",
    "next_review_date",
)
PLAN_VALUE_FIELDS = ("value_who", "value_what", "value_when", "value_how")
PLAN_PROFILE_FIELDS = (
    "profile_organisation",
    "profile_decision_process",
    "profile_culture",
    "profile_business_goals",
)


class AccountPlan(Searchable, TimeStampedModel, Versioned):
    """The strategic plan for one key account: who gets what value, when, and how."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="plans",
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"), validators=date_validators)
    period_end = models.DateField(_("period end"), validators=date_validators)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("plan owner"),
        on_delete=models.PROTECT,
        related_name="owned_plans",
    )
    # Value proposition: who gets what value, when, and by which means.
    value_who = models.TextField(_("who (target people and departments)"), blank=True)
    value_what = models.TextField(_("what value we deliver"), blank=True)
    value_when = models.TextField(_("when (timing and milestones)"), blank=True)
    value_how = models.TextField(_("how (products, services, means)"), blank=True)
    # Customer profile: the customer's "instruction manual".
    profile_organisation = models.TextField(_("organisation"), blank=True)
    profile_decision_process = models.TextField(_("decision process"), blank=True)
    profile_culture = models.TextField(_("culture and values"), blank=True)
    profile_business_goals = models.TextField(_("business goals"), blank=True)

    review_cadence_months = models.PositiveSmallIntegerField(
        _("review cadence"), choices=ReviewCadence.choices, default=ReviewCadence.QUARTERLY
    )
    next_review_date = models.DateField(
        _("next review"), null=True, blank=True, validators=date_validators
    )
    last_reviewed_on = models.DateField(
        _("last reviewed"), null=True, blank=True, validators=date_validators
    )
    # The plan of the year before, when this one was copied forward from it.
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("continues"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="copied_to",
    )

    history = HistoricalRecords(excluded_fields=["search_key"])
    SEARCHED = ("title",)
    objects = PlanQuerySet.as_manager()

    # Three forms save a plan: its basics (with the status), its value proposition and its
    # customer profile. Each has its own version, so that two people editing two of them at
    # once do not clash; a recorded review moves the basics (it sets the next review date).
    value_version = models.PositiveIntegerField(
        _("value proposition version"), default=1, editable=False
    )
    profile_version = models.PositiveIntegerField(
        _("customer profile version"), default=1, editable=False
    )
    VERSIONS = {
        "version": (*PLAN_BASIC_FIELDS, "last_reviewed_on"),
        "value_version": PLAN_VALUE_FIELDS,
        "profile_version": PLAN_PROFILE_FIELDS,
    }

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="plan_period_ends_after_start",
                violation_error_message=_("The plan period must end after it starts."),
            ),
            valid_choice("status", PlanStatus, name="plan_status_valid"),
            valid_choice("review_cadence_months", ReviewCadence, name="plan_cadence_valid"),
            # One plan in force per account at a time; drafts and archives may pile up.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="active"),
                name="plan_one_active_per_account",
                violation_error_message=_("This account already has an active plan."),
            ),
            *(
                date_in_range(f, name=f"plan_{f}_in_range")
                for f in ("period_start", "period_end", "next_review_date", "last_reviewed_on")
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="plan_account_status"),
            # Plan review sweep and "plans due for review".
            models.Index(fields=["status", "next_review_date"], name="plan_review_due"),
            models.Index(fields=["owner", "status"], name="plan_owner_status"),
        ]

    @property
    def account_for_rights(self):
        return self.account

    @property
    def plan_for_rights(self):
        return self

    def __str__(self) -> str:
        return self.title

    @property
    def has_value_proposition(self) -> bool:
        return any((self.value_who, self.value_what, self.value_when, self.value_how))

    @property
    def has_profile(self) -> bool:
        return any(
            (
                self.profile_organisation,
                self.profile_decision_process,
                self.profile_culture,
                self.profile_business_goals,
            )
        )

    def clean(self) -> None:
        super().clean()
        if (
            self.pk
            and self.account_id
            and self.engagements.exclude(stakeholder__account_id=self.account_id).exists()
        ):
            raise ValidationError(
                {
                    "account": _(
                        "This plan's stakeholder engagements are at its current account: "
                        "it cannot move to another account."
                    )
                }
            )


class NeedKind(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    GOAL = "goal", _("Business goal")
    VALUE = "value", _("Value sought")


class NeedSource(models.TextChoices):
    INTERVIEW = "interview", _("Interview / hearing")
    FINANCIALS = "financials", _("Financial results")
    IR = "ir", _("IR material")
    WEBSITE = "website", _("Website")
    INDUSTRY_REPORT = "industry_report", _("Industry report")
    MEETING = "meeting", _("Meeting notes")
    CRM = "crm", _("CRM records")


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADDRESSED = "addressed", _("Addressed")
    DROPPED = "dropped", _("No longer relevant")


class CustomerNeed(TimeStampedModel, Versioned):
    """A concrete problem, goal or value the customer seeks, and where we learned it."""

    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("account plan"), on_delete=models.CASCADE, related_name="needs"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=NeedKind.choices, default=NeedKind.PROBLEM
    )
    title = models.CharField(_("need"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    source = models.CharField(
        _("source"), max_length=32, choices=NeedSource.choices, default=NeedSource.INTERVIEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )

    objects = PlanChildQuerySet.as_manager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer need")
        verbose_name_plural = _("customer issues and needs")
        ordering = ["plan", "priority", "id"]
        constraints = [
            valid_choice("kind", NeedKind, name="need_kind_valid"),
            valid_choice("source", NeedSource, name="need_source_valid"),
            valid_choice("priority", Priority, name="need_priority_valid"),
            valid_choice("status", NeedStatus, name="need_status_valid"),
            not_blank("title", name="need_title_not_blank"),
        ]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return self.title


class GoalCategory(models.TextChoices):
    REVENUE = "revenue", _("Revenue growth")
    DEAL_SIZE = "deal_size", _("Larger deals")
    SATISFACTION = "satisfaction", _("Customer satisfaction")
    PARTNERSHIP = "partnership", _("Long-term partnership")
    RELATIONSHIP = "relationship", _("Relationship building")
    INFORMATION = "information", _("Information gathering")


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")


def _ratio(numerator, denominator):
    """A float ratio that is NULL where the denominator is zero, on every database."""
    return Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), Value(0.0))


class Goal(TimeStampedModel, Versioned):
    """A SMART goal: Specific, Measurable, Achievable, Relevant (a need), Time-bound."""

    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("account plan"), on_delete=models.CASCADE, related_name="goals"
    )
    need = models.ForeignKey(
        CustomerNeed,
        verbose_name=_("customer need it serves (relevant)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
    )
    category = models.CharField(
        _("category"), max_length=16, choices=GoalCategory.choices, default=GoalCategory.REVENUE
    )
    statement = models.CharField(
        _("specific goal"),
        max_length=300,
        help_text=_("What exactly will be achieved, stated so anyone can tell if it was."),
    )
    metric = models.CharField(
        _("metric (measurable)"),
        max_length=120,
        help_text=_("What is counted or measured, e.g. annual order value."),
    )
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"),
        max_digits=18,
        decimal_places=2,
        error_messages={
            "null": _("A SMART goal needs a measurable target."),
            "blank": _("A SMART goal needs a measurable target."),
        },
    )
    current_value = models.DecimalField(
        _("current value"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    achievable_because = models.TextField(
        _("why it is achievable"),
        help_text=_("Resources, past results or commitments that make the target realistic."),
    )
    due_date = models.DateField(
        _("due date (time-bound)"),
        validators=date_validators,
        error_messages={"null": _("A SMART goal needs a due date.")},
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    # Share of the way from baseline (or zero) to target; NULL until a current value is known.
    progress = models.GeneratedField(
        verbose_name=_("progress"),
        expression=_ratio(
            F("current_value")
            - Coalesce(F("baseline"), Value(0), output_field=models.DecimalField()),
            F("target") - Coalesce(F("baseline"), Value(0), output_field=models.DecimalField()),
        ),
        output_field=FloatField(),
        db_persist=True,
    )

    history = HistoricalRecords(excluded_fields=["progress"])
    objects = PlanChildQuerySet.as_manager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SMART goal")
        verbose_name_plural = _("SMART goals")
        ordering = ["plan", "due_date"]
        constraints = [
            not_blank("statement", name="goal_specific"),
            not_blank("metric", name="goal_measurable"),
            not_blank("achievable_because", name="goal_achievable"),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | ~Q(target=F("baseline")),
                name="goal_target_differs_from_baseline",
                violation_error_message=_("The target must differ from the baseline."),
            ),
            valid_choice("status", GoalStatus, name="goal_status_valid"),
            valid_choice("category", GoalCategory, name="goal_category_valid"),
            date_in_range("due_date", name="goal_due_date_in_range"),
            # The due date inside the plan period is enforced by a trigger (see migrations):
            # it compares two tables, which a check constraint cannot.
        ]
        indexes = [
            models.Index(fields=["plan", "status"], name="goal_plan_status"),
            # Reminder sweep: goals past due and not met.
            models.Index(fields=["status", "due_date"], name="goal_status_due"),
        ]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return self.statement

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not (self.metric or "").strip():
            errors["metric"] = _("Say what will be measured, e.g. annual order value.")
        if self.due_date is not None and self.plan_id:
            plan = self.plan
            if not plan.period_start <= self.due_date <= plan.period_end:
                errors["due_date"] = _(
                    "The due date must fall inside the plan period (%(start)s to %(end)s)."
                ) % {
                    "start": date_format(plan.period_start, "SHORT_DATE_FORMAT"),
                    "end": date_format(plan.period_end, "SHORT_DATE_FORMAT"),
                }
        if self.target is not None and self.baseline is not None and self.target == self.baseline:
            errors["target"] = _("The target must differ from the baseline.")
        if self.need_id and self.plan_id and self.need.plan_id != self.plan_id:
            errors["need"] = _("Choose a need of this plan.")
        if self.pk and self.plan_id:
            linked_elsewhere = self.kpis.exclude(plan_id=self.plan_id).exists() or (
                self.actions.exclude(plan_id=self.plan_id).exists()
            )
            if linked_elsewhere:
                errors["plan"] = _(
                    "KPIs or action items of its plan are linked to this goal: unlink them "
                    "before moving it to another plan."
                )
        if errors:
            raise ValidationError(errors)


class KPIKind(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    DEAL_COUNT = "deal_count", _("Number of deals")
    SATISFACTION = "satisfaction", _("Satisfaction score")
    RETENTION = "retention", _("Retention rate")
    NPS = "nps", _("NPS")
    CUSTOM = "custom", _("Custom")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class KPI(TimeStampedModel, Versioned):
    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("account plan"), on_delete=models.CASCADE, related_name="kpis"
    )
    goal = models.ForeignKey(
        Goal,
        verbose_name=_("goal it measures"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis",
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=16, choices=KPIKind.choices, default=KPIKind.CUSTOM
    )
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    # The newest measurement, kept here by plans.services so that lists and dashboards need no
    # per-KPI subquery.
    latest_value = models.DecimalField(
        _("latest value"), max_digits=18, decimal_places=2, null=True, blank=True, editable=False
    )
    latest_measured_on = models.DateField(
        _("latest measurement"), null=True, blank=True, editable=False
    )
    attainment = models.GeneratedField(
        verbose_name=_("attainment"),
        expression=Case(
            When(direction=Direction.HIGHER, then=_ratio(F("latest_value"), F("target"))),
            When(latest_value__lte=0, then=Value(1.0)),
            default=_ratio(F("target"), F("latest_value")),
            output_field=FloatField(),
        ),
        output_field=FloatField(),
        db_persist=True,
    )

    objects = PlanChildQuerySet.as_manager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["plan", "id"]
        constraints = [
            not_blank("name", name="kpi_name_not_blank"),
            valid_choice("kind", KPIKind, name="kpi_kind_valid"),
            valid_choice("direction", Direction, name="kpi_direction_valid"),
            models.CheckConstraint(
                condition=Q(direction=Direction.LOWER) | ~Q(target=0),
                name="kpi_higher_target_not_zero",
                violation_error_message=_(
                    "A target of 0 cannot be exceeded; use lower is better or another target."
                ),
            ),
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="kpi_name_unique_in_plan",
                violation_error_message=_("This plan already has a KPI with this name."),
            ),
        ]
        indexes = [models.Index(fields=["plan", "goal"], name="kpi_plan_goal")]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.goal_id and self.plan_id and self.goal.plan_id != self.plan_id:
            raise ValidationError({"goal": _("Choose a goal of this plan.")})


class KPIMeasurement(TimeStampedModel, Versioned):
    kpi = models.ForeignKey(
        KPI, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="measurements"
    )
    measured_on = models.DateField(_("measured on"), validators=date_validators)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MeasurementQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KPI measurement")
        verbose_name_plural = _("KPI measurements")
        ordering = ["kpi", "measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "measured_on"],
                name="kpi_one_measurement_per_day",
                violation_error_message=_("This KPI already has a measurement on that date."),
            ),
            date_in_range("measured_on", name="measurement_measured_on_in_range"),
        ]
        indexes = [models.Index(fields=["kpi", "-measured_on"], name="measurement_kpi_recent")]

    @property
    def account_for_rights(self):
        return self.kpi.plan.account

    @property
    def plan_for_rights(self):
        return self.kpi.plan

    @property
    def created_by_id(self):
        return self.recorded_by_id

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} ({self.measured_on})"

    def clean(self) -> None:
        super().clean()
        # Today as it is in Japan, not in the database's UTC. A date out of range has its own
        # message already.
        if self.measured_on is not None and LATEST_DATE >= self.measured_on > timezone.localdate():
            raise ValidationError(
                {"measured_on": _("A measurement cannot be dated in the future.")}
            )


class ThreatLevel(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class CompetitorPosition(TimeStampedModel, Versioned):
    """One competitor in the account, and how we win against them."""

    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="competitors",
    )
    competitor = models.CharField(_("competitor"), max_length=200)
    products = models.TextField(_("products and services"), blank=True)
    pricing_strategy = models.TextField(_("pricing strategy"), blank=True)
    marketing_strategy = models.TextField(_("marketing strategy"), blank=True)
    relationship = models.TextField(_("relationship with the customer"), blank=True)
    share_of_wallet = models.PositiveSmallIntegerField(
        _("share of wallet (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    threat_level = models.PositiveSmallIntegerField(
        _("threat level"), choices=ThreatLevel.choices, default=ThreatLevel.MEDIUM
    )
    differentiation = models.TextField(_("our differentiation"), blank=True)
    win_strategy = models.TextField(_("win strategy"), blank=True)

    objects = PlanChildQuerySet.as_manager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitor map")
        ordering = ["plan", "-threat_level", "competitor"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "competitor"],
                name="competitor_once_per_plan",
                violation_error_message=_("This competitor is already on the map."),
            ),
            models.CheckConstraint(
                condition=Q(share_of_wallet__isnull=True) | Q(share_of_wallet__lte=100),
                name="competitor_share_at_most_100",
            ),
            valid_choice("threat_level", ThreatLevel, name="competitor_threat_valid"),
            not_blank("competitor", name="competitor_not_blank"),
        ]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return self.competitor


class Phase(models.IntegerChoices):
    RESEARCH = 1, _("1. Research")
    RELATIONSHIP = 2, _("2. Relationship building")
    PROPOSAL = 3, _("3. Proposal")
    EXECUTION = 4, _("4. Execution")
    REVIEW = 5, _("5. Review and expansion")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")


class ActionItem(TimeStampedModel, Versioned):
    """Who does what, by when, with which resources, for which goal."""

    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    goal = models.ForeignKey(
        Goal,
        verbose_name=_("goal it serves"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    phase = models.PositiveSmallIntegerField(
        _("phase"), choices=Phase.choices, default=Phase.RESEARCH
    )
    title = models.CharField(_("action"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"), validators=date_validators)
    resources = models.TextField(_("resources needed"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_at = models.DateTimeField(
        _("completed at"), null=True, blank=True, validators=datetime_validators
    )
    # The meeting whose next step this action carries out, when it was made from one.
    from_meeting = models.ForeignKey(
        "accounts.Meeting",
        verbose_name=_("from the meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_actions",
    )

    objects = ActionItemQuerySet.as_manager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action plan")
        ordering = ["plan", "phase", "due_date"]
        constraints = [
            valid_choice("status", ActionStatus, name="action_status_valid"),
            valid_choice("phase", Phase, name="action_phase_valid"),
            models.CheckConstraint(
                condition=(Q(status=ActionStatus.DONE) & Q(completed_at__isnull=False))
                | (~Q(status=ActionStatus.DONE) & Q(completed_at__isnull=True)),
                name="action_completed_at_iff_done",
            ),
            not_blank("title", name="action_title_not_blank"),
            date_in_range("due_date", name="action_due_date_in_range"),
            date_in_range("completed_at", name="action_completed_at_in_range", with_time=True),
        ]
        indexes = [
            # My day and the action reminder sweep: an owner's open items by due date.
            models.Index(fields=["owner", "status", "due_date"], name="action_owner_due"),
            models.Index(fields=["status", "due_date"], name="action_status_due"),
            models.Index(fields=["plan", "phase"], name="action_plan_phase"),
            # Overdue work across the portfolio (dashboard, team view): only the open items,
            # carrying what the figures group by, so the count is read off the index.
            models.Index(
                fields=["due_date", "owner", "plan"],
                condition=~Q(status="done"),
                name="action_open_due",
            ),
        ]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.goal_id and self.plan_id and self.goal.plan_id != self.plan_id:
            raise ValidationError({"goal": _("Choose a goal of this plan.")})


class ReviewState(models.TextChoices):
    # Reviews recorded before sign-off existed: no one was asked.
    RECORDED = "recorded", _("Recorded")
    SUBMITTED = "submitted", _("Waiting for sign-off")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


DECIDED = (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED)


class PlanReview(TimeStampedModel):
    """A review meeting's record: notes and decisions, the plan as it stood (its snapshot),
    and the manager's sign-off."""

    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewed_on = models.DateField(_("reviewed on"), validators=date_validators)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="plan_reviews",
    )
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    next_review_date = models.DateField(
        _("next review"), null=True, blank=True, validators=date_validators
    )
    # Sign-off: submitted to the owner's manager (reports to), or to any manager when the
    # owner reports to no one; the manager approves or asks for changes, with a comment.
    state = models.CharField(
        _("sign-off"), max_length=20, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to be signed off by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews_to_sign_off",
        help_text=_("Empty: any manager."),
    )
    submitted_at = models.DateTimeField(
        _("submitted at"), null=True, blank=True, validators=datetime_validators
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_signed_off",
    )
    decided_at = models.DateTimeField(
        _("signed off at"), null=True, blank=True, validators=datetime_validators
    )
    decision_comment = models.TextField(_("sign-off comment"), blank=True)

    objects = PlanChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["plan", "-reviewed_on"]
        constraints = [
            *(
                date_in_range(f, name=f"review_{f}_in_range")
                for f in ("reviewed_on", "next_review_date")
            ),
            valid_choice("state", ReviewState, name="review_state_valid"),
            # Decided exactly when approved or sent back, by whom and when.
            models.CheckConstraint(
                condition=(
                    Q(state__in=DECIDED) & Q(decided_by__isnull=False) & Q(decided_at__isnull=False)
                )
                | (~Q(state__in=DECIDED) & Q(decided_by__isnull=True) & Q(decided_at__isnull=True)),
                name="review_decided_iff_signed_off",
            ),
            # Asking for changes says which.
            models.CheckConstraint(
                condition=~Q(state=ReviewState.CHANGES_REQUESTED)
                | ~Q(Exact(StripWhitespace("decision_comment"), Value(""))),
                name="review_changes_say_which",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "-reviewed_on"], name="review_plan_recent"),
            # What waits for a manager's sign-off, oldest first (my day, the reminder sweep).
            models.Index(
                fields=["approver", "submitted_at"],
                condition=Q(state="submitted"),
                name="review_waiting",
            ),
        ]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return f"{self.plan} ({self.reviewed_on})"

    def clean(self) -> None:
        super().clean()
        if self.reviewed_on is not None and LATEST_DATE >= self.reviewed_on > timezone.localdate():
            raise ValidationError(
                {"reviewed_on": _("A plan review cannot be dated in the future.")}
            )


class ReviewSnapshot(models.Model):
    """The whole plan as it stood when it was reviewed, frozen: needs, goals with progress,
    KPIs with attainment, competitors, the account's stakeholders, engagements and actions
    (plans.reviews builds it). Nothing updates it, and a database trigger refuses an UPDATE
    (plans migration 0010). Erasing a stakeholder's personal data replaces the snapshots that
    name them with redacted copies (plans.reviews.redact_stakeholder)."""

    review = models.OneToOneField(
        PlanReview,
        verbose_name=_("plan review"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="snapshot",
    )
    taken_at = models.DateTimeField(_("taken at"), validators=datetime_validators)
    data = models.JSONField(_("the plan as it stood"))

    class Meta:
        verbose_name = _("review snapshot")
        verbose_name_plural = _("review snapshots")

    def __str__(self) -> str:
        return str(self.review)

    @property
    def account_for_rights(self):
        return self.review.plan.account

    @property
    def plan_for_rights(self):
        return self.review.plan


class CommentOn(models.TextChoices):
    """What a thread is about: the account, a plan, or one item of a plan."""

    ACCOUNT = "account", _("the account")
    PLAN = "plan", _("the plan")
    NEED = "need", _("customer need")
    GOAL = "goal", _("goal")
    KPI = "kpi", _("KPI")
    COMPETITOR = "competitor", _("competitor")
    ACTION = "action", _("action item")
    ENGAGEMENT = "engagement", _("engagement")


COMMENT_MAX_LENGTH = 4000


class Comment(TimeStampedModel, Versioned):
    """One comment. A thread is a first comment (its root) and the replies under it; a thread
    is about the account, a plan or one plan item, and is resolved or open as a whole.

    Everyone who may see the account reads its threads; a rep taken off the team stops seeing
    them with the account. Edits are kept in the history; a deleted comment with replies
    leaves its place in the thread, without its text.
    """

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    on = models.CharField(_("about"), max_length=16, choices=CommentOn.choices)
    # The item's id (the plan's or the account's own for a thread about them), and what it
    # was called when the thread began: the thread outlives an item that is deleted.
    on_id = models.BigIntegerField(_("item id"))
    on_label = models.CharField(_("item"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    body = models.TextField(
        _("comment"),
        max_length=COMMENT_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)],
    )
    edited_at = models.DateTimeField(
        _("edited at"), null=True, blank=True, validators=datetime_validators
    )
    deleted_at = models.DateTimeField(
        _("deleted at"), null=True, blank=True, validators=datetime_validators
    )
    resolved_at = models.DateTimeField(
        _("resolved at"), null=True, blank=True, validators=datetime_validators
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A thread's last comment: threads are listed by it, most recent first.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    objects = CommentQuerySet.as_manager()
    VERSIONS = {"version": ("body",)}
    # What was written stays in the thread (and its edits in admin's history), not in the
    # timeline, where a deleted comment's text would outlive the deletion.
    OFF_TIMELINE = ("body",)
    history = HistoricalRecords(excluded_fields=["last_activity_at"])

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            valid_choice("on", CommentOn, name="comment_on_valid"),
            # Said something, unless deleted.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False)
                | ~Q(Exact(StripWhitespace("body"), Value(""))),
                name="comment_body_not_blank",
            ),
            # Threads are resolved, not single replies; and resolved by someone.
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(parent__isnull=True),
                name="comment_resolved_thread_only",
            ),
            # A plan item's thread names its plan; the account's does not.
            models.CheckConstraint(
                condition=Q(on="account", plan__isnull=True)
                | (~Q(on="account") & Q(plan__isnull=False)),
                name="comment_plan_iff_plan_thread",
            ),
        ]
        indexes = [
            # An account's or a plan's threads, most recent first.
            models.Index(
                fields=["account", "-last_activity_at"],
                condition=Q(parent__isnull=True),
                name="comment_account_threads",
            ),
            models.Index(
                fields=["plan", "-last_activity_at"],
                condition=Q(parent__isnull=True),
                name="comment_plan_threads",
            ),
            # Open threads: counted on the plan list, my day and the dashboard.
            models.Index(
                fields=["plan"],
                condition=Q(parent__isnull=True, resolved_at__isnull=True),
                name="comment_plan_open",
            ),
            models.Index(
                fields=["account"],
                condition=Q(parent__isnull=True, resolved_at__isnull=True),
                name="comment_account_open",
            ),
        ]

    def __str__(self) -> str:
        # Names the thread, not the text: the change log keeps this name after a deletion.
        return f"{self.author} · {self.on_label or self.get_on_display()}"

    @property
    def account_for_rights(self):
        return self.account

    @property
    def plan_for_rights(self):
        return self.plan

    @property
    def thread_id(self) -> int:
        return self.parent_id or self.pk


class Mention(models.Model):
    """Someone named with @ in a comment: notified once, when first named."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentioned"),
        on_delete=models.CASCADE,
        related_name="mentions",
    )

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="mention_once"),
        ]
        indexes = [models.Index(fields=["user", "comment"], name="mention_user")]

    def __str__(self) -> str:
        return f"@{self.user}"
