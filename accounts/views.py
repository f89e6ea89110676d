"""The key accounts list and the account page, whose sections are edited in place.

Every section is a named partial of accounts/detail.html. An htmx request gets the fragment,
a plain request the whole page, so each URL here also works without JavaScript. Forms that
fail come back with 200 and the errors beside the fields: htmx 2 does not swap 4xx responses.
"""

from __future__ import annotations

from django.contrib import messages
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
from django_htmx.http import reswap, retarget

from kam.http import HtmxHttpRequest, is_fragment, render_page

from . import selectors, services
from .forms import (
    AccountForm,
    ContractForm,
    MeetingForm,
    OpportunityForm,
    OpportunityStageForm,
    TeamMemberForm,
)
from .models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Industry,
    Opportunity,
    OpportunityStage,
    Tier,
)

PAGE_SIZE = 25
MEETINGS_PER_PAGE = 10
DETAIL = "accounts/detail.html"
ADD_FORM = "accounts/add_form.html"


# Access: every object comes through visible_to(user), so another rep's ids give 404.


def _account(request: HtmxHttpRequest, pk: int) -> Account:
    try:
        return selectors.account_for_page(user=request.user, pk=pk)
    except Account.DoesNotExist as exc:
        raise Http404 from exc


def _team_member(request: HtmxHttpRequest, pk: int) -> AccountTeamMember:
    return get_object_or_404(
        AccountTeamMember.objects.visible_to(request.user).select_related(
            "account", "account__owner", "user"
        ),
        pk=pk,
    )


def _opportunity(request: HtmxHttpRequest, pk: int) -> Opportunity:
    return get_object_or_404(
        Opportunity.objects.visible_to(request.user).select_related(
            "account", "account__owner", "owner"
        ),
        pk=pk,
    )


# The accounts list


def _list_filters(request: HtmxHttpRequest) -> dict:
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "tier": request.GET.get("tier", ""),
        "status": request.GET.get("status", ""),
        "owner": request.GET.get("owner", ""),
        "industry": request.GET.get("industry", ""),
    }


def _sort_links(request: HtmxHttpRequest, sort: str) -> dict:
    """Column headers: a click sorts by the column, a second click reverses it."""
    links = {}
    # Numbers and dates read best from the largest or newest first.
    first_descending = {"priority_score", "updated_at"}
    for key, label in selectors.SORT_LABELS.items():
        active = sort.lstrip("-") == key
        descending = active and sort.startswith("-")
        if active:
            target = key if descending else f"-{key}"
        else:
            target = f"-{key}" if key in first_descending else key
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = target
        links[key] = {
            "key": key,
            "label": label,
            "url": f"{reverse('accounts:list')}?{params.urlencode()}",
            "active": active,
            "descending": descending,
        }
    return links


