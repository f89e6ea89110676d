from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.duplicates import DUPLICATE_FIELD
from accounts.models import Account
from kam.core.forms import FieldsOnlyModelForm
from plans.models import AccountPlan

from . import selectors
from .models import Stakeholder, StakeholderEngagement
from .services import ENGAGEMENT_FIELDS, STAKEHOLDER_FIELDS


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stakeholder) -> str:
        label = f"{obj.name} ({obj.title})" if obj.title else obj.name
        if not obj.is_active:
            label = _("%(name)s – has left") % {"name": label}
        return label


class StakeholderForm(FieldsOnlyModelForm):
    wide_fields = ("reports_to", "is_active", "notes")

    influence = forms.IntegerField(
        label=capfirst(Stakeholder._meta.get_field("influence").verbose_name),
        min_value=1,
        max_value=5,
        initial=3,
        help_text=_("1 = no say, 5 = decides."),
    )

    class Meta:
        model = Stakeholder
        fields = list(STAKEHOLDER_FIELDS)
        field_classes = {"reports_to": PersonChoiceField}
        widgets = {
            "last_contacted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Shown as a tick box only once the service has named a possible duplicate.
            self.fields[DUPLICATE_FIELD] = forms.BooleanField(
                label=_("Add this person all the same"),
                required=False,
                widget=forms.HiddenInput,
            )
        reports_to = self.fields["reports_to"]
        reports_to.queryset = selectors.reports_to_choices(account=account, exclude=self.instance)
        # Anyone outside this customer is not on the list; say why rather than "invalid".
        reports_to.error_messages["invalid_choice"] = _(
            "The manager must work at the same customer."
        )
        self.fields["relationship_owner"].queryset = selectors.owner_choices(
            current=self.instance.relationship_owner_id
        )
        self.fields["name"].widget.attrs["autofocus"] = True
        # The last contact also moves when a meeting with the person is logged, a derived
        # write that leaves the version alone (accounts.services._touch_last_contact). The
        # form sends back the date it showed, and writes the field only when it was changed
        # here, so that a form opened before the meeting does not put the older date back.
        self.fields["last_contacted_on"].show_hidden_initial = True

    def clean(self) -> dict:
        data = super().clean()
        if "last_contacted_on" not in self.changed_data:
            data.pop("last_contacted_on", None)
        return data


class EngagementForm(FieldsOnlyModelForm):
    wide_fields = ("approach",)

    class Meta:
        model = StakeholderEngagement
        fields = ["stakeholder", *ENGAGEMENT_FIELDS]
        field_classes = {"stakeholder": PersonChoiceField}
        widgets = {"approach": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, plan: AccountPlan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The person is fixed once the strategy exists; a new person is a new strategy.
            del self.fields["stakeholder"]
        else:
            stakeholder = self.fields["stakeholder"]
            stakeholder.queryset = selectors.engagement_candidates(plan=plan)
            stakeholder.error_messages["invalid_choice"] = _(
                "Choose someone at this plan's customer who is not in the plan yet."
            )
        self.fields["owner"].queryset = selectors.owner_choices(current=self.instance.owner_id)


def show_duplicate_confirmation(form: forms.BaseForm) -> None:
    """After the service named possible duplicates, the confirmation becomes a tick box."""
    if DUPLICATE_FIELD in form.fields and form.errors.get(DUPLICATE_FIELD):
        form.fields[DUPLICATE_FIELD].widget = forms.CheckboxInput()
