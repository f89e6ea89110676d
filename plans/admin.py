from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from kam.core import rights
from kam.core.admin import ReadOnlyAdmin
from kam.core.admin_edit import EditRulesAdmin

from .models import (
    KPI,
    AccountPlan,
    ActionItem,
    ActionStatus,
    Comment,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    KPIMeasurement,
    Mention,
    PlanReview,
    ReviewSnapshot,
)
from .services import check_goals_inside_period, kpi_refresh_latest

# Inline rows stay one line high; the full text is on each item's own change page.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})}}
PLAN_SEARCH = ("plan__title", "plan__account__name", "plan__account__name_kana")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


class AccountPlanAdminForm(forms.ModelForm):
    """Base for the admin's plan form (the admin supplies model and fields)."""

    def _post_clean(self) -> None:
        super()._post_clean()
        # A database trigger refuses a period that leaves goals outside it; say so on the field.
        if {"period_start", "period_end"} & set(self.changed_data):
            try:
                check_goals_inside_period(plan=self.instance)
            except ValidationError as exc:
                self._update_errors(exc)


class ActionItemAdminForm(forms.ModelForm):
    """Ticking an item done stamps when; reopening it clears the stamp (the database requires
    exactly that pairing)."""

    def clean(self):
        cleaned = super().clean()
        done = cleaned.get("status") == ActionStatus.DONE
        if "completed_at" in self.fields:
            completed_at = cleaned.get("completed_at")
        else:
            completed_at = self.instance.completed_at
        if done and completed_at is None:
            completed_at = timezone.now()
        elif not done:
            completed_at = None
        if "completed_at" in self.fields:
            cleaned["completed_at"] = completed_at
        self.instance.completed_at = completed_at
        return cleaned


class NeedInline(admin.TabularInline):
    model = CustomerNeed
    fields = ("title", "kind", "source", "priority", "status")
    show_change_link = True
    extra = 0


class GoalInline(admin.TabularInline):
    model = Goal
    fields = (
        "statement",
        "metric",
        "unit",
        "baseline",
        "target",
        "current_value",
        "progress",
        "achievable_because",
        "need",
        "due_date",
        "status",
    )
    readonly_fields = ("progress",)
    autocomplete_fields = ("need",)
    formfield_overrides = COMPACT_TEXT
    show_change_link = True
    extra = 0


class KPIInline(admin.TabularInline):
    model = KPI
    fields = (
        "name",
        "kind",
        "unit",
        "target",
        "direction",
        "goal",
        "latest_value",
        "latest_measured_on",
        "attainment",
    )
    readonly_fields = ("latest_value", "latest_measured_on", "attainment")
    autocomplete_fields = ("goal",)
    show_change_link = True
    extra = 0


class CompetitorInline(admin.TabularInline):
    model = CompetitorPosition
    fields = ("competitor", "threat_level", "share_of_wallet", "differentiation")
    formfield_overrides = COMPACT_TEXT
    show_change_link = True
    extra = 0


class ActionInline(admin.TabularInline):
    model = ActionItem
    form = ActionItemAdminForm
    fields = ("phase", "title", "owner", "due_date", "goal", "status")
    autocomplete_fields = ("owner", "goal")
    show_change_link = True
    extra = 0


class ReviewInline(admin.TabularInline):
    model = PlanReview
    fields = ("reviewed_on", "reviewer", "notes", "decisions", "next_review_date")
    autocomplete_fields = ("reviewer",)
    formfield_overrides = COMPACT_TEXT
    extra = 0


@admin.register(AccountPlan)
class AccountPlanAdmin(EditRulesAdmin, SimpleHistoryAdmin):
    delete_act = rights.Act.STEWARD

    def admin_act(self, form):
        changed = set(form.changed_data)
        return rights.steward_acts(changed, form.initial, form.cleaned_data)

    form = AccountPlanAdminForm
    list_display = (
        "title",
        "account",
        "status",
        "owner",
        "period_start",
        "period_end",
        "next_review_date",
        "last_reviewed_on",
    )
    list_filter = ("status", "review_cadence_months", "owner")
    search_fields = ("title", "account__name", "account__name_kana")
    list_select_related = ("account", "owner")
    autocomplete_fields = ("account", "owner")
    date_hierarchy = "period_start"
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "account",
                    "title",
                    ("period_start", "period_end"),
                    ("status", "owner"),
                    ("review_cadence_months", "next_review_date", "last_reviewed_on"),
                )
            },
        ),
        (
            _("Value proposition"),
            {"fields": ("value_who", "value_what", "value_when", "value_how")},
        ),
        (
            _("Customer profile"),
            {
                "classes": ("collapse",),
                "fields": (
                    "profile_organisation",
                    "profile_decision_process",
                    "profile_culture",
                    "profile_business_goals",
                ),
            },
        ),
        (_("Record"), {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)}),
    )
    inlines = (
        NeedInline,
        GoalInline,
        KPIInline,
        CompetitorInline,
        ActionInline,
        ReviewInline,
    )


@admin.register(CustomerNeed)
class CustomerNeedAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = ("title", "plan", "kind", "source", "priority", "status")
    list_filter = ("kind", "source", "priority", "status")
    search_fields = ("title", "description", *PLAN_SEARCH)
    list_select_related = ("plan",)
    autocomplete_fields = ("plan",)


