"""Dashboard pages: a rep's day, the portfolio, the team, and the records behind every figure."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Account, Industry, Quadrant, Tier
from kam.core.charts import Bar, bar_chart_svg
from kam.core.exports import csv_response
from kam.core.http import HtmxHttpRequest, render_page
from kam.core.models import User
from kam.core.templatetags.kam import compact_money, money

from . import drilldown
from . import figures as d
from .charts import matrix_svg
from .my_day import my_day


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> TemplateResponse:
    day = my_day(user=request.user, today=timezone.localdate())
    return TemplateResponse(request, "kam/my_day.html", {"day": day, "active_nav": "my_day"})


@functools.lru_cache(maxsize=64)
def _records_base(kind: str, script_prefix: str) -> str:
    return reverse("dashboard_records", args=[kind])


def _records_url(kind: str, filters: d.Filters, **params) -> str:
    """A drill-down link; the page has a few hundred, so the route is reversed once per kind."""
    query = {**filters.as_query(), **{k: v for k, v in params.items() if v not in ("", None)}}
    base = _records_base(kind, get_script_prefix())
    return base + ("?" + urlencode(query) if query else "")


def _money_bar(label: str, title: str, value, currency: str, href: str) -> Bar:
    """An amount: short on the bar, exact in its tooltip."""
    return Bar(
        label=label,
        value=float(value),
        display=compact_money(value, currency) if value else "",
        title=f"{title}: {money(value, currency)}",
        href=href,
    )


def _count_bar(label, n: int, href: str) -> Bar:
    """A number of records, linked to the list of them."""
    return Bar(label=str(label), value=n, display=str(n), title=f"{label}: {n}", href=href)


def _charts(p: d.Portfolio, filters: d.Filters, language: str) -> dict:
    cur = p.currency
    charts = {
        "tier": bar_chart_svg(
            [
                _money_bar(str(label), label, v, cur, _records_url("contracts", filters, tier=tier))
                for tier, label, v in p.value_by_tier
            ],
            width=480,
            aria_label=_("Contract value by tier"),
        ),
        "renewals": bar_chart_svg(
            [
                _money_bar(
                    date_format(m, "n月" if language == "ja" else "M"),
                    f"{m:%Y-%m}",
                    v,
                    cur,
                    _records_url("contracts", filters, view="month", month=f"{m:%Y-%m}"),
                )
                for m, v in p.renewals_by_month
            ],
            aria_label=_("Renewals by month"),
        ),
        "attainment": bar_chart_svg(
            [
                _count_bar(label, n, _records_url("kpis", filters, band=key))
                for key, label, n in p.attainment_bands
            ],
            width=480,
            aria_label=_("KPI attainment distribution"),
        ),
        "goals": bar_chart_svg(
            [
                _count_bar(label, n, _records_url("goals", filters, status=value))
                for value, label, n in p.goal_status
            ],
            width=480,
            aria_label=_("SMART goal status"),
        ),
        "overdue": bar_chart_svg(
            [
                Bar(
                    label=f"{row['owner__last_name']}".strip() or row["owner__username"],
                    value=row["n"],
                    display=str(row["n"]),
                    title=f"{row['owner__last_name']} {row['owner__first_name']}: {row['n']}",
                    href=_records_url("actions", filters, owner=row["owner_id"]),
                )
                for row in p.overdue_by_owner
            ],
            width=480,
            aria_label=_("Overdue actions by owner"),
        ),
        "health": bar_chart_svg(
            [
                _count_bar(band, n, _records_url("accounts", filters, health=band))
                for band, n in p.health_bands
            ],
            width=480,
            aria_label=_("Account health distribution"),
        ),
        "matrix": matrix_svg(
            p.matrix,
            href=lambda att, pos: _records_url(
                "accounts", filters, attractiveness=att, position=pos
            ),
            labels={q: str(label) for q, label in Quadrant.choices},
            axis_x=_("Our position (fit + relationship)"),
            axis_y=_("Attractiveness (size + industry position + growth)"),
        ),
    }
    return charts


@require_GET
@login_required
def dashboard(request: HtmxHttpRequest):
    today = timezone.localdate()
    filters = d.Filters.from_query(request.GET, today)
    export = request.GET.get("export", "")
    p = d.portfolio_figures(request.user, filters, today)
    if export == "team":
        rows = p.team
        return csv_response(
            "team",
            [
                _("Key account manager"),
                _("Accounts"),
                _("Contract value"),
                _("Overdue actions"),
                _("Active plans"),
                _("Reviewed on time"),
                _("Renewals at risk"),
            ],
            [
                [
                    str(r.owner),
                    r.accounts,
                    r.contract_value,
                    r.overdue_actions,
                    r.plans,
                    r.plans_on_time,
                    r.renewals_at_risk,
                ]
                for r in rows
            ],
        )
    if export:
        return _export_chart(export, p)
    fy = filters.fiscal_year or d.fiscal_year_of(today)
    context = {
        "active_nav": "dashboard",
        "p": p,
        "filters": filters,
        "fiscal_year": fy,
        "fiscal_years": list(range(fy - 2, fy + 2)),
        "team": p.team,
        "charts": _charts(p, filters, request.LANGUAGE_CODE),
        "definitions": d.DEFINITIONS,
        "owners": User.objects.filter(
            is_active=True, pk__in=Account.objects.order_by().values("owner_id")
        ).order_by("last_name", "first_name"),
        "tiers": Tier.choices,
        "industries": Industry.choices,
        "quadrants": Quadrant.choices,
        "records": {k: _records_url(k, filters) for k in drilldown.KINDS},
        "records_base": {k: _records_base(k, get_script_prefix()) for k in drilldown.KINDS},
        "links": {
            "renewal90": _records_url("contracts", filters, view="renewal90"),
            "uncovered": _records_url("accounts", filters, uncovered=1),
            "at_risk": _records_url("accounts", filters, at_risk=1),
            "kpis": _records_url("kpis", filters),
        },
        "query": urlencode(filters.as_query()),
        "currency": settings.DEFAULT_CURRENCY,
    }
    return render_page(request, "kam/dashboard.html", context, partial="body")


def _export_chart(name: str, p: d.Portfolio) -> HttpResponse:
    tables = {
        "tier": (
            [_("Tier"), _("Contract value")],
            [[str(lbl), v] for _t, lbl, v in p.value_by_tier],
        ),
        "renewals": (
            [_("Month"), _("Value up for renewal")],
            [[f"{m:%Y-%m}", v] for m, v in p.renewals_by_month],
        ),
        "attainment": (
            [_("Attainment"), _("KPIs")],
            [[str(lbl), n] for _k, lbl, n in p.attainment_bands],
        ),
        "goals": ([_("Status"), _("Goals")], [[str(lbl), n] for _v, lbl, n in p.goal_status]),
        "overdue": (
            [_("Owner"), _("Overdue actions")],
            [
                [f"{r['owner__last_name']} {r['owner__first_name']}".strip(), r["n"]]
                for r in p.overdue_by_owner
            ],
        ),
        "health": ([_("Health"), _("Accounts")], [[b, n] for b, n in p.health_bands]),
        "matrix": (
            [_("Attractiveness"), _("Our position"), _("Accounts"), _("Quadrant")],
            [[a, pos, n, q] for a, pos, n, q in p.matrix],
        ),
        "at_risk": (
            [_("Account"), _("Owner"), _("Health"), _("Reasons")],
            [
                [r.account.name, str(r.account.owner), r.health, " / ".join(r.reasons)]
                for r in p.at_risk
            ],
        ),
    }
    if name not in tables:
        raise Http404
    header, rows = tables[name]
    return csv_response(name, [str(h) for h in header], rows)


@require_GET
@login_required
def dashboard_records(request: HtmxHttpRequest, kind: str):
    if kind not in drilldown.KINDS:
        raise Http404
    today = timezone.localdate()
    filters = d.Filters.from_query(request.GET, today)
    records = drilldown.records_for(
        kind, user=request.user, filters=filters, params=request.GET, today=today
    )
    if request.GET.get("format") == "csv":
        return csv_response(
            kind, records.columns, (records.row(o) for o in records.queryset.iterator())
        )
    page = Paginator(records.queryset, 50).get_page(request.GET.get("page"))
    rows = [(records.link(o), records.row(o)) for o in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "csv"
    return TemplateResponse(
        request,
        "kam/dashboard_records.html",
        {
            "active_nav": "dashboard",
            "records": records,
            "rows": rows,
            "page": page,
            "csv_url": f"?{params.urlencode()}",
            "back": reverse("dashboard") + "?" + urlencode(filters.as_query()),
        },
    )
