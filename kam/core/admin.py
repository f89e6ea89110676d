from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import security_log
from .models import Change, DigestLog, Notification, Reminder, SecurityEvent, User

admin.site.site_header = _("KAM CRM administration")
admin.site.site_title = _("KAM CRM admin")
admin.site.index_title = _("Users, accounts, plans and stakeholders")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "last_name",
        "first_name",
        "name_kana",
        "email",
        "role",
        "language",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "language", "digest_enabled")
    search_fields = ("username", "last_name", "first_name", "name_kana", "email")
    # Follows the user's authenticator devices (kam.core.signin): delete a device to reset it.
    readonly_fields = ("two_step_enabled",)
    autocomplete_fields = ("reports_to",)
    ordering = ("name_kana", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": (("last_name", "first_name"), "name_kana", "email")},
        ),
        (_("Role"), {"fields": ("role", "reports_to")}),
        (_("Preferences"), {"fields": ("language", "time_zone", "digest_enabled")}),
        (_("Sign-in"), {"fields": ("two_step_enabled",)}),
        (
            _("Permissions"),
            {
                "classes": ("collapse",),
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    ("last_name", "first_name"),
                    "name_kana",
                    "email",
                    "role",
                    "language",
                ),
            },
        ),
    )


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The send log is the proof that nothing went out twice: read it, do not rewrite it."""

    list_display = (
        "title",
        "kind",
        "recipient",
        "account",
        "due_date",
        "lead_days",
        "mail_state",
        "created_at",
        "notified_at",
        "mailed_at",
    )
    list_filter = ("kind", "mail_state", "lead_days")
    search_fields = ("title", "recipient__username", "account__name", "account__name_kana")
    list_select_related = ("recipient", "account")
    autocomplete_fields = ("recipient", "account")
    date_hierarchy = "due_date"
    readonly_fields = ("created_at", "notified_at", "mail_claimed_at", "mailed_at", "digested_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "recipient", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "recipient__name_kana")
    list_select_related = ("recipient",)
    autocomplete_fields = ("recipient",)
    raw_id_fields = ("reminder",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ("recipient", "digest_date", "kind", "item_count", "claimed_at", "sent_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "recipient__name_kana")
    list_select_related = ("recipient",)
    autocomplete_fields = ("recipient",)
    date_hierarchy = "digest_date"
    readonly_fields = ("claimed_at",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system keeps as proof of what happened: read them, never rewrite them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    """The change log the timelines read (kam.core.changes)."""

    list_display = ("at", "object_repr", "model", "action", "user", "manager_edit", "account_id")
    list_filter = ("action", "model", "manager_edit")
    search_fields = ("object_repr",)
    list_select_related = ("user",)
    date_hierarchy = "at"

    def get_queryset(self, request):
        # The ground cannot import the accounts app; a rep with admin access sees the
        # changes of the accounts they own or are on the team of, like everywhere else.
        found = super().get_queryset(request)
        user = request.user
        if user.is_superuser or getattr(user, "sees_whole_portfolio", False):
            return found
        from django.apps import apps

        visible = apps.get_model("accounts", "Account").objects.visible_to(user).values("pk")
        return found.filter(account_id__in=visible)


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Who signed in from where, who exported what, who changed a role, a team or an owner
    (kam.core.security_log). Kept SECURITY_LOG_DAYS, then pruned."""

    list_display = ("at", "kind", "actor_name", "address", "subject", "what")
    list_filter = ("kind", "at")
    search_fields = ("actor_name", "address", "subject__username", "subject__last_name")
    list_select_related = ("actor", "subject")
    date_hierarchy = "at"
    fields = ("at", "kind", "actor", "actor_name", "address", "subject", "account_id", "what")
    readonly_fields = fields

    @admin.display(description=_("what"))
    def what(self, event: SecurityEvent) -> str:
        return security_log.describe(event)
