"""The account plan pages: the plans list, a plan's sections edited in place, the print view,
and one's own action items across plans.

Every section is a named partial of plans/detail.html. An htmx request gets the fragment, a
plain request the whole page, so each URL here also works without JavaScript.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from accounts.models import Account
from kam.http import HtmxHttpRequest, render_page

from . import selectors, services
from .forms import (
    CustomerProfileForm,
    GoalForm,
    NeedForm,
    PlanEditForm,
    PlanForm,
    PlanStatusForm,
    ReviewForm,
    ValuePropositionForm,
)
from .models import (
    AccountPlan,
    ActionStatus,
    CustomerNeed,
    Goal,
    PlanStatus,
    ReviewCadence,
)

PAGE_SIZE = 25
DETAIL = "plans/detail.html"
PLAN_CHANGED = "plan-changed"


# Shared helpers


def _plan(request: HtmxHttpRequest, pk: int) -> AccountPlan:
    try:
        return selectors.plan_for_page(user=request.user, pk=pk)
    except AccountPlan.DoesNotExist as exc:
        raise Http404 from exc


def _need(request: HtmxHttpRequest, pk: int) -> CustomerNeed:
    return get_object_or_404(
        CustomerNeed.objects.visible_to(request.user).select_related(
            "plan", "plan__account", "plan__owner"
        ),
        pk=pk,
    )


def _goal(request: HtmxHttpRequest, pk: int) -> Goal:
    return get_object_or_404(
        Goal.objects.visible_to(request.user).select_related(
            "plan", "plan__account", "plan__owner", "need"
        ),
        pk=pk,
    )


def _page_context(request: HtmxHttpRequest, plan: AccountPlan, **extra) -> dict:
    """Everything the plan page shows, evaluated only where a rendered section reads it."""
    return {
        "plan": plan,
        "active_nav": "plans",
        "today": timezone.localdate(),
        "statuses": PlanStatus.choices,
        "reviews": SimpleLazyObject(lambda: selectors.plan_reviews(plan=plan)),
        "needs": SimpleLazyObject(lambda: selectors.plan_needs(plan=plan)),
        "goals": SimpleLazyObject(lambda: selectors.plan_goals(plan=plan)),
        "trace": SimpleLazyObject(lambda: selectors.plan_traceability(plan)),
        **extra,
    }


def _section(
    request: HtmxHttpRequest, plan: AccountPlan, partial: str, **extra
) -> TemplateResponse:
    return render_page(request, DETAIL, _page_context(request, plan, **extra), partial=partial)


def _plan_url(plan_id: int, anchor: str = "") -> str:
    url = reverse("plans:detail", args=[plan_id])
    return f"{url}#{anchor}" if anchor else url


def _saved(
    request: HtmxHttpRequest,
    plan: AccountPlan,
    partial: str,
    *,
    anchor: str,
    target: str | None = None,
    also: tuple[str, ...] = (),
    **extra,
) -> HttpResponse:
    """After a successful write: the updated section in place, or back to the page.

    `target` moves the swap from the form to the section it belongs to; `also` adds other
    sections out of band when the write changed what they show.
    """
    if not request.htmx:
        return HttpResponseRedirect(_plan_url(plan.pk, anchor))
    context = _page_context(request, plan, **extra)
    response = render_page(request, DETAIL, context, partial=partial)
    if target:
        retarget(response, target)
        reswap(response, "outerHTML")
    if also:
        response.render()
        for name in also:
            response.content += render_to_string(
                f"{DETAIL}#{name}", {**context, "oob": True}, request=request
            ).encode()
    return trigger_client_event(response, PLAN_CHANGED)


def _form_page(
    request: HtmxHttpRequest, template: str, context: dict, *, status: int = 200
) -> TemplateResponse:
    """A form as a fragment for htmx, or on a page of its own without JavaScript.

    Errors come back with 200: htmx 2 does not swap error responses by default.
    """
    context = {"active_nav": "plans", "standalone": not request.htmx, **context}
    return render_page(request, template, context, partial="form", status=status)


# Plans list and creation


@require_GET
@login_required
def plan_list(request: HtmxHttpRequest) -> TemplateResponse:
    filters = {
        "status": request.GET.get("status", ""),
        "owner": request.GET.get("owner", ""),
        "q": request.GET.get("q", "").strip(),
    }
    plans = selectors.plan_list(
        user=request.user, status=filters["status"], owner=filters["owner"], search=filters["q"]
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "active_nav": "plans",
        "today": timezone.localdate(),
        "page": page,
        "filters": filters,
        "statuses": PlanStatus.choices,
        "owners": selectors.plan_owners(user=request.user),
    }
    return render_page(request, "plans/list.html", context, partial="table")


def _default_plan_initial(request: HtmxHttpRequest, account: Account) -> dict:
    today = timezone.localdate()
    start, end = services.fiscal_year_bounds(
        day=today, start_month=settings.FISCAL_YEAR_START_MONTH
    )
    return {
        "title": _("%(account)s account plan FY%(year)s")
        % {"account": account.name, "year": start.year},
        "period_start": start,
        "period_end": end,
        "status": PlanStatus.DRAFT,
        "owner": request.user.pk,
        "review_cadence_months": ReviewCadence.QUARTERLY,
        "next_review_date": today + relativedelta(months=ReviewCadence.QUARTERLY),
    }


@require_http_methods(["GET", "POST"])
@login_required
def plan_create(request: HtmxHttpRequest) -> HttpResponse:
    account_id = request.GET.get("account", "")
    visible_accounts = Account.objects.visible_to(request.user)
    if not account_id:
        # Reached from the plans list: choose the account first.
        return TemplateResponse(
            request,
            "plans/create.html",
            {
                "active_nav": "plans",
                "accounts": visible_accounts.order_by("name_kana", "name"),
                "form": None,
            },
        )
    if not account_id.isdigit():
        raise Http404
    account = get_object_or_404(visible_accounts, pk=int(account_id))
    owners = selectors.user_choices_for_account(account_id=account.pk)
    if request.method == "POST":
        form = PlanForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                plan = services.plan_create(account=account, **form.cleaned_data)
            except ValidationError as exc:
                form.attach_errors(exc)
            else:
                url = _plan_url(plan.pk)
                if request.htmx:
                    return HttpResponseClientRedirect(url)
                return HttpResponseRedirect(url)
    else:
        initial = _default_plan_initial(request, account)
        if not owners.filter(pk=request.user.pk).exists():
            initial["owner"] = account.owner_id
        form = PlanForm(initial=initial, owners=owners)
    context = {"active_nav": "plans", "account": account, "form": form}
    return render_page(request, "plans/create.html", context, partial="form")


# The plan page and its header


@require_GET
@login_required
def plan_detail(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    plan = _plan(request, pk)
    return TemplateResponse(request, DETAIL, _page_context(request, plan))


@require_GET
@login_required
def plan_overview(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "overview")


@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    owners = selectors.user_choices_for_account(account_id=plan.account_id)
    form = PlanEditForm(request.POST or None, instance=plan, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
            plan.refresh_from_db()
        else:
            return _saved(request, plan, "overview", anchor="overview")
    elif request.method == "POST":
        plan.refresh_from_db()
    return _form_page(request, "plans/plan_edit.html", {"plan": plan, "form": form})


@require_POST
@login_required
def plan_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = PlanStatusForm(request.POST)
    status_error = ""
    if form.is_valid():
        try:
            services.plan_update(plan=plan, data={"status": form.cleaned_data["status"]})
        except ValidationError as exc:
            plan.refresh_from_db()
            status_error = " ".join(exc.messages)
        else:
            return _saved(request, plan, "overview", anchor="overview")
    else:
        status_error = " ".join(form.errors.get("status", []))
    # Shown beside the status control; the page keeps the status the plan really has.
    return _section(request, plan, "overview", status_error=status_error)


@require_http_methods(["GET", "POST"])
@login_required
def plan_review(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_mark_reviewed(plan=plan, reviewer=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return _saved(
                request, plan, "overview", anchor="overview", target="#overview", reviewed=True
            )
    return _form_page(request, "plans/review_form.html", {"plan": plan, "form": form})


# Value proposition and customer profile: read view, Edit swaps in a form.

TEXT_SECTIONS = {
    "value": (ValuePropositionForm, "plans:value", "plans:value_edit"),
    "profile": (CustomerProfileForm, "plans:profile", "plans:profile_edit"),
}


def _text_section(request: HtmxHttpRequest, pk: int, section: str) -> HttpResponse:
    plan = _plan(request, pk)
    form_class, read_url, edit_url = TEXT_SECTIONS[section]
    form = form_class(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(request, plan, section, anchor=section)
    if request.method == "POST":
        plan.refresh_from_db()
    context = {
        "plan": plan,
        "form": form,
        "section": section,
        "read_url": reverse(read_url, args=[plan.pk]),
        "edit_url": reverse(edit_url, args=[plan.pk]),
        "heading": _("Value proposition") if section == "value" else _("Customer profile"),
    }
    return _form_page(request, "plans/section_form.html", context)


@require_GET
@login_required
def plan_value(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "value")


@require_http_methods(["GET", "POST"])
@login_required
def plan_value_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _text_section(request, pk, "value")


@require_GET
@login_required
def plan_profile(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "profile")


@require_http_methods(["GET", "POST"])
@login_required
def plan_profile_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _text_section(request, pk, "profile")


# Customer issues and needs


@require_GET
@login_required
def need_list(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "needs")


@require_GET
@login_required
def need_row(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    need = _need(request, pk)
    return _section(request, need.plan, "need_row", need=need)


@require_http_methods(["GET", "POST"])
@login_required
def need_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(request, plan, "needs", anchor=f"need-{need.pk}", target="#needs")
    return _form_page(request, "plans/need_form.html", {"plan": plan, "form": form, "need": None})


@require_http_methods(["GET", "POST"])
@login_required
def need_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    plan = need.plan
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(need=need, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            # Goal rows name the need they serve.
            return _saved(
                request, plan, "need_row", anchor=f"need-{need.pk}", also=("goals",), need=need
            )
    return _form_page(request, "plans/need_form.html", {"plan": plan, "form": form, "need": need})


@require_POST
@login_required
def need_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    plan = need.plan
    services.need_delete(need=need)
    return _saved(request, plan, "needs", anchor="needs", target="#needs", also=("goals",))


# SMART goals


@require_GET
@login_required
def goal_list(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "goals")


@require_GET
@login_required
def goal_row(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    goal = _goal(request, pk)
    return _section(request, goal.plan, "goal_row", goal=goal)


@require_http_methods(["GET", "POST"])
@login_required
def goal_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    initial = {"due_date": plan.period_end}
    form = GoalForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(request, plan, "goals", anchor=f"goal-{goal.pk}", target="#goals")
    return _form_page(request, "plans/goal_form.html", {"plan": plan, "form": form, "goal": None})


@require_http_methods(["GET", "POST"])
@login_required
def goal_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk)
    plan = goal.plan
    form = GoalForm(request.POST or None, instance=goal, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_update(goal=goal, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(request, plan, "goal_row", anchor=f"goal-{goal.pk}", goal=goal)
    return _form_page(request, "plans/goal_form.html", {"plan": plan, "form": form, "goal": goal})


@require_POST
@login_required
def goal_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk)
    plan = goal.plan
    services.goal_delete(goal=goal)
    return _saved(request, plan, "goals", anchor="goals", target="#goals")


# Traceability and print


@require_GET
@login_required
def plan_traceability(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "traceability")


@require_GET
@login_required
def plan_print(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    plan = _plan(request, pk)
    document = selectors.plan_document(plan=plan)
    return TemplateResponse(
        request,
        "plans/print.html",
        {"doc": document, "plan": plan, "today": timezone.localdate()},
    )


# One's own action items across plans


@require_GET
@login_required
def my_actions(request: HtmxHttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    status = request.GET.get("status", "")
    due = request.GET.get("due", "all")
    if due not in selectors.ACTION_DUE_CHOICES:
        due = "all"
    items = selectors.my_action_items(user=request.user, today=today, status=status, due=due)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "active_nav": "actions",
        "today": today,
        "page": page,
        "filters": {"status": status, "due": due},
        "statuses": ActionStatus.choices,
        "due_choices": [
            ("all", _("Any due date")),
            ("overdue", _("Overdue")),
            ("week", _("Due this week")),
        ],
    }
    return render_page(request, "plans/actions.html", context, partial="table")
