"""The account plan pages: the plans list, a plan's sections edited in place, the print view,
and one's own action items across plans.

Every section is a named partial of plans/detail.html. An htmx request gets the fragment, a
plain request the whole page, so each URL here also works without JavaScript.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.models import Account
from kam.core import rights
from kam.core.edit import edit_flow, seen
from kam.core.forms import error_text
from kam.core.http import SWAP_OPTIONS, HtmxHttpRequest, render_page, render_swap
from kam.core.rights import Act

from . import copy_forward, reviews, selectors, services
from .forms import (
    CopyForwardForm,
    CustomerProfileForm,
    GoalForm,
    NeedForm,
    PlanEditForm,
    PlanForm,
    PlanStatusForm,
    ReviewForm,
    SignOffForm,
    ValuePropositionForm,
)
from .models import (
    AccountPlan,
    ActionStatus,
    CustomerNeed,
    Goal,
    PlanReview,
    PlanStatus,
    ReviewCadence,
    ReviewSnapshot,
    ReviewState,
)

PAGE_SIZE = 25
DETAIL = "plans/detail.html"
PLAN_CHANGED = "plan-changed"
NEED_FORM = "plans/need_form.html"
GOAL_FORM = "plans/goal_form.html"


# Shared helpers


def _plans() -> QuerySet[AccountPlan]:
    return AccountPlan.objects.select_related("account", "owner")


def _needs() -> QuerySet[CustomerNeed]:
    return CustomerNeed.objects.select_related("plan", "plan__account", "plan__owner")


def _goals() -> QuerySet[Goal]:
    return Goal.objects.select_related("plan", "plan__account", "plan__owner", "need")


def _plan(request: HtmxHttpRequest, pk: int) -> AccountPlan:
    try:
        return selectors.plan_for_page(user=request.user, pk=pk)
    except AccountPlan.DoesNotExist as exc:
        raise Http404 from exc


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
        "sign_off_form": SignOffForm(),
        **extra,
    }


def _section(
    request: HtmxHttpRequest, plan: AccountPlan, partial: str, **extra
) -> TemplateResponse:
    return render_page(request, DETAIL, _page_context(request, plan, **extra), partial=partial)


def _plan_url(plan_id: int, anchor: str = "") -> str:
    url = reverse("plans:detail", args=[plan_id])
    return f"{url}#{anchor}" if anchor else url


def _saved(request: HtmxHttpRequest, plan: AccountPlan, partial: str, **options) -> HttpResponse:
    """The section a write changed, for htmx; the page hears that the plan changed.

    `target` and `also` say where it goes (render_swap); other options are page context.
    """
    swap = {key: options.pop(key) for key in SWAP_OPTIONS if key in options}
    context = _page_context(request, plan, **options)
    response = render_swap(request, DETAIL, context, partial=partial, **swap)
    return trigger_client_event(response, PLAN_CHANGED)


def _form_page(request: HtmxHttpRequest, template: str, context: dict) -> TemplateResponse:
    """A form as a fragment for htmx, or on a page of its own without JavaScript."""
    context = {"active_nav": "plans", "standalone": not request.htmx, **context}
    return render_page(request, template, context, partial="form")


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


def _new_plan_form(request: HtmxHttpRequest, account: Account, data) -> PlanForm:
    owners = selectors.user_choices_for_account(account_id=account.pk)
    if data is not None:
        return PlanForm(data, owners=owners)
    today = timezone.localdate()
    start, end = services.fiscal_year_bounds(
        day=today, start_month=settings.FISCAL_YEAR_START_MONTH
    )
    owner = request.user.pk if owners.filter(pk=request.user.pk).exists() else account.owner_id
    initial = {
        "title": _("%(account)s account plan FY%(year)s")
        % {"account": account.name, "year": start.year},
        "period_start": start,
        "period_end": end,
        "status": PlanStatus.DRAFT,
        "owner": owner,
        "review_cadence_months": ReviewCadence.QUARTERLY,
        "next_review_date": today + relativedelta(months=ReviewCadence.QUARTERLY),
    }
    return PlanForm(initial=initial, owners=owners)


@require_http_methods(["GET", "POST"])
@login_required
def plan_create(request: HtmxHttpRequest) -> HttpResponse:
    account_id = request.GET.get("account", "")
    if not account_id:
        # Reached from the plans list: choose the account first.
        accounts = Account.objects.visible_to(request.user).order_by("name_kana", "name")
        context = {"active_nav": "plans", "accounts": accounts, "form": None}
        return TemplateResponse(request, "plans/create.html", context)
    if not account_id.isdigit():
        raise Http404
    return edit_flow(
        request,
        queryset=Account.objects.all(),
        pk=int(account_id),
        form=lambda account, data: _new_plan_form(request, account, data),
        save=lambda account, form: services.plan_create(
            account=account, user=request.user, **form.cleaned_data
        ),
        redirect=lambda account, plan: _plan_url(plan.pk),
        show=lambda account, form: render_page(
            request,
            "plans/create.html",
            {"active_nav": "plans", "account": account, "form": form},
            partial="form",
        ),
    )


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
    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=lambda plan, data: PlanEditForm(
            data,
            instance=plan,
            owners=selectors.user_choices_for_account(
                account_id=plan.account_id, keep=plan.owner_id
            ),
        ),
        save=lambda plan, form: services.plan_update(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda plan, _: _plan_url(plan.pk, "overview"),
        saved=lambda plan, *_: _saved(request, plan, "overview"),
        show=lambda plan, form: _form_page(
            request, "plans/plan_edit.html", {"plan": plan, "form": form}
        ),
    )


@require_POST
@login_required
def plan_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=lambda plan, data: PlanStatusForm(data),
        save=lambda plan, form: services.plan_update(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        # Archiving and un-archiving are a manager's: the service tells from the status.
        act=None,
        redirect=lambda plan, _: _plan_url(plan.pk, "overview"),
        saved=lambda plan, *_: _saved(request, plan, "overview"),
        # Shown beside the status control; the page keeps the status the plan really has.
        show=lambda plan, form: _section(request, plan, "overview", status_error=error_text(form)),
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_review(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=lambda plan, data: ReviewForm(data),
        save=lambda plan, form: services.plan_mark_reviewed(
            plan=plan, reviewer=request.user, **form.cleaned_data
        ),
        redirect=lambda plan, _: _plan_url(plan.pk, "overview"),
        saved=lambda plan, *_: _saved(request, plan, "overview", target="#overview", reviewed=True),
        show=lambda plan, form: _form_page(
            request,
            "plans/review_form.html",
            {"plan": plan, "form": form, "heading": _("Mark reviewed"), "back": _plan_url(plan.pk)},
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_copy_forward(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    def form(plan, data):
        start, end = copy_forward.next_period(plan)
        initial = {
            "title": copy_forward.default_title(plan, start),
            "period_start": start,
            "period_end": end,
            "owner": plan.owner_id,
            "version": plan.version,
        }
        owners = selectors.user_choices_for_account(account_id=plan.account_id, keep=plan.owner_id)
        return CopyForwardForm(data, initial=initial, owners=owners)

    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=form,
        save=lambda plan, form: copy_forward.plan_copy_forward(
            plan=plan, user=request.user, **form.cleaned_data
        ),
        notice=lambda plan, new: (
            _(
                "“%(new)s” starts from “%(old)s”, which is now archived. Check the goals' due "
                "dates and the open actions."
            )
            % {"new": new.title, "old": plan.title}
        ),
        redirect=lambda plan, new: _plan_url(new.pk),
        show=lambda plan, form: _form_page(
            request,
            "plans/copy_forward.html",
            {
                "plan": plan,
                "form": form,
                "back": _plan_url(plan.pk),
                "heading": _("Copy forward to a new period"),
                "carried": copy_forward.what_is_carried(plan),
            },
        ),
        act=Act.COPY,
    )


# Sign-off and "what changed"


def _reviews() -> QuerySet[PlanReview]:
    return PlanReview.objects.select_related("plan", "plan__account", "plan__owner", "approver")


@require_POST
@login_required
def review_sign_off(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_reviews(),
        pk=pk,
        form=lambda review, data: SignOffForm(data),
        save=lambda review, form: services.review_decide(
            review=review,
            user=request.user,
            approve=form.cleaned_data["decision"] == SignOffForm.APPROVE,
            comment=form.cleaned_data["comment"],
        ),
        notice=lambda review, decided: decided.get_state_display(),
        # Signed off from the "what changed" page (a plain form): back to it.
        redirect=lambda review, _: (
            reverse("plans:changes", args=[review.plan_id])
            if request.POST.get("next") == "changes"
            else _plan_url(review.plan_id, "overview")
        ),
        saved=lambda review, *_: _saved(request, review.plan, "overview"),
        show=lambda review, form: _section(request, review.plan, "overview", sign_off_form=form),
        # The manager it went to decides; the service asks (kam.core.rights.sign_off_refusal).
        act=None,
    )


@require_GET
@login_required
def plan_changes(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """What changed: between a review and now, or between two reviews."""
    plan = _plan(request, pk)
    frozen = selectors.plan_reviews(plan=plan)
    frozen = [review for review in frozen if review.frozen]
    by_id = {str(review.pk): review for review in frozen}
    before = by_id.get(request.GET.get("from", "")) or (frozen[0] if frozen else None)
    after = by_id.get(request.GET.get("to", ""))
    if after is not None and before is not None and after.reviewed_on < before.reviewed_on:
        before, after = after, before
    # The review waiting for sign-off, and the one before it: what the meeting compares.
    latest = selectors.latest_review(plan=plan)
    waiting = latest if latest is not None and latest.state == ReviewState.SUBMITTED else None
    may_sign_off = waiting is not None and rights.sign_off_refusal(request.user, waiting) is None
    previous = frozen[1] if waiting is not None and len(frozen) > 1 else None
    context = {
        "plan": plan,
        "active_nav": "plans",
        "reviews": frozen,
        "before": before,
        "after": after,
        "comparison": None,
        "empty_reason": reviews.empty_comparison_reason(latest),
        "waiting": waiting,
        "sign_off_form": SignOffForm() if may_sign_off else None,
        "previous": previous,
    }
    if before is not None:
        old = ReviewSnapshot.objects.get(review=before).data
        new = (
            ReviewSnapshot.objects.get(review=after).data if after else reviews.build_snapshot(plan)
        )
        context["comparison"] = reviews.compare(old, new)
    return TemplateResponse(request, "plans/changes.html", context)


# Value proposition and customer profile: read view, Edit swaps in a form.

TEXT_SECTIONS = {
    "value": (ValuePropositionForm, "plans:value", "plans:value_edit"),
    "profile": (CustomerProfileForm, "plans:profile", "plans:profile_edit"),
}


def _text_section(request: HtmxHttpRequest, pk: int, section: str) -> HttpResponse:
    form_class, read_url, edit_url = TEXT_SECTIONS[section]
    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=lambda plan, data: form_class(data, instance=plan),
        save=lambda plan, form: services.plan_update(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda plan, _: _plan_url(plan.pk, section),
        saved=lambda plan, *_: _saved(request, plan, section),
        show=lambda plan, form: _form_page(
            request,
            "plans/section_form.html",
            {
                "plan": plan,
                "form": form,
                "section": section,
                "read_url": reverse(read_url, args=[plan.pk]),
                "edit_url": reverse(edit_url, args=[plan.pk]),
                "heading": _("Value proposition") if section == "value" else _("Customer profile"),
            },
        ),
    )


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


def _need_form(request: HtmxHttpRequest, plan: AccountPlan, form, need=None) -> TemplateResponse:
    heading = _("Edit need") if need else _("Add a customer need")
    back = _plan_url(plan.pk, "needs")
    context = {"plan": plan, "form": form, "need": need, "heading": heading, "back": back}
    return _form_page(request, NEED_FORM, context)


@require_GET
@login_required
def need_list(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "needs")


@require_GET
@login_required
def need_row(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    need = get_object_or_404(_needs().visible_to(request.user), pk=pk)
    return _section(request, need.plan, "need_row", need=need)


@require_http_methods(["GET", "POST"])
@login_required
def need_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=lambda plan, data: NeedForm(data),
        save=lambda plan, form: services.need_create(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda plan, need: _plan_url(plan.pk, f"need-{need.pk}"),
        saved=lambda plan, *_: _saved(request, plan, "needs", target="#needs"),
        show=lambda plan, form: _need_form(request, plan, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def need_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_needs(),
        pk=pk,
        form=lambda need, data: NeedForm(data, instance=need),
        save=lambda need, form: services.need_update(
            need=need, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda need, _: _plan_url(need.plan_id, f"need-{need.pk}"),
        # Goal rows name the need they serve.
        saved=lambda need, *_: _saved(request, need.plan, "need_row", also=("goals",), need=need),
        show=lambda need, form: _need_form(request, need.plan, form, need),
    )


@require_POST
@login_required
def need_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_needs(),
        pk=pk,
        save=lambda need, form: services.need_delete(need=need, user=request.user, **seen(form)),
        act=Act.DELETE,
        redirect=lambda need, _: _plan_url(need.plan_id, "needs"),
        saved=lambda need, *_: _saved(
            request, need.plan, "needs", target="#needs", also=("goals",)
        ),
    )


# SMART goals


def _goal_form(request: HtmxHttpRequest, plan: AccountPlan, form, goal=None) -> TemplateResponse:
    heading = _("Edit SMART goal") if goal else _("Add a SMART goal")
    back = _plan_url(plan.pk, "goals")
    context = {"plan": plan, "form": form, "goal": goal, "heading": heading, "back": back}
    return _form_page(request, GOAL_FORM, context)


@require_GET
@login_required
def goal_list(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    return _section(request, _plan(request, pk), "goals")


@require_GET
@login_required
def goal_row(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    goal = get_object_or_404(_goals().visible_to(request.user), pk=pk)
    return _section(request, goal.plan, "goal_row", goal=goal)


@require_http_methods(["GET", "POST"])
@login_required
def goal_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_plans(),
        pk=pk,
        form=lambda plan, data: GoalForm(data, plan=plan, initial={"due_date": plan.period_end}),
        save=lambda plan, form: services.goal_create(
            plan=plan, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda plan, goal: _plan_url(plan.pk, f"goal-{goal.pk}"),
        saved=lambda plan, *_: _saved(request, plan, "goals", target="#goals"),
        show=lambda plan, form: _goal_form(request, plan, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def goal_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_goals(),
        pk=pk,
        form=lambda goal, data: GoalForm(data, instance=goal, plan=goal.plan),
        save=lambda goal, form: services.goal_update(
            goal=goal, data=form.cleaned_data, user=request.user
        ),
        redirect=lambda goal, _: _plan_url(goal.plan_id, f"goal-{goal.pk}"),
        saved=lambda goal, saved, _: _saved(request, goal.plan, "goal_row", goal=saved),
        show=lambda goal, form: _goal_form(request, goal.plan, form, goal),
    )


@require_POST
@login_required
def goal_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_goals(),
        pk=pk,
        save=lambda goal, form: services.goal_delete(goal=goal, user=request.user, **seen(form)),
        act=Act.DELETE,
        redirect=lambda goal, _: _plan_url(goal.plan_id, "goals"),
        saved=lambda goal, *_: _saved(request, goal.plan, "goals", target="#goals"),
    )


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
