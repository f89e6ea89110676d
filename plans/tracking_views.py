"""The KPI, competitor map and action plan sections of the account plan page.

The plan page loads each section through htmx (`#kpis`, `#competitors`, `#actions`); every URL
here also answers a plain request with a page of its own, so it all works without JavaScript.
A KPI card or an action row swaps itself by id; adding or deleting brings back the whole
section. Every write tells the page with the `plan-changed` event, which refreshes the plan's
traceability.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms import Form
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from kam.http import HtmxHttpRequest, is_fragment, render_page

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
# The trend shows this many of the newest measurements; the card lists the first few of them.
TREND_POINTS = 24
RECENT_MEASUREMENTS = 3


# Access: every object comes through visible_to(user), so another rep's ids give 404.


def _plan(request: HtmxHttpRequest, pk: int) -> AccountPlan:
    return get_object_or_404(
        AccountPlan.objects.visible_to(request.user).select_related("account"), pk=pk
    )


def _kpi(request: HtmxHttpRequest, pk: int) -> KPI:
    return get_object_or_404(
        KPI.objects.visible_to(request.user).select_related("plan", "plan__account", "goal"),
        pk=pk,
    )


def _measurement(request: HtmxHttpRequest, pk: int) -> KPIMeasurement:
    return get_object_or_404(
        KPIMeasurement.objects.visible_to(request.user).select_related(
            "kpi", "kpi__plan", "kpi__plan__account"
        ),
        pk=pk,
    )


def _competitor(request: HtmxHttpRequest, pk: int) -> CompetitorPosition:
    return get_object_or_404(
        CompetitorPosition.objects.visible_to(request.user).select_related("plan", "plan__account"),
        pk=pk,
    )


def _action(request: HtmxHttpRequest, pk: int) -> ActionItem:
    return get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related(
            "plan", "plan__account", "owner", "goal"
        ),
        pk=pk,
    )


# Shared responses


def _section_response(
    request: HtmxHttpRequest, template: str, context: dict, *, section: str, target: bool = False
) -> TemplateResponse:
    """The section as a fragment for htmx, or on its own page.

    With `target`, a form or a button inside the section asked, and the whole section
    replaces itself wherever that request meant to swap.
    """
    context = {"active_nav": "plans", **context}
    response = render_page(request, template, context, partial=section)
    if target and is_fragment(request):
        retarget(response, f"#{section}")
        reswap(response, "outerHTML")
    return response


def _form_response(request: HtmxHttpRequest, template: str, context: dict) -> TemplateResponse:
    """A form as a fragment, or on a page of its own without JavaScript.

    Errors come back with 200: htmx 2 does not swap error responses by default.
    """
    context = {"active_nav": "plans", "standalone": not is_fragment(request), **context}
    return render_page(request, template, context, partial="form")


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, PLAN_CHANGED)


def _back_to(url_name: str, plan_pk: int, anchor: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(url_name, args=[plan_pk])}#{anchor}")


def _attach(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


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
    return _kpis_response(request, _plan(request, plan_pk))


@require_GET
@login_required
def kpi_card(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _kpi_card_response(request, _kpi(request, pk))


@require_http_methods(["GET", "POST"])
@login_required
def kpi_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    form = KPIForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            kpi = services.kpi_create(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:kpis", plan.pk, f"kpi-{kpi.pk}")
            return _changed(_kpis_response(request, plan, target=True))
    return _form_response(request, KPI_FORM, {"plan": plan, "form": form, "kpi": None})


@require_http_methods(["GET", "POST"])
@login_required
def kpi_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    plan = kpi.plan
    form = KPIForm(request.POST or None, instance=kpi, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            kpi = services.kpi_update(kpi=kpi, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:kpis", plan.pk, f"kpi-{kpi.pk}")
            return _changed(_kpi_card_response(request, kpi))
    if request.method == "POST":
        # The form keeps what was typed; the card behind it keeps what is saved.
        kpi.refresh_from_db()
    return _form_response(request, KPI_FORM, {"plan": plan, "form": form, "kpi": kpi})


@require_POST
@login_required
def kpi_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    plan = kpi.plan
    services.kpi_delete(kpi=kpi)
    if not is_fragment(request):
        return _back_to("plans:kpis", plan.pk, "kpis")
    return _changed(_kpis_response(request, plan, target=True))


@require_POST
@login_required
def measurement_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    form = _measurement_form(kpi, request.POST)
    if form.is_valid():
        try:
            services.kpi_measurement_add(kpi=kpi, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:kpis", kpi.plan_id, f"kpi-{kpi.pk}")
            return _changed(_kpi_card_response(request, kpi))
    return _kpi_card_response(request, kpi, form)


@require_POST
@login_required
def measurement_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    measurement = _measurement(request, pk)
    kpi = measurement.kpi
    plan_services.kpi_measurement_delete(measurement=measurement)
    if not is_fragment(request):
        return _back_to("plans:kpis", kpi.plan_id, f"kpi-{kpi.pk}")
    return _changed(_kpi_card_response(request, kpi))


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
    return _competitors_response(request, _plan(request, plan_pk))


@require_http_methods(["GET", "POST"])
@login_required
def competitor_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    form = CompetitorForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            position = services.competitor_create(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:competitors", plan.pk, f"competitor-{position.pk}")
            return _changed(_competitors_response(request, plan, target=True))
    context = {"plan": plan, "form": form, "position": None}
    return _form_response(request, COMPETITOR_FORM, context)


@require_http_methods(["GET", "POST"])
@login_required
def competitor_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    position = _competitor(request, pk)
    plan = position.plan
    form = CompetitorForm(request.POST or None, instance=position, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.competitor_update(position=position, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:competitors", plan.pk, f"competitor-{position.pk}")
            return _changed(_competitors_response(request, plan, target=True))
    if request.method == "POST":
        position.refresh_from_db()
    context = {"plan": plan, "form": form, "position": position}
    return _form_response(request, COMPETITOR_FORM, context)


@require_POST
@login_required
def competitor_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    position = _competitor(request, pk)
    plan = position.plan
    services.competitor_delete(position=position)
    if not is_fragment(request):
        return _back_to("plans:competitors", plan.pk, "competitors")
    return _changed(_competitors_response(request, plan, target=True))


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
    return _actions_response(request, _plan(request, plan_pk))


@require_GET
@login_required
def action_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _action_row_response(request, _action(request, pk))


@require_http_methods(["GET", "POST"])
@login_required
def action_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    initial = {"owner": request.user.pk}
    phase = request.GET.get("phase", "")
    if phase.isdigit() and int(phase) in Phase.values:
        initial["phase"] = int(phase)
    form = ActionForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:action_plan", plan.pk, f"action-{action.pk}")
            return _changed(_actions_response(request, plan, target=True))
    return _form_response(request, ACTION_FORM, {"plan": plan, "form": form, "action": None})


@require_http_methods(["GET", "POST"])
@login_required
def action_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    plan = action.plan
    phase_before = action.phase
    form = ActionForm(request.POST or None, instance=action, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_update(action=action, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            if not is_fragment(request):
                return _back_to("plans:action_plan", plan.pk, f"action-{action.pk}")
            if action.phase != phase_before:
                # The row moves to another phase group, and both counts change.
                return _changed(_actions_response(request, plan, target=True))
            return _changed(_action_row_response(request, action))
    if request.method == "POST":
        action.refresh_from_db()
    return _form_response(request, ACTION_FORM, {"plan": plan, "form": form, "action": action})


@require_POST
@login_required
def action_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    plan = action.plan
    services.action_delete(action=action)
    if not is_fragment(request):
        return _back_to("plans:action_plan", plan.pk, "actions")
    return _changed(_actions_response(request, plan, target=True))


@require_POST
@login_required
def action_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        try:
            services.action_set_status(action=action, status=form.cleaned_data["status"])
        except ValidationError as exc:
            action.refresh_from_db()
            return _action_row_response(request, action, status_error=" ".join(exc.messages))
        if not is_fragment(request):
            return _back_to("plans:action_plan", action.plan_id, f"action-{action.pk}")
        return _changed(_action_row_response(request, action))
    error = " ".join(form.errors.get("status", []))
    return _action_row_response(request, action, status_error=error)
