"""Small helpers every HTML view uses: typed htmx requests and partial rendering."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django_htmx.middleware import HtmxDetails

from kam.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User


def is_fragment(request: HtmxHttpRequest) -> bool:
    """An htmx request that wants a fragment. A boosted one wants the whole page."""
    return bool(request.htmx) and not request.htmx.boosted


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> TemplateResponse:
    """A full page for a normal request; only the named partial for an htmx request.

    A boosted htmx request wants the whole page, so it is treated as a normal one.
    """
    name = template
    if partial and is_fragment(request):
        name = f"{template}#{partial}"
    return TemplateResponse(request, name, context, status=status)
