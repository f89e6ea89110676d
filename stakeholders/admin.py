from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core import rights
from kam.core.admin_edit import EditRulesAdmin
from kam.core.exports import SpreadsheetAdmin

from . import services
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


@admin.action(description=_("Erase personal data on request (APPI)"))
def erase_personal_data(modeladmin, request, queryset):
    erased = 0
    for stakeholder in queryset:
        try:
            services.stakeholder_erase(stakeholder=stakeholder, user=request.user)
        except rights.Refused as refused:
            modeladmin.message_user(request, refused.message, messages.ERROR)
            return
        erased += 1
    modeladmin.message_user(
        request,
        ngettext(
            "Erased the personal data of %(count)d person, in their history and review "
            "snapshots too.",
            "Erased the personal data of %(count)d people, in their history and review "
            "snapshots too.",
            erased,
        )
        % {"count": erased},
        messages.SUCCESS,
    )


@admin.register(Stakeholder)
class StakeholderAdmin(EditRulesAdmin, SpreadsheetAdmin):
    resource_classes = [StakeholderResource]
    actions = (erase_personal_data,)
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
