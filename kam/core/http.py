"""Small helpers every HTML view uses: typed htmx requests and partial rendering."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from kam.core.models import User


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


SWAP_OPTIONS = ("target", "also")


def render_swap(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    partial: str,
    target: str | None = None,
    also: tuple[str, ...] = (),
) -> TemplateResponse:
    """A section a write changed, for htmx to swap in.

    `target` moves the swap from where the request meant it (a form, a button) onto the
    section itself, replacing it whole; `also` adds other sections of the same template out
    of band, when the write changed what they show too (they render with `oob` set).
    """
    response = render_page(request, template, context, partial=partial)
    if target:
        retarget(response, target)
        reswap(response, "outerHTML")
    if also:
        response.render()
        for name in also:
            response.content += render_to_string(
                f"{template}#{name}", {**context, "oob": True}, request=request
            ).encode()
    return response
