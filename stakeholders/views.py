"""The power map of an account and the engagement strategies of a plan, edited in place.

The account page loads `#power-map` and the plan page `#engagements` through htmx; each URL
here also answers a plain request with a full page, so everything works without JavaScript.
After a save or a delete the whole section comes back, so the map, the risks and the table
never disagree with each other.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from accounts.models import Account
from kam.http import HtmxHttpRequest, is_fragment, render_page
from plans.models import AccountPlan

from . import selectors, services
from .forms import EngagementForm, StakeholderForm
from .models import Stakeholder, StakeholderEngagement

POWER_MAP = "stakeholders/power_map.html"
STAKEHOLDER_FORM = "stakeholders/stakeholder_form.html"
ENGAGEMENTS = "stakeholders/engagements.html"
ENGAGEMENT_FORM = "stakeholders/engagement_form.html"


# Access: every object comes through visible_to(user), so another rep's ids give 404.


def _account(request: HtmxHttpRequest, pk: int) -> Account:
    return get_object_or_404(Account.objects.visible_to(request.user), pk=pk)


def _stakeholder(request: HtmxHttpRequest, pk: int) -> Stakeholder:
    return get_object_or_404(
        Stakeholder.objects.visible_to(request.user).select_related("account"), pk=pk
    )


def _plan(request: HtmxHttpRequest, pk: int) -> AccountPlan:
    return get_object_or_404(
        AccountPlan.objects.visible_to(request.user).select_related("account"), pk=pk
    )


def _engagement(request: HtmxHttpRequest, pk: int) -> StakeholderEngagement:
    return get_object_or_404(
        StakeholderEngagement.objects.visible_to(request.user).select_related(
            "plan", "plan__account", "stakeholder"
        ),
        pk=pk,
    )


def _section(
    request: HtmxHttpRequest, template: str, context: dict, *, section: str
) -> TemplateResponse:
    """The section as a fragment for htmx, or on its page.

    The fragment is the whole section, so a host that targets the section itself gets it
    replaced, whichever swap it declared, rather than nested inside a copy of itself.
    """
    response = render_page(request, template, context, partial=section.replace("-", "_"))
    if is_fragment(request) and request.htmx.target == section:
        reswap(response, "outerHTML")
    return response


# The power map


def _power_map_context(account: Account, **extra) -> dict:
    today = timezone.localdate()
    people = selectors.account_stakeholders(account=account)
    return {
        "account": account,
        "active_nav": "accounts",
        "today": today,
        "stakeholders": people,
        "chart": selectors.power_map_layout(people),
        "risks": selectors.power_map_risks(account, today, stakeholders=people),
        "attitudes": selectors.attitude_legend(),
        "roles": selectors.role_legend(),
        **extra,
    }


def _power_map_response(request: HtmxHttpRequest, account: Account, **extra) -> HttpResponse:
    return _section(request, POWER_MAP, _power_map_context(account, **extra), section="power-map")


@require_GET
@login_required
def power_map(request: HtmxHttpRequest, account_pk: int) -> HttpResponse:
    return _power_map_response(request, _account(request, account_pk))


def _stakeholder_form_response(
    request: HtmxHttpRequest, account: Account, form: StakeholderForm
) -> TemplateResponse:
    # Errors come back with 200: htmx 2 does not swap error responses by default.
    context = {
        "account": account,
        "form": form,
        "stakeholder": form.instance if form.instance.pk else None,
        "active_nav": "accounts",
        "standalone": not is_fragment(request),
    }
    return render_page(request, STAKEHOLDER_FORM, context, partial="form")


def _after_stakeholder_write(
    request: HtmxHttpRequest, account: Account, notice: str
) -> HttpResponse:
    if not is_fragment(request):
        messages.success(request, notice)
        return HttpResponseRedirect(reverse("stakeholders:power_map", args=[account.pk]))
    response = _power_map_response(request, account, notice=notice)
    retarget(response, "#power-map")
    # Show the section from its top, where the notice says what happened.
    return reswap(response, "outerHTML show:top")


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_create(request: HtmxHttpRequest, account_pk: int) -> HttpResponse:
    account = _account(request, account_pk)
    form = StakeholderForm(
        request.POST or None, instance=Stakeholder(account=account), account=account
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.stakeholder_create(account=account, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            notice = _("%(name)s was added.") % {"name": person.name}
            return _after_stakeholder_write(request, account, notice)
    return _stakeholder_form_response(request, account, form)


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = _stakeholder(request, pk)
    account = person.account
    form = StakeholderForm(request.POST or None, instance=person, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_update(stakeholder=person, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
            person.refresh_from_db()
        else:
            notice = _("%(name)s was saved.") % {"name": person.name}
            return _after_stakeholder_write(request, account, notice)
    return _stakeholder_form_response(request, account, form)


@require_POST
@login_required
def stakeholder_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = _stakeholder(request, pk)
    account = person.account
    services.stakeholder_delete(stakeholder=person)
    notice = _("%(name)s was deleted.") % {"name": person.name}
    return _after_stakeholder_write(request, account, notice)


# Engagement strategies of a plan


def _engagements_context(plan: AccountPlan, **extra) -> dict:
    engagements = selectors.plan_engagements(plan=plan)
    return {
        "plan": plan,
        "account": plan.account,
        "active_nav": "plans",
        "engagements": engagements,
        "attitudes": {row["value"]: row for row in selectors.attitude_legend()},
        **extra,
    }


def _engagements_response(request: HtmxHttpRequest, plan: AccountPlan, **extra) -> HttpResponse:
    context = _engagements_context(plan, **extra)
    return _section(request, ENGAGEMENTS, context, section="engagements")


@require_GET
@login_required
def engagements(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    return _engagements_response(request, _plan(request, plan_pk))


def _engagement_form_response(
    request: HtmxHttpRequest, plan: AccountPlan, form: EngagementForm
) -> TemplateResponse:
    context = {
        "plan": plan,
        "account": plan.account,
        "form": form,
        "engagement": form.instance if form.instance.pk else None,
        "active_nav": "plans",
        "standalone": not is_fragment(request),
    }
    return render_page(request, ENGAGEMENT_FORM, context, partial="form")


def _after_engagement_write(
    request: HtmxHttpRequest, plan: AccountPlan, notice: str
) -> HttpResponse:
    if not is_fragment(request):
        messages.success(request, notice)
        return HttpResponseRedirect(reverse("stakeholders:engagements", args=[plan.pk]))
    response = _engagements_response(request, plan, notice=notice)
    retarget(response, "#engagements")
    # Show the section from its top, where the notice says what happened.
    return reswap(response, "outerHTML show:top")


@require_http_methods(["GET", "POST"])
@login_required
def engagement_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    form = EngagementForm(
        request.POST or None,
        instance=StakeholderEngagement(plan=plan),
        plan=plan,
        initial={"owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        stakeholder = data.pop("stakeholder")
        try:
            services.engagement_create(plan=plan, stakeholder=stakeholder, data=data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            notice = _("%(name)s was added to the plan.") % {"name": stakeholder.name}
            return _after_engagement_write(request, plan, notice)
    return _engagement_form_response(request, plan, form)


@require_http_methods(["GET", "POST"])
@login_required
def engagement_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    plan = engagement.plan
    form = EngagementForm(request.POST or None, instance=engagement, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_update(engagement=engagement, data=form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
            engagement.refresh_from_db()
        else:
            notice = _("The strategy for %(name)s was saved.") % {
                "name": engagement.stakeholder.name
            }
            return _after_engagement_write(request, plan, notice)
    return _engagement_form_response(request, plan, form)


@require_POST
@login_required
def engagement_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    plan = engagement.plan
    name = engagement.stakeholder.name
    services.engagement_delete(engagement=engagement)
    notice = _("%(name)s was removed from the plan.") % {"name": name}
    return _after_engagement_write(request, plan, notice)
