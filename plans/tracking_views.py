"""The KPI, competitor map and action plan sections of the account plan page.

The plan page loads each section through htmx (`#kpis`, `#competitors`, `#actions`); every URL
here also answers a plain request with a page of its own, so it all works without JavaScript.
A KPI card or an action row swaps itself by id; adding or deleting brings back the whole
section. Every write tells the page with the `plan-changed` event, which refreshes the plan's
traceability.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.models import Meeting
from kam.core.edit import edit_flow, seen
from kam.core.forms import error_text
from kam.core.http import HtmxHttpRequest, is_fragment, render_page, render_swap
from kam.core.rights import Act

from . import services as plan_services
from . import tracking_services as services
from .charts import SparkPoint, format_value, sparkline_svg
from .models import (
    KPI,
    AccountPlan,
    ActionItem,
    ActionStatus,
    CompetitorPosition,
    KPIMeasurement,
    Phase,
)
from .tracking_forms import (
    ActionForm,
    ActionStatusForm,
    CompetitorForm,
    KPIForm,
    MeasurementForm,
)
from .views import PLAN_CHANGED

KPIS = "plans/tracking/kpis.html"
KPI_FORM = "plans/tracking/kpi_form.html"
COMPETITORS = "plans/tracking/competitors.html"
COMPETITOR_FORM = "plans/tracking/competitor_form.html"
ACTIONS = "plans/tracking/actions.html"
ACTION_FORM = "plans/tracking/action_form.html"
SECTION_HEADINGS = {
    "kpis": _lazy("KPIs"),
    "competitors": _lazy("Competitor map"),
    "actions": _lazy("Action plan"),
}
# The trend shows this many of the newest measurements; the card lists the first few of them.
TREND_POINTS = 24
RECENT_MEASUREMENTS = 3


# Where each object is looked for; every fetch adds visible_to(user), so another rep's ids
# give 404.


def _plans() -> QuerySet[AccountPlan]:
    return AccountPlan.objects.select_related("account")


def _kpis() -> QuerySet[KPI]:
    return KPI.objects.select_related("plan", "plan__account", "goal")


def _measurements() -> QuerySet[KPIMeasurement]:
    return KPIMeasurement.objects.select_related("kpi", "kpi__plan", "kpi__plan__account")


def _competitors() -> QuerySet[CompetitorPosition]:
    return CompetitorPosition.objects.select_related("plan", "plan__account")


def _actions() -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("plan", "plan__account", "owner", "goal")


def _visible(request: HtmxHttpRequest, queryset: QuerySet, pk: int):
    return get_object_or_404(queryset.visible_to(request.user), pk=pk)


# Shared responses


def _section_response(
    request: HtmxHttpRequest, template: str, context: dict, *, section: str, target: bool = False
) -> TemplateResponse:
    """The section as a fragment for htmx, or on its own page.

    With `target`, a form or a button inside the section asked, and the whole section
    replaces itself wherever that request meant to swap.
    """
    context = {"active_nav": "plans", "heading": SECTION_HEADINGS[section], **context}
    swap_onto = f"#{section}" if target and is_fragment(request) else None
    return render_swap(request, template, context, partial=section, target=swap_onto)


def _form_response(
    request: HtmxHttpRequest, template: str, context: dict, *, back: str, crumb: str
) -> TemplateResponse:
    """A form as a fragment, or on a page of its own (under the section `back` names) without
    JavaScript. Errors come back with 200: htmx 2 does not swap error responses by default.
    """
    back_url = reverse(back, args=[context["plan"].pk])
    context = {
        "active_nav": "plans",
        "standalone": not is_fragment(request),
        "back": back_url,
        "crumb": crumb,
        **context,
    }
    return render_page(request, template, context, partial="form")


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, PLAN_CHANGED)


def _url(url_name: str, plan_pk: int, anchor: str) -> str:
    return f"{reverse(url_name, args=[plan_pk])}#{anchor}"


def _plan_of(obj) -> AccountPlan:
    return obj if isinstance(obj, AccountPlan) else obj.plan


def _section_write(request: HtmxHttpRequest, section: str, **flow) -> HttpResponse:
    """A write after which the whole section comes back: adding or deleting a KPI, an action
    or a competitor, or editing a competitor. Without JavaScript, the section's page at the
    item (or at the top, when the item is gone)."""
    url_name, item, respond = SECTIONS[section]

    def redirect(obj, result) -> str:
        anchor = f"{item}-{result.pk}" if getattr(result, "pk", None) else section
        return _url(url_name, _plan_of(obj).pk, anchor)

    def saved(obj, result, notice) -> HttpResponse:
        return _changed(respond(request, _plan_of(obj), target=True))

    return edit_flow(request, redirect=redirect, saved=saved, **flow)


# KPIs


def _measurement_form(kpi: KPI, data=None) -> MeasurementForm:
    # Ids per card: every card on the page carries one of these forms.
    return MeasurementForm(
        data, auto_id=f"kpi-{kpi.pk}-%s", initial={"measured_on": timezone.localdate()}
    )


def _trend(kpi: KPI, newest_first: list[KPIMeasurement]):
    unit = f" {kpi.unit}" if kpi.unit else ""
    points = [
        SparkPoint(
            value=m.value,
            label=f"{formats.date_format(m.measured_on, 'SHORT_DATE_FORMAT')}: "
            f"{format_value(m.value)}{unit}",
        )
        for m in reversed(newest_first)
    ]
    return sparkline_svg(
        points,
        kpi.target,
        width=240,
        height=64,
        aria_label=_("Trend of %(name)s") % {"name": kpi.name},
        target_label=_("Target: %(value)s") % {"value": f"{format_value(kpi.target)}{unit}"},
    )


def _recent_measurements() -> Prefetch:
    newest = KPIMeasurement.objects.order_by("-measured_on")[:TREND_POINTS]
    return Prefetch("measurements", queryset=newest, to_attr="newest_measurements")


def _dress(kpi: KPI, form: MeasurementForm | None = None) -> KPI:
    """What a card shows beyond the KPI's own fields; needs the prefetched measurements."""
    kpi.trend = _trend(kpi, kpi.newest_measurements)
    kpi.recent = kpi.newest_measurements[:RECENT_MEASUREMENTS]
    kpi.measure_form = form or _measurement_form(kpi)
    return kpi


