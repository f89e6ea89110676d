from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kam.core.admin_edit import EditRulesAdmin
from kam.core.exports import SpreadsheetAdmin

from .models import Stakeholder, StakeholderEngagement
from .resources import StakeholderResource


class DirectReportInline(admin.TabularInline):
    model = Stakeholder
    fk_name = "reports_to"
    verbose_name = _("direct report")
    verbose_name_plural = _("direct reports")
    fields = ("name", "title", "department", "buying_role", "influence", "attitude")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        # A new person belongs to an account first; add them there or on their own page.
        return False


@admin.register(Stakeholder)
class StakeholderAdmin(EditRulesAdmin, SpreadsheetAdmin):
    resource_classes = [StakeholderResource]
    list_display = (
        "name",
        "name_kana",
        "account",
        "title",
        "department",
        "buying_role",
        "influence",
        "attitude",
        "relationship_strength",
        "relationship_owner",
        "last_contacted_on",
        "is_active",
    )
    list_filter = ("buying_role", "influence", "attitude", "relationship_strength", "is_active")
    search_fields = (
        "name",
        "name_kana",
        "title",
        "department",
        "email",
        "account__name",
        "account__name_kana",
    )
    list_select_related = ("account", "relationship_owner")
    autocomplete_fields = ("account", "reports_to", "relationship_owner")
    date_hierarchy = "last_contacted_on"
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "account",
                    ("name", "name_kana"),
                    ("title", "department"),
                    ("email", "phone"),
                    "reports_to",
                    "is_active",
                )
            },
        ),
        (
            _("Buying centre"),
            {
                "fields": (
                    ("buying_role", "influence"),
                    ("attitude", "relationship_strength"),
                    ("relationship_owner", "last_contacted_on"),
                    "notes",
                )
            },
        ),
        (_("Record"), {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)}),
    )
    inlines = (DirectReportInline,)


@admin.register(StakeholderEngagement)
class StakeholderEngagementAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = ("stakeholder", "plan", "desired_attitude", "owner")
    list_filter = ("desired_attitude",)
    search_fields = (
        "stakeholder__name",
        "stakeholder__name_kana",
        "plan__title",
        "plan__account__name",
        "plan__account__name_kana",
    )
    list_select_related = ("stakeholder", "plan", "owner")
    autocomplete_fields = ("plan", "stakeholder", "owner")
