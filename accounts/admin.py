from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core import rights
from kam.core.admin_edit import EditRulesAdmin
from kam.core.exports import SpreadsheetAdmin
from stakeholders.models import Stakeholder

from . import duplicates
from .models import (
    ACCOUNT_COMPUTED_FIELDS,
    Account,
    AccountContractValue,
    AccountTeamMember,
    Contract,
    Meeting,
    Opportunity,
)
from .resources import AccountResource, ContractResource


class TeamMemberInline(admin.TabularInline):
    model = AccountTeamMember
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0


class ContractInline(admin.TabularInline):
    model = Contract
    fields = (
        "number",
        "title",
        "start_date",
        "end_date",
        "notice_period_days",
        "renewal_deadline",
        "annual_value",
        "currency",
        "status",
    )
    readonly_fields = ("renewal_deadline",)
    show_change_link = True
    extra = 0


class ContractValueInline(admin.TabularInline):
    """Read only: the values are kept by triggers on the contract table. Shown inline on the
    account rather than registered on their own, so deleting an account (which removes its
    roll-up rows with it) needs no permission on them."""

    model = AccountContractValue
    fields = ("currency", "live_value")
    readonly_fields = ("currency", "live_value")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    fields = ("name", "name_kana", "title", "department", "buying_role", "influence", "attitude")
    show_change_link = True
    extra = 0


@admin.register(Account)
class AccountAdmin(EditRulesAdmin, SpreadsheetAdmin):
    resource_classes = [AccountResource]
    list_display = (
        "name",
        "name_kana",
        "tier",
        "status",
        "industry",
        "owner",
        "priority_score",
        "quadrant",
        "health_score",
    )
    list_filter = ("tier", "status", "quadrant", "industry", "owner")
    search_fields = ("name", "name_kana", "headquarters")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    ordering = ("name_kana", "name")
    readonly_fields = (*ACCOUNT_COMPUTED_FIELDS, "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("name", "name_kana"),
                    ("tier", "status"),
                    "owner",
                    "industry",
                    ("website", "corporate_number"),
                    "headquarters",
                    ("annual_revenue", "revenue_currency", "employees"),
                    "description",
                )
            },
        ),
        (
            _("Investment scoring"),
            {
                "fields": (
                    ("score_revenue_size", "score_industry_position", "score_growth_rate"),
                    ("score_fit", "score_relationship"),
                    ("priority_score", "quadrant"),
                )
            },
        ),
        (
            _("Health"),
            {
                "classes": ("collapse",),
                "fields": (
                    ("health_score", "health_computed_at"),
                    ("health_kpi", "health_actions", "health_renewal", "health_sentiment"),
                ),
            },
        ),
        (_("Record"), {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)}),
    )
    inlines = (TeamMemberInline, ContractInline, ContractValueInline, StakeholderInline)

    # Customers' sites are served over https; a bare domain typed in should not become http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def admin_act(self, form):
        changed = set(form.changed_data)
        return rights.steward_acts(changed, form.initial, form.cleaned_data)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "owner" in form.changed_data:
            # The owner is never on their own team (as accounts.services.account_update does).
            AccountTeamMember.objects.filter(account=obj, user=obj.owner_id).delete()

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            fieldsets.append((None, {"fields": (duplicates.DUPLICATE_FIELD,)}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        kwargs["form"] = _new_account_form(request.user, kwargs.get("form", self.form))
        fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [f for f in fields if f != duplicates.DUPLICATE_FIELD]
        return super().get_form(request, obj, change=change, **kwargs)


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = ("account", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = (
        "account__name",
        "account__name_kana",
        "user__username",
        "user__last_name",
        "user__name_kana",
    )
    list_select_related = ("account", "user")
    autocomplete_fields = ("account", "user")

    def admin_act(self, form):
        return rights.Act.TEAM


@admin.register(Contract)
class ContractAdmin(EditRulesAdmin, SpreadsheetAdmin):
    resource_classes = [ContractResource]
    list_display = (
        "number",
        "title",
        "account",
        "start_date",
        "end_date",
        "renewal_deadline",
        "annual_value",
        "currency",
        "auto_renew",
        "status",
    )
    list_filter = ("status", "auto_renew", "currency", "account__tier")
    search_fields = ("number", "title", "account__name", "account__name_kana")
    list_select_related = ("account",)
    autocomplete_fields = ("account", "successor")
    date_hierarchy = "end_date"
    readonly_fields = ("renewal_deadline", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("account", ("number", "title"), "status", "successor")}),
        (
            _("Term and renewal"),
            {
                "fields": (
                    ("start_date", "end_date"),
                    ("notice_period_days", "renewal_deadline"),
                    "auto_renew",
                    ("next_price_review_date", "last_price_review_date"),
                )
            },
        ),
        (_("Value"), {"fields": (("annual_value", "currency"),)}),
        (_("Terms"), {"fields": ("sla_terms", "closed_reason")}),
        (_("Record"), {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)}),
    )


@admin.register(Opportunity)
class OpportunityAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = (
        "title",
        "account",
        "kind",
        "stage",
        "amount",
        "currency",
        "expected_close_date",
        "owner",
    )
    list_filter = ("stage", "kind", "owner")
    search_fields = ("title", "account__name", "account__name_kana")
    list_select_related = ("account", "owner")
    autocomplete_fields = ("account", "owner")
    date_hierarchy = "expected_close_date"


@admin.register(Meeting)
class MeetingAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = ("subject", "account", "kind", "held_at", "recorded_by")
    list_filter = ("kind",)
    search_fields = ("subject", "notes", "account__name", "account__name_kana")
    list_select_related = ("account", "recorded_by")
    autocomplete_fields = ("account", "recorded_by", "stakeholders", "attendees")
    date_hierarchy = "held_at"


def _new_account_form(user, base):
    """Admin's add form for an account: like the page, it names possible duplicates (those
    the person may see) and adds the account only once "a different customer" is ticked."""

    class NewAccountForm(base):
        confirm_duplicates = forms.BooleanField(
            label=_("I have looked at these accounts: this is a different customer, create it."),
            required=False,
        )

        def clean(self):
            cleaned = super().clean()
            if cleaned.get(duplicates.DUPLICATE_FIELD):
                return cleaned
            found = duplicates.account_duplicates(
                name=cleaned.get("name") or "",
                website=cleaned.get("website") or "",
                corporate_number=cleaned.get("corporate_number") or "",
            )
            if found.exists():
                named = duplicates.seen_by(found, user)[:5]
                self.add_error(
                    duplicates.DUPLICATE_FIELD,
                    _("Possibly the same customer as %(others)s.")
                    % {"others": "、".join(a.name for a in named) or "—"},
                )
            return cleaned

    return NewAccountForm