def _kpis_context(
    plan: AccountPlan, *, bound: MeasurementForm | None = None, bound_pk: int | None = None
) -> dict:
    kpis = list(
        plan.kpis.select_related("goal").prefetch_related(_recent_measurements()).order_by("id")
    )
    for kpi in kpis:
        _dress(kpi, bound if kpi.pk == bound_pk else None)
    return {"plan": plan, "kpis": kpis, "today": timezone.localdate()}


def _kpis_response(request: HtmxHttpRequest, plan: AccountPlan, *, target: bool = False):
    return _section_response(request, KPIS, _kpis_context(plan), section="kpis", target=target)


def _kpi_card_response(
    request: HtmxHttpRequest, kpi: KPI, form: MeasurementForm | None = None
) -> TemplateResponse:
    if not is_fragment(request):
        context = _kpis_context(kpi.plan, bound=form, bound_pk=kpi.pk)
        return _section_response(request, KPIS, context, section="kpis")
    kpi = KPI.objects.select_related("goal").prefetch_related(_recent_measurements()).get(pk=kpi.pk)
    context = {"plan": kpi.plan, "kpi": _dress(kpi, form), "today": timezone.localdate()}
    return render_page(request, KPIS, context, partial="kpi_card")


@require_GET
@login_required
def kpi_list(request: HtmxHttpRequest, plan_pk: int) -> TemplateResponse:
    return _kpis_response(request, _visible(request, _plans(), plan_pk))


