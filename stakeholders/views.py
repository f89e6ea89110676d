"""The power map of an account and the engagement strategies of a plan, edited in place.

The account page loads `#power-map` and the plan page `#engagements` through htmx; each URL
here also answers a plain request with a full page, so everything works without JavaScript.
After a save or a delete the whole section comes back, so the map, the risks and the table
never disagree with each other.
"""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from accounts.models import Account
from kam.core.edit import edit_flow, seen
from kam.core.http import HtmxHttpRequest, is_fragment, render_page
from kam.core.rights import Act
from plans import reviews
from plans.models import AccountPlan

from . import selectors, services
from .forms import EngagementForm, StakeholderForm, show_duplicate_confirmation
from .models import Stakeholder, StakeholderEngagement

POWER_MAP = "stakeholders/power_map.html"
STAKEHOLDER_FORM = "stakeholders/stakeholder_form.html"
ENGAGEMENTS = "stakeholders/engagements.html"
ENGAGEMENT_FORM = "stakeholders/engagement_form.html"


# Where each object is looked for; every fetch adds visible_to(user), so another rep's ids
# give 404.


def _accounts() -> QuerySet[Account]:
    return Account.objects.all()


def _stakeholders() -> QuerySet[Stakeholder]:
    return Stakeholder.objects.select_related("account")


def _plans() -> QuerySet[AccountPlan]:
    return AccountPlan.objects.select_related("account")


def _engagements() -> QuerySet[StakeholderEngagement]:
    return StakeholderEngagement.objects.select_related("plan", "plan__account", "stakeholder")


def _visible(request: HtmxHttpRequest, queryset: QuerySet, pk: int):
    return get_object_or_404(queryset.visible_to(request.user), pk=pk)


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
    # Who moved since the last review of any of the account's plans, marked on the map.
    reviewed_on, moves = reviews.stakeholder_moves(account.pk, people)
    for person in people:
        person.moved_since_review = moves.get(person.pk)
    return {
        "reviewed_on": reviewed_on,
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
    return _power_map_response(request, _visible(request, _accounts(), account_pk))


def _stakeholder_form_response(
    request: HtmxHttpRequest, account: Account, form: StakeholderForm
) -> TemplateResponse:
    show_duplicate_confirmation(form)
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
    response = _power_map_response(request, account, notice=notice)
    retarget(response, "#power-map")
    # Show the section from its top, where the notice says what happened.
    return reswap(response, "outerHTML show:top")


def _people_write(
    request: HtmxHttpRequest, *, parent: str, url_name: str, after, form_page, **flow
) -> HttpResponse:
    """A change to the people of an account (its power map) or of a plan (its engagement
    strategies): the whole section comes back, from its top, with what happened; without
    JavaScript, the section's page. `parent` names the account or plan an object belongs to,
    when the object is not that account or plan itself."""

    def owner(obj):
        return getattr(obj, parent, obj)

    return edit_flow(
        request,
        redirect=lambda obj, result: reverse(url_name, args=[owner(obj).pk]),
        saved=lambda obj, result, notice: after(request, owner(obj), notice),
        # A delete has no form to show a refusal on.
        show=(lambda obj, bound: form_page(request, owner(obj), bound)) if "form" in flow else None,
        **flow,
    )


# A write to an account's stakeholders answers with the power map.
_map_write = partial(
    _people_write,
    parent="account",
    url_name="stakeholders:power_map",
    after=_after_stakeholder_write,
    form_page=_stakeholder_form_response,
)


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_create(request: HtmxHttpRequest, account_pk: int) -> HttpResponse:
    return _map_write(
        request,
        queryset=_accounts(),
        pk=account_pk,
        form=lambda account, data: StakeholderForm(
            data, instance=Stakeholder(account=account), account=account
        ),
        save=lambda account, form: services.stakeholder_create(
            account=account, data=form.cleaned_data, user=request.user
        ),
        notice=lambda account, person: _("%(name)s was added.") % {"name": person.name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _map_write(
        request,
        queryset=_stakeholders(),
        pk=pk,
        form=lambda person, data: StakeholderForm(data, instance=person, account=person.account),
        save=lambda person, form: services.stakeholder_update(
            stakeholder=person, data=form.cleaned_data, user=request.user
        ),
        notice=lambda person, saved: _("%(name)s was saved.") % {"name": person.name},
    )


@require_POST
@login_required
def stakeholder_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _map_write(
        request,
        queryset=_stakeholders(),
        pk=pk,
        save=lambda person, form: services.stakeholder_delete(
            stakeholder=person, user=request.user, **seen(form)
        ),
        act=Act.DELETE,
        notice=lambda person, deleted: _("%(name)s was deleted.") % {"name": person.name},
    )


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
    return _engagements_response(request, _visible(request, _plans(), plan_pk))


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
    response = _engagements_response(request, plan, notice=notice)
    retarget(response, "#engagements")
    # Show the section from its top, where the notice says what happened.
    return reswap(response, "outerHTML show:top")


def _engagement_add(plan: AccountPlan, data: dict, user):
    data = dict(data)
    stakeholder = data.pop("stakeholder")
    services.engagement_create(plan=plan, stakeholder=stakeholder, data=data, user=user)
    return stakeholder


# A write to a plan's engagement strategies answers with that section.
_plan_people_write = partial(
    _people_write,
    parent="plan",
    url_name="stakeholders:engagements",
    after=_after_engagement_write,
    form_page=_engagement_form_response,
)


@require_http_methods(["GET", "POST"])
@login_required
def engagement_create(request: HtmxHttpRequest, plan_pk: int) -> HttpResponse:
    return _plan_people_write(
        request,
        queryset=_plans(),
        pk=plan_pk,
        form=lambda plan, data: EngagementForm(
            data,
            instance=StakeholderEngagement(plan=plan),
            plan=plan,
            initial={"owner": request.user.pk},
        ),
        save=lambda plan, form: _engagement_add(plan, form.cleaned_data, request.user),
        notice=lambda plan, person: _("%(name)s was added to the plan.") % {"name": person.name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def engagement_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _plan_people_write(
        request,
        queryset=_engagements(),
        pk=pk,
        form=lambda engagement, data: EngagementForm(
            data, instance=engagement, plan=engagement.plan
        ),
        save=lambda engagement, form: services.engagement_update(
            engagement=engagement, data=form.cleaned_data, user=request.user
        ),
        notice=lambda engagement, saved: (
            _("The strategy for %(name)s was saved.") % {"name": engagement.stakeholder.name}
        ),
    )


@require_POST
@login_required
def engagement_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _plan_people_write(
        request,
        queryset=_engagements(),
        pk=pk,
        save=lambda engagement, form: services.engagement_delete(
            engagement=engagement, user=request.user, **seen(form)
        ),
        act=Act.DELETE,
        notice=lambda engagement, deleted: (
            _("%(name)s was removed from the plan.") % {"name": engagement.stakeholder.name}
        ),
    )