@admin.register(Goal)
class GoalAdmin(EditRulesAdmin, SimpleHistoryAdmin):
    list_display = (
        "statement",
        "plan",
        "metric",
        "target",
        "current_value",
        "progress_display",
        "due_date",
        "status",
    )
    list_filter = ("status", "category")
    search_fields = ("statement", "metric", *PLAN_SEARCH)
    list_select_related = ("plan",)
    autocomplete_fields = ("plan", "need")
    date_hierarchy = "due_date"
    readonly_fields = ("progress", "created_at", "updated_at")

    @admin.display(description=_("progress"), ordering="progress")
    def progress_display(self, obj: Goal) -> str:
        return _percent(obj.progress)


class MeasurementInline(admin.TabularInline):
    model = KPIMeasurement
    fields = ("measured_on", "value", "note", "recorded_by")
    readonly_fields = ("recorded_by",)
    ordering = ("-measured_on",)
    extra = 1


@admin.register(KPI)
class KPIAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "plan",
        "kind",
        "target",
        "unit",
        "direction",
        "latest_value",
        "latest_measured_on",
        "attainment_display",
    )
    list_filter = ("kind", "direction")
    search_fields = ("name", *PLAN_SEARCH)
    list_select_related = ("plan",)
    autocomplete_fields = ("plan", "goal")
    readonly_fields = ("latest_value", "latest_measured_on", "attainment")
    inlines = (MeasurementInline,)

    @admin.display(description=_("attainment"), ordering="attainment")
    def attainment_display(self, obj: KPI) -> str:
        return _percent(obj.attainment)

    def save_formset(self, request, form, formset, change):
        if formset.model is KPIMeasurement:
            for row in formset.forms:
                if row.instance.pk is None and row.instance.recorded_by_id is None:
                    row.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Measurements added, corrected or deleted on this page move the latest value.
        kpi_refresh_latest(kpi=form.instance)


@admin.register(KPIMeasurement)
class KPIMeasurementAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = ("kpi", "measured_on", "value", "note", "recorded_by")
    search_fields = ("kpi__name", "note", "kpi__plan__title", "kpi__plan__account__name")
    list_select_related = ("kpi", "recorded_by")
    autocomplete_fields = ("kpi", "recorded_by")
    date_hierarchy = "measured_on"

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if not change and obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        kpi_refresh_latest(kpi=obj.kpi)
        # Moved to another KPI: the one it left needs its latest value again too.
        previous_kpi = form.initial.get("kpi")
        if change and previous_kpi and previous_kpi != obj.kpi_id:
            kpi_refresh_latest(kpi=KPI.objects.get(pk=previous_kpi))

    @transaction.atomic
    def delete_model(self, request, obj):
        kpi = obj.kpi
        super().delete_model(request, obj)
        kpi_refresh_latest(kpi=kpi)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        kpi_ids = set(queryset.values_list("kpi_id", flat=True))
        super().delete_queryset(request, queryset)
        for kpi in KPI.objects.filter(pk__in=kpi_ids):
            kpi_refresh_latest(kpi=kpi)


@admin.register(CompetitorPosition)
class CompetitorPositionAdmin(EditRulesAdmin, admin.ModelAdmin):
    list_display = ("competitor", "plan", "threat_level", "share_of_wallet")
    list_filter = ("threat_level",)
    search_fields = ("competitor", "products", *PLAN_SEARCH)
    list_select_related = ("plan",)
    autocomplete_fields = ("plan",)


@admin.register(ActionItem)
class ActionItemAdmin(EditRulesAdmin, admin.ModelAdmin):
    form = ActionItemAdminForm
    list_display = ("title", "plan", "phase", "owner", "due_date", "status", "completed_at")
    list_filter = ("status", "phase", "owner")
    search_fields = ("title", "description", *PLAN_SEARCH)
    list_select_related = ("plan", "owner")
    autocomplete_fields = ("plan", "goal", "owner")
    date_hierarchy = "due_date"


@admin.register(PlanReview)
class PlanReviewAdmin(EditRulesAdmin, admin.ModelAdmin):
    """Reviews' notes and dates can be corrected here; the sign-off is the manager's, on the
    plan or the "what changed" page (services.review_decide), never typed in admin."""

    list_display = ("plan", "reviewed_on", "reviewer", "state", "next_review_date")
    readonly_fields = (
        "state",
        "approver",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_comment",
    )
    search_fields = ("notes", "decisions", *PLAN_SEARCH)
    list_select_related = ("plan", "reviewer")
    autocomplete_fields = ("plan", "reviewer")
    date_hierarchy = "reviewed_on"


@admin.register(ReviewSnapshot)
class ReviewSnapshotAdmin(ReadOnlyAdmin):
    """A plan as it stood at a review: frozen (a database trigger refuses updates)."""

    list_display = ("review", "taken_at")
    search_fields = ("review__plan__title", "review__plan__account__name")
    list_select_related = ("review", "review__plan")
    date_hierarchy = "taken_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(review__plan__in=AccountPlan.objects.visible_to(request.user))
        )


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    can_delete = False
    readonly_fields = ("user",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """Comment threads, read-only: people write, edit and delete their own on the pages,
    where the rights and the notifications apply."""

    list_display = ("excerpt", "author", "account", "plan", "on", "parent", "created_at")
    list_filter = ("on",)
    search_fields = ("body", "account__name", "plan__title")
    list_select_related = ("author", "account", "plan", "parent")
    date_hierarchy = "created_at"
    inlines = [MentionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    @admin.display(description=_("comment"))
    def excerpt(self, comment: Comment) -> str:
        return (comment.body or "")[:60] or str(_("(deleted comment)"))
