"""The key accounts list and the account page, whose sections are edited in place.

Every section is a named partial of accounts/detail.html. An htmx request gets the fragment,
a plain request the whole page, so each URL here also works without JavaScript. Forms that
fail come back with 200 and the errors beside the fields: htmx 2 does not swap 4xx responses.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.core.edit import edit_flow, seen
from kam.core.forms import error_text
from kam.core.http import SWAP_OPTIONS, HtmxHttpRequest, is_fragment, render_page, render_swap
from kam.core.models import User
from kam.core.rights import Act

from . import duplicates, health, selectors, services
from .forms import (
    AccountCreateForm,
    AccountForm,
    ContractEditForm,
    ContractForm,
    MeetingForm,
    OpportunityForm,
    OpportunityStageForm,
    PriceReviewForm,
    TeamMemberForm,
)
from .models import (
    Account,
    AccountStatus,
    Contract,
    Industry,
    Meeting,
    Opportunity,
    OpportunityStage,
    Tier,
)

PAGE_SIZE = 25
MEETINGS_PER_PAGE = 10
DETAIL = "accounts/detail.html"
ADD_FORM = "accounts/add_form.html"


# Where each object is looked for; every fetch adds visible_to(user), so another rep's ids
# give 404.


def _account(request: HtmxHttpRequest, pk: int) -> Account:
    try:
        return selectors.account_for_page(user=request.user, pk=pk)
    except Account.DoesNotExist as exc:
        raise Http404 from exc


def _accounts() -> QuerySet[Account]:
    return Account.objects.select_related("owner")


def _opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related("account", "account__owner", "owner")


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

    def show(_, form):
        context = {"active_nav": "accounts", "form": form}
        if form.errors.get(duplicates.DUPLICATE_FIELD):
            found = duplicates.account_duplicates(
                name=form.cleaned_data.get("name", ""),
                website=form.cleaned_data.get("website", ""),
                corporate_number=form.cleaned_data.get("corporate_number", ""),
            )
            visible = duplicates.seen_by(found, user)
            context["duplicates"] = list(visible.select_related("owner")[:20])
            context["hidden_duplicates"] = found.count() - visible.count()
        return TemplateResponse(request, "accounts/create.html", context)

    return edit_flow(
        request,
        queryset=None,
        form=lambda _, data: AccountCreateForm(
            data,
            owners=selectors.owner_choices(user=user),
            rep_only=not user.sees_whole_portfolio,
            initial={"owner": user.pk},
        ),
        save=lambda _, form: services.account_create(user=user, **form.cleaned_data),
        notice=lambda parent, account: _("Account “%(name)s” created.") % {"name": account.name},
        redirect=lambda _, account: reverse("accounts:detail", args=[account.pk]),
        show=show,
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
        "health": SimpleLazyObject(lambda: health.account_health(account, today)),
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


def _saved(request: HtmxHttpRequest, account: Account, partial: str, **options) -> HttpResponse:
    """The section a write changed, for htmx, with the notice that says what happened.

    `target` and `also` say where it goes (render_swap); other options are page context.
    """
    swap = {key: options.pop(key) for key in SWAP_OPTIONS if key in options}
    context = _page_context(request, account, **options)
    return render_swap(request, DETAIL, context, partial=partial, **swap)


def _account_url(account_id: int, anchor: str) -> str:
    return f"{reverse('accounts:detail', args=[account_id])}#{anchor}"


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
    user = request.user
    return edit_flow(
        request,
        queryset=_accounts(),
        pk=pk,
        form=lambda account, data: AccountForm(
            data,
            instance=account,
            owners=selectors.owner_choices(user=user, account=account),
            rep_only=not user.sees_whole_portfolio,
        ),
        save=lambda account, form: services.account_update(
            account=account, user=user, data=form.cleaned_data
        ),
        notice=lambda account, saved: _("Account saved."),
        redirect=lambda account, _: _account_url(account.pk, "summary"),
        saved=lambda account, _, notice: _saved(
            request,
            selectors.with_quadrant_label(account),
            "summary",
            notice=notice,
            also=("header",),
        ),
        # The form holds the user's input; the page behind it keeps what is really saved.
        show=lambda account, form: _form_page(
            request,
            "accounts/edit.html",
            {"account": selectors.with_quadrant_label(account), "form": form},
        ),
    )


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
    return edit_flow(
        request,
        queryset=_accounts(),
        pk=pk,
        form=lambda account, data: TeamMemberForm(
            data, candidates=selectors.team_candidates(account=account)
        ),
        save=lambda account, form: services.team_member_add(
            account=account,
            member=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            user=request.user,
        ),
        act=Act.TEAM,
        notice=lambda account, member: (
            _("%(name)s joined the account team.") % {"name": member.user}
        ),
        redirect=lambda account, _: _account_url(account.pk, "team"),
        saved=lambda account, _, notice: _saved(request, account, "team", notice=notice),
        show=lambda account, form: _section(request, account, "team", team_form=form),
    )


@require_POST
@login_required
def team_remove(request: HtmxHttpRequest, pk: int, user_pk: int) -> HttpResponse:
    # Named by account and person, so that removing someone already removed (by a colleague,
    # a moment ago) is said plainly rather than a 404.
    member = get_object_or_404(User, pk=user_pk)
    return edit_flow(
        request,
        queryset=_accounts(),
        pk=pk,
        save=lambda account, _: services.team_member_remove(
            account=account, member=member, user=request.user
        ),
        notice=lambda account, removed: (
            (
                _("%(name)s left the account team.")
                if removed
                else _("%(name)s was no longer on the account team.")
            )
            % {"name": member}
        ),
        redirect=lambda account, _: _account_url(account.pk, "team"),
        saved=lambda account, _, notice: _saved(
            request, _account(request, account.pk), "team", notice=notice
        ),
        act=Act.TEAM,
    )


# Contracts, opportunities and meetings: an add form in a slot of the section.


def _add_form(
    request: HtmxHttpRequest,
    account: Account,
    form,
    *,
    kind: str,
    heading: str,
    post_url: str = "",
) -> TemplateResponse:
    """The form of a contract, an opportunity or a meeting, in the slot at the top of its
    section: to add one, or (with the item's `post_url`) to edit one."""
    context = {
        "account": account,
        "form": form,
        "kind": kind,
        "heading": heading,
        "post_url": post_url or reverse(f"accounts:{kind}_add", args=[account.pk]),
        "section": SECTION_OF[kind],
    }
    return _form_page(request, ADD_FORM, context)


SECTION_OF = {"contract": "contracts", "opportunity": "opportunities", "meeting": "meetings"}


def _item_write(request: HtmxHttpRequest, kind: str, **flow) -> HttpResponse:
    """An edit or a delete of a contract, an opportunity or a meeting: its section comes
    back whole, with what happened; without JavaScript, the account page at the section."""
    section = SECTION_OF[kind]
    return edit_flow(
        request,
        redirect=lambda item, _: _account_url(item.account_id, section),
        saved=lambda item, _, notice: _saved(
            request,
            _account(request, item.account_id),
            section,
            notice=notice,
            target=f"#{section}",
            also=("health",) if kind == "contract" else (),
        ),
        **flow,
    )


def _contracts() -> QuerySet[Contract]:
    return Contract.objects.select_related("account", "account__owner")


def _meetings() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("account", "account__owner")


@require_GET
@login_required
def contracts(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "contracts")


@require_http_methods(["GET", "POST"])
@login_required
def contract_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_accounts(),
        pk=pk,
        form=lambda account, data: ContractForm(
            data, initial={"currency": account.revenue_currency}
        ),
        save=lambda account, form: services.contract_create(
            account=account, user=request.user, **form.cleaned_data
        ),
        notice=lambda account, contract: (
            _("Contract %(number)s added.") % {"number": contract.number}
        ),
        redirect=lambda account, contract: _account_url(account.pk, f"contract-{contract.pk}"),
        saved=lambda account, _, notice: _saved(
            request, account, "contracts", notice=notice, target="#contracts", also=("health",)
        ),
        show=lambda account, form: _add_form(
            request, account, form, kind="contract", heading=_("Add a contract")
        ),
    )


