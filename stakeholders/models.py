from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import AccountChildQuerySet
from kam.core.db import (
    LATEST_DATE,
    date_in_range,
    date_validators,
    in_range,
    not_blank,
    valid_choice,
)
from kam.core.models import Searchable, TimeStampedModel
from kam.core.versions import Versioned


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    TECHNICAL_BUYER = "technical_buyer", _("Technical buyer")
    USER = "user", _("User")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    BLOCKER = "blocker", _("Blocker")


class Attitude(models.IntegerChoices):
    OPPONENT = -2, _("Opponent")
    SCEPTIC = -1, _("Sceptical")
    NEUTRAL = 0, _("Neutral")
    SUPPORTER = 1, _("Supporter")
    CHAMPION = 2, _("Champion")


class RelationshipStrength(models.IntegerChoices):
    NONE = 0, _("No relationship")
    WEAK = 1, _("Weak")
    WORKING = 2, _("Working")
    STRONG = 3, _("Strong")
    TRUSTED = 4, _("Trusted advisor")


class Stakeholder(Searchable, TimeStampedModel, Versioned):
    """A person at the customer: where they sit, how they buy, how they see us."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="stakeholders",
    )
    name = models.CharField(_("name"), max_length=120)
    name_kana = models.CharField(_("name reading (kana)"), max_length=120, blank=True)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
    )
    buying_role = models.CharField(
        _("buying role"), max_length=32, choices=BuyingRole.choices, default=BuyingRole.USER
    )
    influence = models.PositiveSmallIntegerField(
        _("influence (1-5)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How much weight this person carries in the buying decision."),
    )
    attitude = models.SmallIntegerField(
        _("attitude to us"), choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    relationship_strength = models.PositiveSmallIntegerField(
        _("relationship strength"),
        choices=RelationshipStrength.choices,
        default=RelationshipStrength.WEAK,
    )
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our relationship owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stakeholder_relationships",
    )
    last_contacted_on = models.DateField(
        _("last contact"), null=True, blank=True, validators=date_validators
    )
    is_active = models.BooleanField(
        _("still at the customer"), default=True, help_text=_("Untick when they leave.")
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["search_key"])
    SEARCHED = ("name", "name_kana")
    objects = AccountChildQuerySet.as_manager()

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["account", "-influence", "name_kana"]
        constraints = [
            in_range("influence", 1, 5, name="stakeholder_influence_1_5"),
            in_range("attitude", -2, 2, name="stakeholder_attitude_range"),
            models.CheckConstraint(
                condition=Q(relationship_strength__lte=4),
                name="stakeholder_relationship_range",
            ),
            valid_choice("buying_role", BuyingRole, name="stakeholder_role_valid"),
            models.CheckConstraint(
                condition=~Q(reports_to=F("id")),
                name="stakeholder_not_own_manager",
                violation_error_message=_("A person cannot report to themselves."),
            ),
            not_blank("name", name="stakeholder_name_not_blank"),
            date_in_range("last_contacted_on", name="stakeholder_last_contacted_on_in_range"),
        ]
        indexes = [
            models.Index(fields=["account", "buying_role"], name="stakeholder_account_role"),
            # "Key people not contacted for 90 days".
            models.Index(fields=["account", "last_contacted_on"], name="stakeholder_contact"),
        ]

    @property
    def account_for_rights(self):
        return self.account

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        contacted = self.last_contacted_on
        # Today as it is in Japan; a date out of range has its own message already.
        if contacted is not None and LATEST_DATE >= contacted > timezone.localdate():
            errors["last_contacted_on"] = _("The last contact cannot be dated in the future.")
        try:
            self._clean_org_chart()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_org_chart(self) -> None:
        if self.pk and self.account_id:
            # Moving to another customer: the people below and the engagements stay behind.
            reports_elsewhere = self.direct_reports.exclude(account_id=self.account_id)
            engaged_elsewhere = self.engagements.exclude(plan__account_id=self.account_id)
            if reports_elsewhere.exists() or engaged_elsewhere.exists():
                raise ValidationError(
                    {
                        "account": _(
                            "This person's reports or plan engagements are at the current "
                            "customer: move or remove those first."
                        )
                    }
                )
        if self.reports_to_id is None:
            return
        if self.reports_to.account_id != self.account_id:
            raise ValidationError({"reports_to": _("The manager must work at the same customer.")})
        # Walk up the chart: a person cannot end up reporting to themselves.
        seen = {self.pk}
        boss = self.reports_to
        while boss is not None:
            if boss.pk in seen:
                raise ValidationError({"reports_to": _("This would make the org chart a circle.")})
            seen.add(boss.pk)
            boss = boss.reports_to


class EngagementQuerySet(AccountChildQuerySet):
    account_path = "plan__account"


class StakeholderEngagement(TimeStampedModel, Versioned):
    """Per plan: where we want this person to stand, who works on it, and how."""

    plan = models.ForeignKey(
        "plans.AccountPlan",
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="engagements",
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("stakeholder"),
        on_delete=models.CASCADE,
        related_name="engagements",
    )
    desired_attitude = models.SmallIntegerField(
        _("desired attitude"), choices=Attitude.choices, default=Attitude.SUPPORTER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who engages"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stakeholder_engagements",
    )
    approach = models.TextField(_("how we engage"), blank=True)

    objects = EngagementQuerySet.as_manager()

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
        verbose_name = _("engagement strategy")
        verbose_name_plural = _("engagement strategies")
        ordering = ["plan", "-stakeholder__influence"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "stakeholder"],
                name="engagement_once",
                violation_error_message=_("This stakeholder already has a strategy in this plan."),
            ),
            in_range("desired_attitude", -2, 2, name="engagement_attitude_range"),
        ]

    @property
    def account_for_rights(self):
        return self.plan.account

    @property
    def plan_for_rights(self):
        return self.plan

    def __str__(self) -> str:
        return f"{self.stakeholder} / {self.plan}"

    def clean(self) -> None:
        super().clean()
        if (
            self.plan_id
            and self.stakeholder_id
            and self.plan.account_id != self.stakeholder.account_id
        ):
            raise ValidationError(
                {"stakeholder": _("Choose a stakeholder of this plan's account.")}
            )
