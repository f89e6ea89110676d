"""Forms of the KPI, competitor map and action plan sections.

They check the fields; the services in plans.tracking_services check the whole object.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.core.forms import DATE, FieldsOnlyModelForm, VersionForm

from .models import KPI, AccountPlan, ActionItem, ActionStatus, CompetitorPosition, Goal
from .selectors import user_choices_for_account
from .tracking_services import ACTION_FIELDS, COMPETITOR_FIELDS, KPI_FIELDS

NUMBER_ERRORS = {
    "invalid": _("Enter a number, e.g. 120 or 95.5."),
    "max_digits": _("This number is too large."),
    "max_decimal_places": _("Use at most two decimal places."),
    "max_whole_digits": _("This number is too large."),
}


def _taken(same: QuerySet, instance: Model) -> bool:
    if instance.pk:
        same = same.exclude(pk=instance.pk)
    return same.exists()


def _plan_goals(plan: AccountPlan):
    return Goal.objects.filter(plan=plan).order_by("due_date", "id")


class KPIForm(FieldsOnlyModelForm):
    class Meta:
        model = KPI
        fields = list(KPI_FIELDS)
        help_texts = {
            "unit": _("e.g. JPY, deals, points, %."),
            "target": _("The value that means the KPI is met."),
        }
        error_messages = {
            "name": {"required": _("Give the KPI a name.")},
            "target": {"required": _("Set a target value."), **NUMBER_ERRORS},
        }

    def __init__(self, *args, plan: AccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["goal"].queryset = _plan_goals(plan)
        self.fields["goal"].empty_label = _("Not linked to a goal")
        self.fields["goal"].error_messages["invalid_choice"] = _("Choose a goal of this plan.")

    def clean_name(self):
        # Asked here too, so that it shows together with any other mistake in the form.
        name = self.cleaned_data["name"]
        if _taken(KPI.objects.filter(plan=self.plan, name=name), self.instance):
            raise ValidationError(_("This plan already has a KPI with this name."))
        return name


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(
        label=_("Date"),
        widget=DATE,
        error_messages={
            "required": _("Enter the date of the measurement."),
            "invalid": _("Enter a valid date."),
        },
    )
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=18,
        decimal_places=2,
        error_messages={"required": _("Enter the measured value."), **NUMBER_ERRORS},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Note (optional)")}),
        error_messages={"max_length": _("Keep the note to 200 characters or fewer.")},
    )


class CompetitorForm(FieldsOnlyModelForm):
    class Meta:
        model = CompetitorPosition
        fields = list(COMPETITOR_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in fields
            if name not in ("competitor", "threat_level", "share_of_wallet")
        }
        help_texts = {
            "share_of_wallet": _("Their part of the customer's spend in this area."),
        }
        error_messages = {
            "competitor": {"required": _("Name the competitor.")},
            "share_of_wallet": {
                "invalid": _("Enter a whole percentage from 0 to 100."),
                "max_value": _("A share of wallet is at most %(limit_value)s%%."),
                "min_value": _("A share of wallet cannot be negative."),
            },
        }

    def __init__(self, *args, plan: AccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        # The model field's own limit is checked only by the model; here it is said in words.
        share = self.fields["share_of_wallet"]
        share.validators.append(MaxValueValidator(100))
        share.widget.attrs["max"] = 100

    def clean_competitor(self):
        name = self.cleaned_data["competitor"]
        same = CompetitorPosition.objects.filter(plan=self.plan, competitor=name)
        if _taken(same, self.instance):
            raise ValidationError(_("This competitor is already on the map."))
        return name


class ActionForm(FieldsOnlyModelForm):
    wide_fields = ("title", "description", "resources")

    class Meta:
        model = ActionItem
        fields = list(ACTION_FIELDS)
        widgets = {
            "due_date": DATE,
            "description": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"resources": _("People, budget, material or help from other departments.")}
        error_messages = {
            "title": {"required": _("Say what will be done.")},
            "owner": {
                "required": _("Choose who does it."),
                "invalid_choice": _(
                    "Choose someone who can open this account: its owner, its team or a manager."
                ),
            },
            "due_date": {
                "required": _("Set a due date."),
                "invalid": _("Enter a valid date."),
            },
        }

    def __init__(self, *args, plan: AccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever does the action must be able to open the account it is for.
        self.fields["owner"].queryset = user_choices_for_account(
            account_id=plan.account_id, keep=self.instance.owner_id if self.instance.pk else None
        )
        self.fields["owner"].empty_label = None
        self.fields["goal"].queryset = _plan_goals(plan)
        self.fields["goal"].empty_label = _("Not linked to a goal")
        self.fields["goal"].error_messages["invalid_choice"] = _("Choose a goal of this plan.")


class ActionStatusForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