@require_GET
@login_required
def opportunities(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _section(request, _account(request, pk), "opportunities")


def _new_opportunity_form(request: HtmxHttpRequest, account: Account, data) -> OpportunityForm:
    owners = selectors.account_people(account=account)
    owner = request.user.pk if owners.filter(pk=request.user.pk).exists() else account.owner_id
    return OpportunityForm(
        data, owners=owners, initial={"owner": owner, "currency": account.revenue_currency}
    )


@require_http_methods(["GET", "POST"])
@login_required
def opportunity_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_accounts(),
        pk=pk,
        form=lambda account, data: _new_opportunity_form(request, account, data),
        save=lambda account, form: services.opportunity_create(
            account=account, user=request.user, **form.cleaned_data
        ),
        notice=lambda account, new: _("Opportunity “%(title)s” added.") % {"title": new.title},
        redirect=lambda account, new: _account_url(account.pk, f"opportunity-{new.pk}"),
        saved=lambda account, _, notice: _saved(
            request, account, "opportunities", notice=notice, target="#opportunities"
        ),
        show=lambda account, form: _add_form(
            request, account, form, kind="opportunity", heading=_("Add an opportunity")
        ),
    )


@require_GET
@login_required
def opportunity_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    opportunity = get_object_or_404(_opportunities().visible_to(request.user), pk=pk)
    return _section(request, opportunity.account, "opportunity_row", opportunity=opportunity)


