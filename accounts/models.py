from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kam.core.db import (
    LATEST_DATETIME,
    DateMinusDays,
    date_in_range,
    date_validators,
    datetime_validators,
    in_range,
    not_blank,
    valid_choice,
)
from kam.core.models import Searchable, TimeStampedModel
from kam.core.text import validate_corporate_number
from kam.core.versions import Versioned

from .querysets import AccountChildQuerySet, AccountQuerySet, ContractQuerySet

ISO_CURRENCY = r"^[A-Z]{3}$"
currency_validator = RegexValidator(ISO_CURRENCY, _("Enter a three-letter ISO 4217 code."))
score_validators = [MinValueValidator(1), MaxValueValidator(5)]


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def iso_currency(field: str, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__regex": ISO_CURRENCY}), name=name)


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    AUTOMOTIVE = "automotive", _("Automotive")
    ELECTRONICS = "electronics", _("Electronics and precision equipment")
    CHEMICALS = "chemicals", _("Chemicals and materials")
    PHARMA = "pharma", _("Pharmaceuticals and healthcare")
    FOOD = "food", _("Food and beverages")
    RETAIL = "retail", _("Retail and wholesale")
    FINANCE = "finance", _("Banking and finance")
    INSURANCE = "insurance", _("Insurance")
    IT = "it", _("IT and telecommunications")
    CONSTRUCTION = "construction", _("Construction and real estate")
    LOGISTICS = "logistics", _("Transport and logistics")
    ENERGY = "energy", _("Energy and utilities")
    MEDIA = "media", _("Media and advertising")
    SERVICES = "services", _("Business services")
    PUBLIC = "public", _("Public sector and education")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    GROWTH = "growth", _("Growth")
    MAINTAIN = "maintain", _("Maintain")


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    CHURNED = "churned", _("Churned")


class Quadrant(models.TextChoices):
    """Investment decision from attractiveness (size, position, growth) and our position (fit,
    relationship): where to invest, where to grow, where to only maintain, where to reduce."""

    INVEST = "invest", _("Invest")
    GROW = "grow", _("Grow")
    MAINTAIN = "maintain", _("Maintain")
    REDUCE = "reduce", _("Reduce")


# Attractiveness = revenue size + industry position + growth rate (3..15); high from 9.
# Our position = fit + relationship (2..10); strong from 6. Both thresholds are the midpoints.
ATTRACTIVENESS = F("score_revenue_size") + F("score_industry_position") + F("score_growth_rate")
POSITION = F("score_fit") + F("score_relationship")
ATTRACTIVE_FROM = 9
STRONG_FROM = 6

# Derived, by the database or by refresh_health: never typed in, and no history of their own.
HEALTH_FIELDS = (
    "health_score",
    "health_kpi",
    "health_actions",
    "health_renewal",
    "health_sentiment",
    "health_computed_at",
)
ACCOUNT_COMPUTED_FIELDS = ("priority_score", "quadrant", *HEALTH_FIELDS)


class Account(Searchable, TimeStampedModel, Versioned):
    """A key account: a customer that matters far more than the rest."""

    name = models.CharField(_("company name"), max_length=200)
    name_kana = models.CharField(
        _("name reading (kana)"),
        max_length=200,
        blank=True,
        help_text=_("Used to sort in Japanese order, e.g. トヨタジドウシャ."),
    )
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, default=Industry.OTHER
    )
    website = models.URLField(_("website"), blank=True)
    # 法人番号, issued by the National Tax Agency: one per legal entity.
    corporate_number = models.CharField(
        _("corporate number"),
        max_length=13,
        blank=True,
        help_text=_("法人番号: 13 digits, optional."),
        validators=[validate_corporate_number],
    )
    headquarters = models.CharField(_("headquarters"), max_length=200, blank=True)
    annual_revenue = models.DecimalField(
        _("customer's annual revenue"),
        max_digits=20,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    revenue_currency = models.CharField(
        _("revenue currency"),
        max_length=3,
        default=default_currency,
        validators=[currency_validator],
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.KEY)
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (KAM)"),
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )
    description = models.TextField(_("notes"), blank=True)

    score_revenue_size = models.PositiveSmallIntegerField(
        _("revenue size (1-5)"), default=3, validators=score_validators
    )
    score_industry_position = models.PositiveSmallIntegerField(
        _("industry position (1-5)"), default=3, validators=score_validators
    )
    score_growth_rate = models.PositiveSmallIntegerField(
        _("growth rate (1-5)"), default=3, validators=score_validators
    )
    score_fit = models.PositiveSmallIntegerField(
        _("fit with our offering (1-5)"), default=3, validators=score_validators
    )
    score_relationship = models.PositiveSmallIntegerField(
        _("relationship (1-5)"), default=3, validators=score_validators
    )
    # Derived in the database, so lists and dashboards sort and filter on them with an index.
    priority_score = models.GeneratedField(
        verbose_name=_("priority score"),
        expression=(ATTRACTIVENESS + POSITION - Value(5)) * Value(5),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    quadrant = models.GeneratedField(
        verbose_name=_("investment quadrant"),
        expression=Case(
            When(
                GreaterThanOrEqual(ATTRACTIVENESS, ATTRACTIVE_FROM),
                then=Case(
                    When(GreaterThanOrEqual(POSITION, STRONG_FROM), then=Value(Quadrant.INVEST)),
                    default=Value(Quadrant.GROW),
                ),
            ),
            default=Case(
                When(GreaterThanOrEqual(POSITION, STRONG_FROM), then=Value(Quadrant.MAINTAIN)),
                default=Value(Quadrant.REDUCE),
            ),
        ),
        output_field=models.CharField(max_length=16, choices=Quadrant.choices),
        db_persist=True,
    )

    # Health is derived from KPIs, actions, renewals and stakeholders across many tables, so it
    # is computed set-based (kam.dashboard.health_scores) and stored by refresh_health: every
    # night, and when the demo or an import loads data. The parts show how it was reached.
    health_score = models.PositiveSmallIntegerField(
        _("health score"), null=True, blank=True, editable=False
    )
    health_kpi = models.FloatField(_("health: KPI attainment"), null=True, editable=False)
    health_actions = models.FloatField(_("health: actions on time"), null=True, editable=False)
    health_renewal = models.FloatField(_("health: renewal"), null=True, editable=False)
    health_sentiment = models.FloatField(
        _("health: decision makers' attitude"), null=True, editable=False
    )
    health_computed_at = models.DateTimeField(_("health computed at"), null=True, editable=False)

    history = HistoricalRecords(excluded_fields=[*ACCOUNT_COMPUTED_FIELDS, "search_key"])
    SEARCHED = ("name", "name_kana")
    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        ordering = ["name_kana", "name"]
        constraints = [
            *(
                in_range(f, 1, 5, name=f"account_{f}_1_5")
                for f in (
                    "score_revenue_size",
                    "score_industry_position",
                    "score_growth_rate",
                    "score_fit",
                    "score_relationship",
                )
            ),
            valid_choice("tier", Tier, name="account_tier_valid"),
            valid_choice("status", AccountStatus, name="account_status_valid"),
            iso_currency("revenue_currency", name="account_revenue_currency_iso"),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_revenue_not_negative",
            ),
            not_blank("name", name="account_name_not_blank"),
            models.CheckConstraint(
                condition=Q(health_score__isnull=True) | Q(health_score__lte=100),
                name="account_health_0_100",
            ),
        ]
        indexes = [
            # A rep's own accounts, filtered by status (my day, accounts list).
            models.Index(fields=["owner", "status"], name="account_owner_status"),
            # Portfolio filters on the dashboard and the accounts list.
            models.Index(fields=["tier", "status"], name="account_tier_status"),
            models.Index(fields=["industry"], name="account_industry"),
            # Default sort of every list: Japanese reading order.
            models.Index(fields=["name_kana", "name"], name="account_kana_order"),
            # Investment matrix and "top priority" lists.
            models.Index(fields=["-priority_score"], name="account_priority"),
            # Health distribution and "accounts at risk" on the dashboard.
            models.Index(fields=["health_score"], name="account_health"),
        ]

    @property
    def account_for_rights(self):
        return self

    def __str__(self) -> str:
        return self.name

    @property
    def attractiveness(self) -> int:
        return self.score_revenue_size + self.score_industry_position + self.score_growth_rate

    @property
    def position(self) -> int:
        return self.score_fit + self.score_relationship