@require_GET
@login_required
def account_list(request: HtmxHttpRequest) -> TemplateResponse:
    filters = _list_filters(request)
    sort = selectors.clean_sort(request.GET.get("sort", ""))
    accounts = selectors.account_list(
        user=request.user,
        search=filters["q"],
        tier=filters["tier"],
        status=filters["status"],
        owner=filters["owner"],
        industry=filters["industry"],
        sort=sort,
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    page.object_list = selectors.add_list_columns(list(page.object_list))
    for account in page.object_list:
        selectors.with_quadrant_label(account)
        deadline = account.next_renewal_deadline
        account.renewal_soon = (
            deadline is not None and (deadline - today).days <= selectors.RENEWAL_WARNING_DAYS
        )
    context = {
        "active_nav": "accounts",
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "sort": sort,
        "sort_links": _sort_links(request, sort),
        "tiers": Tier.choices,
        "statuses": AccountStatus.choices,
        "industries": Industry.choices,
        "owners": SimpleLazyObject(lambda: list(selectors.account_owners(user=request.user))),
    }
    return render_page(request, "accounts/list.html", context, partial="table")


@require_http_methods(["GET", "POST"])
@login_required
def account_create(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    owners = selectors.owner_choices(user=user)
    form = AccountForm(
        request.POST or None,
        owners=owners,
        rep_only=not user.sees_whole_portfolio,
        initial={"owner": user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            messages.success(request, _("Account “%(name)s” created.") % {"name": account.name})
            return HttpResponseRedirect(reverse("accounts:detail", args=[account.pk]))
    return TemplateResponse(
        request, "accounts/create.html", {"active_nav": "accounts", "form": form}
    )


# The account page


def _page_context(request: HtmxHttpRequest, account: Account, **extra) -> dict:
    """Everything the account page shows, evaluated only where a rendered section reads it."""
    today = timezone.localdate()
    meetings_page = request.GET.get("meetings_page") if request.method == "GET" else None
    return {
        "account": account,
        "active_nav": "accounts",
        "today": today,
        "renewal_warning_days": selectors.RENEWAL_WARNING_DAYS,
        "health": SimpleLazyObject(lambda: selectors.account_health(account, today)),
        "team": SimpleLazyObject(lambda: selectors.account_team(account=account)),
        "contracts": SimpleLazyObject(
            lambda: selectors.account_contracts(account=account, today=today)
        ),
        "opportunities": SimpleLazyObject(lambda: selectors.account_opportunities(account=account)),
        "plans": SimpleLazyObject(lambda: selectors.account_plans(account=account)),
        "meetings": SimpleLazyObject(
            lambda: Paginator(
                selectors.account_meetings(account=account), MEETINGS_PER_PAGE
            ).get_page(meetings_page)
        ),
        "stages": OpportunityStage.choices,
        "team_form": TeamMemberForm(candidates=selectors.team_candidates(account=account)),
        **extra,
    }


def _section(request: HtmxHttpRequest, account: Account, partial: str, **extra) -> HttpResponse:
    return render_page(request, DETAIL, _page_context(request, account, **extra), partial=partial)


def _saved(
    request: HtmxHttpRequest,
    account: Account,
    partial: str,
    *,
    anchor: str,
    notice: str,
    target: str | None = None,
    also: tuple[str, ...] = (),
    **extra,
) -> HttpResponse:
    """After a successful write: the updated section in place, or back to the page.

    `target` moves the swap from the form to the section it belongs to; `also` adds other
    sections out of band when the write changed what they show.
    """
    if not is_fragment(request):
        messages.success(request, notice)
        return HttpResponseRedirect(f"{reverse('accounts:detail', args=[account.pk])}#{anchor}")
    context = _page_context(request, account, notice=notice, **extra)
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
    return response


def _form_page(request: HtmxHttpRequest, template: str, context: dict) -> TemplateResponse:
    """A form as a fragment for htmx, or on a page of its own without JavaScript."""
    context = {"active_nav": "accounts", "standalone": not is_fragment(request), **context}
    return render_page(request, template, context, partial="form")


@require_GET
@login_required
def account_detail(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    account = _account(request, pk)
    return render_page(request, DETAIL, _page_context(request, account), partial="page")


@require_GET
@login_required
def account_summary(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "summary")


@require_http_methods(["GET", "POST"])
@login_required
def account_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    user = request.user
    form = AccountForm(
        request.POST or None,
        instance=account,
        owners=selectors.owner_choices(user=user, account=account),
        rep_only=not user.sees_whole_portfolio,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.account_update(account=account, user=user, data=form.cleaned_data)
            except ValidationError as exc:
                form.attach_errors(exc)
            else:
                account = _account(request, pk)
                return _saved(
                    request,
                    account,
                    "summary",
                    anchor="summary",
                    notice=_("Account saved."),
                    also=("header",),
                )
        # The form holds the user's input; the page behind it keeps what is really saved.
        account = _account(request, pk)
    return _form_page(request, "accounts/edit.html", {"account": account, "form": form})


@require_GET
@login_required
def account_health(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "health")


# The account team


@require_GET
@login_required
def team(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "team")


@require_POST
@login_required
def team_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = TeamMemberForm(request.POST, candidates=selectors.team_candidates(account=account))
    if form.is_valid():
        try:
            member = services.team_member_add(
                account=account, member=form.cleaned_data["user"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            form.add_error("user", exc.messages)
        else:
            return _saved(
                request,
                account,
                "team",
                anchor="team",
                notice=_("%(name)s joined the account team.") % {"name": member.user},
            )
    return _section(request, account, "team", team_form=form)


@require_POST
@login_required
def team_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    team_member = _team_member(request, pk)
    account = _account(request, team_member.account_id)
    name = str(team_member.user)
    services.team_member_remove(team_member=team_member)
    return _saved(
        request,
        account,
        "team",
        anchor="team",
        notice=_("%(name)s left the account team.") % {"name": name},
    )


# Contracts, opportunities and meetings: an add form in a slot of the section.


def _add_form(
    request: HtmxHttpRequest, account: Account, form, *, kind: str, heading: str
) -> TemplateResponse:
    context = {
        "account": account,
        "form": form,
        "kind": kind,
        "heading": heading,
        "post_url": reverse(f"accounts:{kind}_add", args=[account.pk]),
        "section": {"contract": "contracts", "opportunity": "opportunities"}.get(kind, "meetings"),
    }
    return _form_page(request, ADD_FORM, context)


@require_GET
@login_required
def contracts(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "contracts")


@require_http_methods(["GET", "POST"])
@login_required
def contract_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = ContractForm(request.POST or None, initial={"currency": account.revenue_currency})
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(account=account, **form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(
                request,
                account,
                "contracts",
                anchor=f"contract-{contract.pk}",
                target="#contracts",
                also=("health",),
                notice=_("Contract %(number)s added.") % {"number": contract.number},
            )
    return _add_form(request, account, form, kind="contract", heading=_("Add a contract"))


@require_GET
@login_required
def opportunities(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "opportunities")


@require_http_methods(["GET", "POST"])
@login_required
def opportunity_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    owners = selectors.account_people(account=account)
    default_owner = (
        request.user.pk if owners.filter(pk=request.user.pk).exists() else account.owner_id
    )
    form = OpportunityForm(
        request.POST or None,
        owners=owners,
        initial={"owner": default_owner, "currency": account.revenue_currency},
    )
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(account=account, **form.cleaned_data)
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(
                request,
                account,
                "opportunities",
                anchor=f"opportunity-{opportunity.pk}",
                target="#opportunities",
                notice=_("Opportunity “%(title)s” added.") % {"title": opportunity.title},
            )
    return _add_form(request, account, form, kind="opportunity", heading=_("Add an opportunity"))


@require_GET
@login_required
def opportunity_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    return _section(request, opportunity.account, "opportunity_row", opportunity=opportunity)


@require_POST
@login_required
def opportunity_stage(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    account = opportunity.account
    form = OpportunityStageForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_set_stage(
                opportunity=opportunity, stage=form.cleaned_data["stage"]
            )
        except ValidationError as exc:
            opportunity.refresh_from_db()
            stage_error = " ".join(exc.messages)
        else:
            return _saved(
                request,
                account,
                "opportunity_row",
                anchor=f"opportunity-{opportunity.pk}",
                notice=_("Stage of “%(title)s” changed to %(stage)s.")
                % {"title": opportunity.title, "stage": opportunity.get_stage_display()},
                opportunity=opportunity,
            )
    else:
        stage_error = _("Choose one of the stages in the list.")
    return _section(
        request, account, "opportunity_row", opportunity=opportunity, stage_error=stage_error
    )


@require_GET
@login_required
def account_plans(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "plans")


@require_GET
@login_required
def meetings(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "meetings")


@require_http_methods(["GET", "POST"])
@login_required
def meeting_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = MeetingForm(
        request.POST or None,
        stakeholders=selectors.account_stakeholders_for_meetings(account=account),
        users=selectors.active_users(),
        initial={"attendees": [request.user.pk]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(
                account=account, recorded_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.attach_errors(exc)
        else:
            return _saved(
                request,
                account,
                "meetings",
                anchor=f"meeting-{meeting.pk}",
                target="#meetings",
                notice=_("Meeting “%(subject)s” recorded.") % {"subject": meeting.subject},
                new_meeting_id=meeting.pk,
            )
    return _add_form(request, account, form, kind="meeting", heading=_("Record a meeting"))