@require_POST
@login_required
def opportunity_stage(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return edit_flow(
        request,
        queryset=_opportunities(),
        pk=pk,
        form=lambda opportunity, data: OpportunityStageForm(data),
        save=lambda opportunity, form: services.opportunity_set_stage(
            opportunity=opportunity,
            stage=form.cleaned_data["stage"],
            user=request.user,
            **seen(form),
        ),
        notice=lambda opportunity, saved: (
            _("Stage of “%(title)s” changed to %(stage)s.")
            % {"title": opportunity.title, "stage": opportunity.get_stage_display()}
        ),
        redirect=lambda opp, _: _account_url(opp.account_id, f"opportunity-{opp.pk}"),
        saved=lambda opp, _, notice: _saved(
            request, opp.account, "opportunity_row", notice=notice, opportunity=opp
        ),
        show=lambda opp, form: _section(
            request, opp.account, "opportunity_row", opportunity=opp, stage_error=error_text(form)
        ),
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
    return edit_flow(
        request,
        queryset=_accounts(),
        pk=pk,
        form=lambda account, data: MeetingForm(
            data,
            stakeholders=selectors.account_stakeholders_for_meetings(account=account),
            users=selectors.meeting_attendee_choices(),
            initial={"attendees": [request.user.pk]},
        ),
        save=lambda account, form: services.meeting_record(
            account=account, recorded_by=request.user, **form.cleaned_data
        ),
        notice=lambda account, meeting: (
            _("Meeting “%(subject)s” recorded.") % {"subject": meeting.subject}
        ),
        redirect=lambda account, meeting: _account_url(account.pk, f"meeting-{meeting.pk}"),
        saved=lambda account, meeting, notice: _saved(
            request,
            account,
            "meetings",
            notice=notice,
            target="#meetings",
            new_meeting_id=meeting.pk,
        ),
        show=lambda account, form: _add_form(
            request, account, form, kind="meeting", heading=_("Record a meeting")
        ),
    )


# Correcting the records: edit and delete contracts, opportunities and meetings.


@require_http_methods(["GET", "POST"])
@login_required
def contract_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _item_write(
        request,
        "contract",
        queryset=_contracts(),
        pk=pk,
        form=lambda contract, data: ContractEditForm(data, instance=contract),
        save=lambda contract, form: services.contract_update(
            contract=contract, data=form.cleaned_data, user=request.user
        ),
        notice=lambda contract, saved: _("Contract %(number)s saved.") % {"number": saved.number},
        show=lambda contract, form: _add_form(
            request,
            contract.account,
            form,
            kind="contract",
            heading=_("Edit contract %(number)s") % {"number": contract.number},
            post_url=reverse("accounts:contract_edit", args=[contract.pk]),
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def contract_price_review(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _item_write(
        request,
        "contract",
        queryset=_contracts(),
        pk=pk,
        form=lambda contract, data: PriceReviewForm.for_contract(contract, data),
        save=lambda contract, form: services.contract_record_price_review(
            contract=contract, user=request.user, **form.cleaned_data
        ),
        notice=lambda contract, saved: (
            _("Price review of %(number)s recorded; the next one is due on %(when)s.")
            % {
                "number": saved.number,
                "when": formats.date_format(saved.next_price_review_date, "SHORT_DATE_FORMAT"),
            }
        ),
        show=lambda contract, form: _add_form(
            request,
            contract.account,
            form,
            kind="contract",
            heading=_("Record the price review of %(number)s") % {"number": contract.number},
            post_url=reverse("accounts:contract_price_review", args=[contract.pk]),
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def opportunity_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _item_write(
        request,
        "opportunity",
        queryset=_opportunities(),
        pk=pk,
        form=lambda opp, data: OpportunityForm(
            data,
            instance=opp,
            owners=selectors.account_people(account=opp.account, keep=opp.owner_id),
        ),
        save=lambda opp, form: services.opportunity_update(
            opportunity=opp, data=form.cleaned_data, user=request.user
        ),
        notice=lambda opp, saved: _("Opportunity “%(title)s” saved.") % {"title": saved.title},
        show=lambda opp, form: _add_form(
            request,
            opp.account,
            form,
            kind="opportunity",
            heading=_("Edit opportunity"),
            post_url=reverse("accounts:opportunity_edit", args=[opp.pk]),
        ),
    )


@require_POST
@login_required
def opportunity_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _item_write(
        request,
        "opportunity",
        queryset=_opportunities(),
        pk=pk,
        save=lambda opp, form: services.opportunity_delete(
            opportunity=opp, user=request.user, **seen(form)
        ),
        notice=lambda opp, deleted: _("Opportunity “%(title)s” deleted.") % {"title": opp.title},
        act=Act.DELETE,
    )


@require_http_methods(["GET", "POST"])
@login_required
def meeting_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _item_write(
        request,
        "meeting",
        queryset=_meetings(),
        pk=pk,
        form=lambda meeting, data: MeetingForm(
            data,
            instance=meeting,
            stakeholders=selectors.account_stakeholders_for_meetings(account=meeting.account),
            users=selectors.meeting_attendee_choices(meeting=meeting),
        ),
        save=lambda meeting, form: services.meeting_update(
            meeting=meeting, data=form.cleaned_data, user=request.user
        ),
        notice=lambda meeting, saved: (
            _("Meeting “%(subject)s” saved.") % {"subject": saved.subject}
        ),
        show=lambda meeting, form: _add_form(
            request,
            meeting.account,
            form,
            kind="meeting",
            heading=_("Edit meeting"),
            post_url=reverse("accounts:meeting_edit", args=[meeting.pk]),
        ),
    )


@require_POST
@login_required
def meeting_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _item_write(
        request,
        "meeting",
        queryset=_meetings(),
        pk=pk,
        save=lambda meeting, form: services.meeting_delete(
            meeting=meeting, user=request.user, **seen(form)
        ),
        notice=lambda meeting, deleted: (
            _("Meeting “%(subject)s” deleted.") % {"subject": meeting.subject}
        ),
        act=Act.DELETE,
    )