@require_GET
@login_required
def kpi_card(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _kpi_card_response(request, _visible(request, _kpis(), pk))


def _kpi_form(request: HtmxHttpRequest, plan: AccountPlan, form, kpi=None) -> TemplateResponse:
    heading = _("Edit KPI") if kpi else _("Add a KPI")
    context = {"plan": plan, "form": form, "kpi": kpi, "heading": heading}
    return _form_response(request, KPI_FORM, context, back="plans:kpis", crumb=_("KPIs"))


@require_http_methods(["GET", "POST"])
@login_required
def kpi_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    return _section_write(
        request,
        "kpis",
        queryset=_plans(),
        pk=plan_pk,
        form=lambda plan, data: KPIForm(data, plan=plan),
        save=lambda plan, form: services.kpi_create(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        show=lambda plan, form: _kpi_form(request, plan, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def kpi_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_kpis(),
        pk=pk,
        form=lambda kpi, data: KPIForm(data, instance=kpi, plan=kpi.plan),
        save=lambda kpi, form: services.kpi_update(
            kpi=kpi, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda kpi, _: _url("plans:kpis", kpi.plan_id, f"kpi-{kpi.pk}"),
        saved=lambda kpi, saved, _: _changed(_kpi_card_response(request, saved)),
        # The form keeps what was typed; the card behind it keeps what is saved.
        show=lambda kpi, form: _kpi_form(request, kpi.plan, form, kpi),
    )


@require_POST
@login_required
def kpi_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section_write(
        request,
        "kpis",
        queryset=_kpis(),
        pk=pk,
        save=lambda kpi, form: services.kpi_delete(kpi=kpi, user=request.user, **seen(form)),
        act=Act.DELETE,
    )


@require_POST
@login_required
def measurement_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_kpis(),
        pk=pk,
        form=lambda kpi, data: _measurement_form(kpi, data),
        save=lambda kpi, form: services.kpi_measurement_add(
            kpi=kpi, recorded_by=request.user, **form.cleaned_data
        ),
        redirect=lambda kpi, _: _url("plans:kpis", kpi.plan_id, f"kpi-{kpi.pk}"),
        saved=lambda kpi, *_: _changed(_kpi_card_response(request, kpi)),
        show=lambda kpi, form: _kpi_card_response(request, kpi, form),
    )


@require_POST
@login_required
def measurement_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_measurements(),
        pk=pk,
        save=lambda measurement, form: plan_services.kpi_measurement_delete(
            measurement=measurement, user=request.user, **seen(form)
        ),
        act=Act.DELETE,
        redirect=lambda m, _: _url("plans:kpis", m.kpi.plan_id, f"kpi-{m.kpi_id}"),
        saved=lambda m, *_: _changed(_kpi_card_response(request, m.kpi)),
    )


# Competitor map


def _competitors_context(plan: AccountPlan, **extra) -> dict:
    positions = list(plan.competitors.order_by("-threat_level", "competitor", "id"))
    return {"plan": plan, "competitors": positions, **extra}


def _competitors_response(request: HtmxHttpRequest, plan: AccountPlan, *, target: bool = False):
    context = _competitors_context(plan)
    return _section_response(request, COMPETITORS, context, section="competitors", target=target)


@require_GET
@login_required
def competitor_list(request: HtmxHttpRequest, plan_pk: int) -> TemplateResponse:
    return _competitors_response(request, _visible(request, _plans(), plan_pk))


def _competitor_form(request: HtmxHttpRequest, plan: AccountPlan, form, position=None):
    heading = _("Edit competitor") if position else _("Add a competitor")
    context = {"plan": plan, "form": form, "position": position, "heading": heading}
    crumb = _("Competitor map")
    return _form_response(request, COMPETITOR_FORM, context, back="plans:competitors", crumb=crumb)


@require_http_methods(["GET", "POST"])
@login_required
def competitor_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    return _section_write(
        request,
        "competitors",
        queryset=_plans(),
        pk=plan_pk,
        form=lambda plan, data: CompetitorForm(data, plan=plan),
        save=lambda plan, form: services.competitor_create(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        show=lambda plan, form: _competitor_form(request, plan, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def competitor_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section_write(
        request,
        "competitors",
        queryset=_competitors(),
        pk=pk,
        form=lambda position, data: CompetitorForm(data, instance=position, plan=position.plan),
        save=lambda position, form: services.competitor_update(
            position=position, data=form.cleaned_data, user=request.user
        ),
        show=lambda pos, form: _competitor_form(request, pos.plan, form, pos),
    )


@require_POST
@login_required
def competitor_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section_write(
        request,
        "competitors",
        queryset=_competitors(),
        pk=pk,
        save=lambda position, form: services.competitor_delete(
            position=position, user=request.user, **seen(form)
        ),
        act=Act.DELETE,
    )


# Action plan


def _actions_context(plan: AccountPlan) -> dict:
    items = list(plan.actions.select_related("owner", "goal").order_by("phase", "due_date", "id"))
    by_phase: dict[int, list[ActionItem]] = {value: [] for value in Phase.values}
    for item in items:
        by_phase.setdefault(item.phase, []).append(item)
    phases = [
        {"value": value, "label": label, "items": by_phase[value]} for value, label in Phase.choices
    ]
    return {
        "plan": plan,
        "phases": phases,
        "action_count": len(items),
        "statuses": ActionStatus.choices,
        "today": timezone.localdate(),
    }


def _actions_response(request: HtmxHttpRequest, plan: AccountPlan, *, target: bool = False):
    context = _actions_context(plan)
    return _section_response(request, ACTIONS, context, section="actions", target=target)


def _action_row_response(request: HtmxHttpRequest, action: ActionItem, **extra) -> HttpResponse:
    if not is_fragment(request):
        return _actions_response(request, action.plan)
    context = {
        "plan": action.plan,
        "action": action,
        "statuses": ActionStatus.choices,
        "today": timezone.localdate(),
        **extra,
    }
    return render_page(request, ACTIONS, context, partial="action_row")


@require_GET
@login_required
def action_list(request: HtmxHttpRequest, plan_pk: int) -> TemplateResponse:
    return _actions_response(request, _visible(request, _plans(), plan_pk))


@require_GET
@login_required
def action_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _action_row_response(request, _visible(request, _actions(), pk))


def _new_action_form(request: HtmxHttpRequest, plan: AccountPlan, data) -> ActionForm:
    initial = {"owner": request.user.pk}
    phase = request.GET.get("phase", "")
    if phase.isdigit() and int(phase) in Phase.values:
        initial["phase"] = int(phase)
    return ActionForm(data, plan=plan, initial=initial)


def _action_form(request: HtmxHttpRequest, plan: AccountPlan, form, action=None):
    heading = _("Edit action") if action else _("Add an action")
    context = {"plan": plan, "form": form, "action": action, "heading": heading}
    crumb = _("Action plan")
    return _form_response(request, ACTION_FORM, context, back="plans:action_plan", crumb=crumb)


@require_http_methods(["GET", "POST"])
@login_required
def action_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    return _section_write(
        request,
        "actions",
        queryset=_plans(),
        pk=plan_pk,
        form=lambda plan, data: _new_action_form(request, plan, data),
        save=lambda plan, form: services.action_create(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        show=lambda plan, form: _action_form(request, plan, form),
    )


def _action_saved(request: HtmxHttpRequest, action: ActionItem, moved: bool) -> HttpResponse:
    if moved:
        # The row moves to another phase group, and both counts change.
        return _changed(_actions_response(request, action.plan, target=True))
    return _changed(_action_row_response(request, action))


@require_http_methods(["GET", "POST"])
@login_required
def action_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_actions(),
        pk=pk,
        form=lambda action, data: ActionForm(data, instance=action, plan=action.plan),
        save=lambda action, form: (
            services.action_update(action=action, data=form.cleaned_data, user=request.user),
            "phase" in form.changed_data,
        ),
        redirect=lambda action, _: _url("plans:action_plan", action.plan_id, f"action-{action.pk}"),
        saved=lambda action, result, _: _action_saved(request, *result),
        show=lambda action, form: _action_form(request, action.plan, form, action),
    )


@require_POST
@login_required
def action_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section_write(
        request,
        "actions",
        queryset=_actions(),
        pk=pk,
        save=lambda action, form: services.action_delete(
            action=action, user=request.user, **seen(form)
        ),
        act=Act.DELETE,
    )


@require_POST
@login_required
def action_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_actions(),
        pk=pk,
        form=lambda action, data: ActionStatusForm(data),
        save=lambda action, form: services.action_set_status(
            action=action, status=form.cleaned_data["status"], user=request.user, **seen(form)
        ),
        redirect=lambda action, _: _url("plans:action_plan", action.plan_id, f"action-{action.pk}"),
        saved=lambda action, *_: _changed(_action_row_response(request, action)),
        show=lambda action, form: _action_row_response(
            request, action, status_error=error_text(form)
        ),
    )


@require_POST
@login_required
def action_from_meeting(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A meeting's next step becomes an action of the account's plan; the plan's action plan
    opens at it, so that its owner and due date can be adjusted."""
    return edit_flow(
        request,
        queryset=Meeting.objects.select_related("account", "account__owner"),
        pk=pk,
        save=lambda meeting, form: services.action_from_meeting(meeting=meeting, user=request.user),
        notice=lambda meeting, action: (
            _("The next step is now an action of %(plan)s, due %(when)s. Adjust it if needed.")
            % {
                "plan": action.plan.title,
                "when": formats.date_format(action.due_date, "SHORT_DATE_FORMAT"),
            }
        ),
        redirect=lambda meeting, action: (
            _url("plans:action_plan", action.plan_id, f"action-{action.pk}")
            if action
            else reverse("accounts:detail", args=[meeting.account_id]) + f"#meeting-{meeting.pk}"
        ),
    )


# What a write to each section answers with: its page, the id prefix of its items, and the
# section itself for htmx.
SECTIONS = {
    "kpis": ("plans:kpis", "kpi", _kpis_response),
    "competitors": ("plans:competitors", "competitor", _competitors_response),
    "actions": ("plans:action_plan", "action", _actions_response),
}
