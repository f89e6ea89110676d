"""The renewal pipeline: contracts by renewal deadline, and the decisions taken in place."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.core.charts import Bar, bar_chart_svg
from kam.core.edit import edit_flow
from kam.core.forms import error_text
from kam.core.http import HtmxHttpRequest, render_page
from kam.core.models import User
from kam.core.templatetags.kam import compact_money, money

from . import renewals
from .models import Account, Contract, Tier
from .renewal_forms import CloseForm, RenewForm

PAGE_SIZE = 25
# What a pipeline row shows (renewals/_row.html): not whole accounts and owners.
ROW_FIELDS = (
    "number",
    "title",
    "end_date",
    "notice_period_days",
    "renewal_deadline",
    "auto_renew",
    "annual_value",
    "currency",
    "status",
    "closed_reason",
    "last_price_review_date",
    "account__name",
    "account__owner__username",
    "account__owner__first_name",
    "account__owner__last_name",
    "account__owner__language",
)


def _filters(request: HtmxHttpRequest) -> dict:
    return {
        "owner": request.GET.get("owner", ""),
        "tier": request.GET.get("tier", ""),
        "bucket": request.GET.get("bucket", ""),
    }


@require_GET
@login_required
def pipeline(request: HtmxHttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    filters = _filters(request)
    contracts = renewals.pipeline_contracts(
        user=request.user, owner=filters["owner"], tier=filters["tier"]
    )
    buckets, months = renewals.pipeline_summary(contracts, today)
    base = reverse("renewals:pipeline")
    chart = bar_chart_svg(
        [
            Bar(
                label=date_format(month, "n月" if request.LANGUAGE_CODE == "ja" else "M"),
                value=float(value),
                display=compact_money(value, settings.DEFAULT_CURRENCY) if value else "",
                title=f"{date_format(month, 'Y-m')}: {money(value, settings.DEFAULT_CURRENCY)}",
                href=f"{base}?month={month:%Y-%m}&owner={filters['owner']}&tier={filters['tier']}",
            )
            for month, value in months
        ],
        aria_label=_("Value up for renewal per month"),
    )
    rows = contracts.filter(renewals.bucket_filter(filters["bucket"], today))
    month = request.GET.get("month", "")
    if len(month) == 7 and month[4] == "-" and month.replace("-", "").isdigit():
        year, mon = int(month[:4]), int(month[5:])
        if 1 <= mon <= 12:
            rows = rows.filter(renewal_deadline__year=year, renewal_deadline__month=mon)
    page = Paginator(
        rows.select_related("account", "account__owner")
        .only(*ROW_FIELDS)
        .order_by("renewal_deadline", "id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    for contract in page.object_list:
        contract.price_review_flag = renewals.needs_price_review(contract, today)
        contract.days_left = (contract.renewal_deadline - today).days
        contract.days_overdue = max(0, -contract.days_left)
    # A semi-join: no DISTINCT over every account row.
    owners = User.objects.filter(
        is_active=True, pk__in=Account.objects.order_by().values("owner_id")
    )
    context = {
        "active_nav": "renewals",
        "today": today,
        "filters": filters,
        "month": month,
        "buckets": buckets,
        "chart": chart,
        "months": months,
        "page": page,
        "owners": owners.order_by("last_name", "first_name"),
        "tiers": Tier.choices,
        "currency": settings.DEFAULT_CURRENCY,
    }
    return render_page(request, "renewals/pipeline.html", context, partial="table")


def _contracts() -> QuerySet[Contract]:
    return Contract.objects.select_related("account", "account__owner")


def _row(request: HtmxHttpRequest, contract: Contract, **extra) -> TemplateResponse:
    today = timezone.localdate()
    contract.refresh_from_db()
    contract.price_review_flag = renewals.needs_price_review(contract, today)
    contract.days_left = (contract.renewal_deadline - today).days
    contract.days_overdue = max(0, -contract.days_left)
    return TemplateResponse(
        request, "renewals/_row.html", {"contract": contract, "today": today, **extra}
    )


def _pipeline_url(contract: Contract) -> str:
    return reverse("renewals:pipeline") + f"#contract-row-{contract.pk}"


def _decide(request: HtmxHttpRequest, pk: int, *, save, row, form=None, template=""):
    """A renewal decision on one pipeline row. The row answers for itself (with what `row`
    makes of the decision); a decision that needs details opens its form (`template`) in the
    row's place."""
    return edit_flow(
        request,
        queryset=_contracts(),
        pk=pk,
        form=form,
        save=lambda contract, bound: save(contract, bound.cleaned_data),
        redirect=lambda contract, decided: _pipeline_url(contract),
        saved=lambda contract, decided, notice: _row(request, contract, **row(decided)),
        show=lambda contract, bound: (
            TemplateResponse(request, template, {"contract": contract, "form": bound})
            if template
            else _row(request, contract, error=error_text(bound))
        ),
    )


@require_POST
@login_required
def start_renewal(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        save=lambda contract, data: renewals.contract_start_renewal(
            contract=contract, user=request.user
        ),
        row=lambda started: {},
    )


@require_http_methods(["GET", "POST"])
@login_required
def renew(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        form=lambda contract, data: RenewForm(
            data, initial=None if data else RenewForm.initial_for(contract)
        ),
        save=lambda contract, data: renewals.contract_renew(
            contract=contract, user=request.user, **data
        ),
        template="renewals/_renew_form.html",
        row=lambda successor: {"successor": successor},
    )


@require_http_methods(["GET", "POST"])
@login_required
def close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        form=lambda contract, data: CloseForm(data),
        save=lambda contract, data: renewals.contract_close(
            contract=contract, user=request.user, **data
        ),
        template="renewals/_close_form.html",
        row=lambda closed: {},
    )


@require_GET
@login_required
def row(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """The row as it is: what "Cancel" on an open form swaps back in."""
    return _row(request, get_object_or_404(_contracts().visible_to(request.user), pk=pk))
