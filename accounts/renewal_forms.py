from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import contract_term_checked, new_contract_number
from .models import Contract, ContractStatus, currency_validator


class RenewForm(forms.Form):
    number = forms.CharField(label=_("New contract number"), max_length=64)
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))
    annual_value = forms.DecimalField(
        label=_("Annual value"), min_value=0, max_digits=18, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, validators=[currency_validator])
    notice_period_days = forms.IntegerField(
        label=_("Notice period (days)"), min_value=0, max_value=730
    )
    auto_renew = forms.BooleanField(label=_("Auto-renews"), required=False)

    def clean_number(self):
        return new_contract_number(self.cleaned_data["number"])

    def clean(self):
        super().clean()
        return contract_term_checked(self)

    @classmethod
    def initial_for(cls, contract: Contract) -> dict:
        """Suggest the same term again, starting the day after the old one ends."""
        import datetime as dt

        from dateutil.relativedelta import relativedelta

        start = contract.end_date + dt.timedelta(days=1)
        term = relativedelta(contract.end_date + dt.timedelta(days=1), contract.start_date)
        end = (
            start + term - dt.timedelta(days=1)
            if term.years or term.months
            else start.replace(year=start.year + 1) - dt.timedelta(days=1)
        )
        return {
            "number": f"{contract.number}-R",
            "start_date": start,
            "end_date": end,
            "annual_value": contract.annual_value,
            "currency": contract.currency,
            "notice_period_days": contract.notice_period_days,
            "auto_renew": contract.auto_renew,
        }


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ContractStatus.EXPIRED, _("Lost (not renewed)")),
            (ContractStatus.CANCELLED, _("Cancelled")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why, so the team can learn from it.")},
    )