class TeamRole(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
    SALES = "sales", _("Sales")
    CUSTOMER_SUCCESS = "customer_success", _("Customer success")
    SUPPORT = "support", _("Support")
    MARKETING = "marketing", _("Marketing")
    PRODUCT = "product", _("Product")


class AccountTeamMember(TimeStampedModel):
    """A colleague on the dedicated account team. Team members see and edit the account."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_memberships",
    )
    role = models.CharField(_("team role"), max_length=32, choices=TeamRole.choices)

    objects = AccountChildQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team")
        ordering = ["account", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user"],
                name="team_member_once",
                violation_error_message=_("This person is already on the account team."),
            ),
            valid_choice("role", TeamRole, name="team_role_valid"),
        ]
        indexes = [
            # Row-level access: "accounts I am on the team of".
            models.Index(fields=["user", "account"], name="team_user_account"),
        ]

    @property
    def account_for_rights(self):
        return self.account

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def clean(self) -> None:
        super().clean()
        if self.account_id and self.user_id and self.user_id == self.account.owner_id:
            raise ValidationError(
                {
                    "user": _("%(name)s owns the account and is not on its team.")
                    % {"name": self.user}
                }
            )


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    IN_RENEWAL = "in_renewal", _("In renewal")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


# Waiting for a renewal decision: what the pipeline, reminders and risk figures look at.
OPEN_CONTRACT = [ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.IN_RENEWAL]
# In force: what contract value counts.
LIVE_CONTRACT = [ContractStatus.ACTIVE, ContractStatus.IN_RENEWAL]


class Contract(TimeStampedModel, Versioned):
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contracts"
    )
    number = models.CharField(_("contract number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("start date"), validators=date_validators)
    end_date = models.DateField(_("end date"), validators=date_validators)
    annual_value = models.DecimalField(
        _("annual value"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[currency_validator]
    )
    auto_renew = models.BooleanField(_("auto-renews"), default=False)
    notice_period_days = models.PositiveSmallIntegerField(
        _("notice period (days)"),
        default=90,
        validators=[MaxValueValidator(730)],
        help_text=_("Days before the end date by which a renewal or cancellation must be given."),
    )
    renewal_deadline = models.GeneratedField(
        verbose_name=_("renewal deadline"),
        expression=DateMinusDays(F("end_date"), F("notice_period_days")),
        output_field=models.DateField(),
        db_persist=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    successor = models.OneToOneField(
        "self",
        verbose_name=_("renewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessor",
        help_text=_("The contract that renewed this one."),
    )
    next_price_review_date = models.DateField(
        _("next price review"), null=True, blank=True, validators=date_validators
    )
    last_price_review_date = models.DateField(
        _("last price review"), null=True, blank=True, validators=date_validators
    )
    sla_terms = models.TextField(_("SLA terms"), blank=True)
    closed_reason = models.TextField(
        _("reason lost or cancelled"), blank=True, help_text=_("Why it was not renewed.")
    )

    history = HistoricalRecords(excluded_fields=["renewal_deadline"])
    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["end_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="contract_ends_after_start",
                violation_error_message=_("The end date must be after the start date."),
            ),
            models.CheckConstraint(
                condition=Q(annual_value__gte=0),
                name="contract_value_not_negative",
                violation_error_message=_("The annual value cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(notice_period_days__lte=730), name="contract_notice_at_most_2y"
            ),
            iso_currency("currency", name="contract_currency_iso"),
            valid_choice("status", ContractStatus, name="contract_status_valid"),
            models.CheckConstraint(
                condition=~Q(successor=F("id")), name="contract_not_own_successor"
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(status=ContractStatus.RENEWED),
                name="contract_successor_only_when_renewed",
            ),
            *(
                date_in_range(f, name=f"contract_{f}_in_range")
                for f in (
                    "start_date",
                    "end_date",
                    "next_price_review_date",
                    "last_price_review_date",
                )
            ),
        ]
        indexes = [
            # Renewal pipeline and the renewal reminder sweep.
            models.Index(fields=["status", "renewal_deadline"], name="contract_status_deadline"),
            # The renewal pipeline's page: open contracts in deadline order, read off the index.
            models.Index(
                fields=["renewal_deadline", "id"],
                condition=Q(status__in=["draft", "active", "in_renewal"]),
                name="contract_open_by_deadline",
            ),
            # Price review sweep.
            models.Index(fields=["next_price_review_date"], name="contract_price_review"),
            models.Index(fields=["account", "status"], name="contract_account_status"),
        ]

    @property
    def account_for_rights(self):
        return self.account

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.successor_id and self.account_id and self.successor.account_id != self.account_id:
            errors["successor"] = _("Choose a contract of the same account.")
        if (
            self.pk
            and self.account_id
            and Contract.objects.filter(successor=self).exclude(account_id=self.account_id).exists()
        ):
            errors["account"] = _(
                "This contract renews a contract of its current account: it cannot move to "
                "another account."
            )
        if errors:
            raise ValidationError(errors)


class AccountContractValue(models.Model):
    """The annual value of an account's live (active or in-renewal) contracts, per currency.

    A roll-up kept by database triggers on the contract table (accounts migration 0006), so
    it holds for every write: forms, admin, imports, bulk inserts and raw updates alike. The
    portfolio figures read it instead of summing every contract per request.
    """

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="contract_values",
    )
    currency = models.CharField(_("currency"), max_length=3)
    live_value = models.DecimalField(
        _("annual value of live contracts"), max_digits=20, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("contract value roll-up")
        verbose_name_plural = _("contract value roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "currency"], name="contract_value_one_per_currency"
            )
        ]
        indexes = [
            # The largest accounts by value (the dashboard's concentration figure).
            models.Index(fields=["currency", "-live_value"], name="contract_value_largest")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.live_value} {self.currency}"


class OpportunityKind(models.TextChoices):
    NEW = "new", _("New business")
    UPSELL = "upsell", _("Upsell")
    CROSS_SELL = "cross_sell", _("Cross-sell")
    RENEWAL = "renewal", _("Renewal")


class OpportunityStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(TimeStampedModel, Versioned):
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="opportunities"
    )
    title = models.CharField(_("product or service"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=OpportunityKind.choices, default=OpportunityKind.UPSELL
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=OpportunityStage.choices, default=OpportunityStage.LEAD
    )
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[currency_validator]
    )
    expected_close_date = models.DateField(_("expected close date"), validators=date_validators)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = AccountChildQuerySet.as_manager()

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
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["expected_close_date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_positive"),
            valid_choice("kind", OpportunityKind, name="opportunity_kind_valid"),
            valid_choice("stage", OpportunityStage, name="opportunity_stage_valid"),
            iso_currency("currency", name="opportunity_currency_iso"),
            date_in_range("expected_close_date", name="opportunity_expected_close_date_in_range"),
        ]
        indexes = [
            models.Index(fields=["account", "stage"], name="opportunity_account_stage"),
            models.Index(
                fields=["owner", "stage", "expected_close_date"], name="opportunity_owner"
            ),
        ]

    @property
    def account_for_rights(self):
        return self.account

    def __str__(self) -> str:
        return self.title


class MeetingKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    QBR = "qbr", _("Quarterly business review")
    EMAIL = "email", _("Email")


class Meeting(TimeStampedModel, Versioned):
    """The interaction log: what was said, with whom, and what happens next."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="meetings"
    )
    held_at = models.DateTimeField(_("date and time"), validators=datetime_validators)
    kind = models.CharField(
        _("kind"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.MEETING
    )
    subject = models.CharField(_("subject"), max_length=200)
    stakeholders = models.ManyToManyField(
        "stakeholders.Stakeholder",
        verbose_name=_("customer attendees"),
        blank=True,
        related_name="meetings",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our attendees"),
        blank=True,
        related_name="meetings_attended",
    )
    notes = models.TextField(_("notes"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings_recorded",
    )

    objects = AccountChildQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meeting log")
        ordering = ["-held_at"]
        constraints = [
            valid_choice("kind", MeetingKind, name="meeting_kind_valid"),
            not_blank("subject", name="meeting_subject_not_blank"),
            date_in_range("held_at", name="meeting_held_at_in_range", with_time=True),
            # "Not after today" is checked in clean(), on the local date: the database's
            # CURRENT_DATE is UTC's, still yesterday on a Japanese morning.
        ]
        indexes = [
            models.Index(fields=["account", "-held_at"], name="meeting_account_recent"),
            models.Index(fields=["recorded_by", "-held_at"], name="meeting_recorder_recent"),
        ]

    @property
    def account_for_rights(self):
        return self.account

    @property
    def created_by_id(self):
        return self.recorded_by_id

    def __str__(self) -> str:
        return self.subject

    def clean(self) -> None:
        super().clean()
        # A date out of range has its own message already (and may not convert to local time).
        if (
            self.held_at is not None
            and self.held_at <= LATEST_DATETIME
            and timezone.localdate(self.held_at) > timezone.localdate()
        ):
            raise ValidationError({"held_at": _("A meeting cannot be dated in the future.")})
