"""Forms of the accounts pages. They check the fields; the services check the whole object."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kam.core.forms import DATE, DATETIME_LOCAL, FieldsOnlyModelForm, VersionForm, ends_after_start

from .models import (
    Account,
    AccountTeamMember,
    Contract,
    Meeting,
    Opportunity,
    OpportunityStage,
    currency_validator,
)
from .services import ACCOUNT_EDITABLE_FIELDS, ACCOUNT_FACT_FIELDS, ACCOUNT_SCORE_FIELDS

SCORE_CHOICES = [
    (1, _("1 – very low")),
    (2, _("2 – low")),
    (3, _("3 – medium")),
    (4, _("4 – high")),
    (5, _("5 – very high")),
]


# Three letters, shown as capitals on phones: JPY, USD, EUR.
CURRENCY_INPUT = forms.TextInput(attrs={"maxlength": 3, "autocapitalize": "characters", "size": 4})


def new_contract_number(number: str, instance: Contract | None = None) -> str:
    """Contract numbers are unique; saying so here puts the message beside the field."""
    number = number.strip()
    others = Contract.objects.filter(number=number)
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise ValidationError(_("A contract with this number already exists."))
    return number


def contract_term_checked(form: forms.BaseForm) -> dict:
    message = _("The end date must be after the start date.")
    return ends_after_start(form, "start_date", "end_date", message)


def _currency_code(value: str) -> str:
    """Accept "jpy" for JPY; anything else than three letters gets a clear message."""
    code = (value or "").strip().upper()
    if code:
        currency_validator(code)
    return code


class AccountForm(FieldsOnlyModelForm):
    """The facts and the investment scores of an account, for creating and for editing."""

    website = forms.URLField(
        label=capfirst(Account._meta.get_field("website").verbose_name),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a full web address, e.g. https://example.co.jp.")},
    )

    class Meta:
        model = Account
        fields = list(ACCOUNT_EDITABLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "revenue_currency": CURRENCY_INPUT,
        }
        error_messages = {
            "name": {"required": _("Enter the company name.")},
        }

    def __init__(self, *args, owners: QuerySet, rep_only: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = owners
        owner.empty_label = None
        if rep_only:
            owner.error_messages["invalid_choice"] = _(
                "Only a manager can make someone else the owner of an account."
            )
        for name in ACCOUNT_SCORE_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=capfirst(Account._meta.get_field(name).verbose_name),
                choices=SCORE_CHOICES,
                coerce=int,
                initial=3,
                error_messages={
                    "required": _("Choose a score from 1 to 5."),
                    "invalid_choice": _("Choose a score from 1 to 5."),
                },
            )

    def clean_revenue_currency(self) -> str:
        return _currency_code(self.cleaned_data.get("revenue_currency", ""))

    def fact_fields(self) -> list:
        return [self[name] for name in ACCOUNT_FACT_FIELDS]

    def score_fields(self) -> list:
        return [self[name] for name in ACCOUNT_SCORE_FIELDS]


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Colleague"),
        queryset=None,
        error_messages={
            "required": _("Choose a colleague."),
            "invalid_choice": _("Choose a colleague who is not on the team yet."),
        },
    )
    role = forms.ChoiceField(
        label=_("Team role"),
        choices=AccountTeamMember._meta.get_field("role").choices,
        error_messages={"required": _("Choose a role.")},
    )

    def __init__(self, *args, candidates: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].empty_label = _("Choose a colleague…")


class ContractForm(FieldsOnlyModelForm):
    wide_fields = ("sla_terms",)

    class Meta:
        model = Contract
        fields = [
            "number",
            "title",
            "start_date",
            "end_date",
            "annual_value",
            "currency",
            "notice_period_days",
            "status",
            "auto_renew",
            "next_price_review_date",
            "sla_terms",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "next_price_review_date": DATE,
            "sla_terms": forms.Textarea(attrs={"rows": 2}),
            "currency": CURRENCY_INPUT,
        }
        error_messages = {
            "number": {"required": _("Enter the contract number.")},
            "title": {"required": _("Give the contract a title.")},
            "start_date": {"required": _("Enter the start date.")},
            "end_date": {"required": _("Enter the end date.")},
            "annual_value": {"required": _("Enter the annual value.")},
        }

    def clean_currency(self) -> str:
        return _currency_code(self.cleaned_data.get("currency", ""))

    def clean_number(self) -> str:
        return new_contract_number(self.cleaned_data["number"], self.instance)

    def clean(self) -> dict:
        super().clean()
        return contract_term_checked(self)


class ContractEditForm(ContractForm):
    """The terms of an existing contract; its status moves through the renewal actions."""

    class Meta(ContractForm.Meta):
        fields = [f for f in ContractForm.Meta.fields if f != "status"]


class PriceReviewForm(VersionForm):
    """A finished price review: when, the price agreed, and when to look again."""

    reviewed_on = forms.DateField(
        label=_("Reviewed on"),
        widget=DATE,
        error_messages={"required": _("Enter the day of the review.")},
    )
    annual_value = forms.DecimalField(
        label=capfirst(Contract._meta.get_field("annual_value").verbose_name),
        min_value=0,
        max_digits=18,
        decimal_places=2,
        error_messages={"required": _("Enter the annual value agreed in the review.")},
    )
    next_review_date = forms.DateField(
        label=_("Next price review"),
        widget=DATE,
        error_messages={"required": _("Enter when the price is reviewed next.")},
    )

    @classmethod
    def for_contract(cls, contract: Contract, data=None) -> PriceReviewForm:
        today = timezone.localdate()
        initial = {
            "reviewed_on": today,
            "annual_value": contract.annual_value,
            "next_review_date": today + relativedelta(years=1),
            "version": contract.version,
        }
        return cls(data, initial=initial)


class OpportunityForm(FieldsOnlyModelForm):
    wide_fields = ("notes",)

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "kind",
            "stage",
            "amount",
            "currency",
            "expected_close_date",
            "owner",
            "notes",
        ]
        widgets = {
            "expected_close_date": DATE,
            "notes": forms.Textarea(attrs={"rows": 2}),
            "currency": CURRENCY_INPUT,
        }
        error_messages = {
            "title": {"required": _("Name the product or service.")},
            "amount": {"required": _("Enter the amount.")},
            "expected_close_date": {"required": _("Enter the expected close date.")},
        }

    def __init__(self, *args, owners: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].empty_label = None

    def clean_currency(self) -> str:
        return _currency_code(self.cleaned_data.get("currency", ""))


class OpportunityStageForm(VersionForm):
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=OpportunityStage.choices,
        error_messages={
            "required": _("Choose one of the stages in the list."),
            "invalid_choice": _("Choose one of the stages in the list."),
        },
    )


class MeetingForm(FieldsOnlyModelForm):
    wide_fields = ("notes", "next_steps")

    held_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={
            "required": _("Enter when the meeting took place."),
            "invalid": _("Enter a date and time."),
        },
    )

    class Meta:
        model = Meeting
        fields = ["held_at", "kind", "subject", "stakeholders", "attendees", "notes", "next_steps"]
        widgets = {
            "stakeholders": forms.CheckboxSelectMultiple,
            "attendees": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {"subject": {"required": _("Enter a subject.")}}

    def __init__(self, *args, stakeholders: QuerySet, users: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stakeholders"].queryset = stakeholders
        self.fields["stakeholders"].error_messages["invalid_choice"] = _(
            "Choose people who work at this customer."
        )
        self.fields["attendees"].queryset = users
        if not self.is_bound and "held_at" not in self.initial:
            self.initial["held_at"] = timezone.localtime().replace(second=0, microsecond=0)


class AccountCreateForm(AccountForm):
    """A new account: when it may already exist, the person confirms after seeing the others."""

    confirm_duplicates = forms.BooleanField(
        label=_("I have looked at these accounts: this is a different customer, create it."),
        required=False,
    )
