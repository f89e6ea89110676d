"""The timeline pages: an account's, a plan's and a stakeholder's changes, paged and filtered.

Each is a section the account or plan page loads with htmx, and a page of its own without
JavaScript. What the reader may see decides what they get: another rep's account is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.models import Account
from kam.core.http import HtmxHttpRequest, render_page
from kam.core.models import Change
from plans.models import AccountPlan
from stakeholders.models import Stakeholder

from .timeline import present, timeline

TEMPLATE = "history/timeline.html"
# A person's place in the power map moves with these.
STANDING = ("attitude", "influence", "buying_role")


def _page(request: HtmxHttpRequest, changes, context: dict) -> TemplateResponse:
    found = timeline(
        changes,
        page=request.GET.get("page"),
        person=request.GET.get("person", ""),
        kind=request.GET.get("kind", ""),
    )
    return render_page(request, TEMPLATE, {**context, "timeline": found}, partial="timeline")


@require_GET
@login_required
def account_timeline(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    account = get_object_or_404(Account.objects.visible_to(request.user), pk=pk)
    context = {
        "account": account,
        "active_nav": "accounts",
        "back": reverse("accounts:detail", args=[account.pk]),
        "title": account.name,
        "url": reverse("history:account", args=[account.pk]),
    }
    return _page(request, Change.objects.filter(account_id=account.pk), context)


@require_GET
@login_required
def plan_timeline(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    plan = get_object_or_404(
        AccountPlan.objects.visible_to(request.user).select_related("account"), pk=pk
    )
    context = {
        "plan": plan,
        "active_nav": "plans",
        "back": reverse("plans:detail", args=[plan.pk]),
        "title": plan.title,
        "url": reverse("history:plan", args=[plan.pk]),
    }
    return _page(request, Change.objects.filter(plan_id=plan.pk), context)


@require_GET
@login_required
def stakeholder_standing(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """How a person's attitude, influence and buying role moved, newest first."""
    person = get_object_or_404(Stakeholder.objects.visible_to(request.user), pk=pk)
    changes = list(
        Change.objects.filter(model=Stakeholder._meta.label_lower, object_id=person.pk)
        .select_related("user")
        .order_by("-at", "-id")[:50]
    )
    for change in changes:
        change.fields = [item for item in change.fields if item["field"] in STANDING]
    entries = present([change for change in changes if change.fields])
    context = {"stakeholder": person, "account": person.account, "entries": entries}
    return render_page(request, "history/standing.html", context, partial="standing")
