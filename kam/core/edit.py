"""How an edit is saved: the one flow that every create, edit and delete view runs.

1. fetch the object the URL names through ``visible_to(user)``, so that what the user may not
   see is a 404 (for a create, the object is the parent: the plan or account it goes under);
2. ask the rights (kam.core.rights) whether the user may do this to it, before the form is
   even shown: a refusal is a 403 with the reason (kam.core.middleware.RefusalMiddleware);
3. bind the form: unbound on GET, the posted data on POST; a form over an existing row carries
   the versions it was opened at (kam.core.versions);
4. call the service with the cleaned data; a ``ValidationError`` it raises goes back onto the
   form, beside the field it names, and the object is read again so that the page behind the
   form keeps showing what is really saved. A stale save shows what the other person saved
   beside what this one typed (kam.core.forms.show_stale). A form-less write (a delete) that
   is refused goes back to the page, which shows what is stored now, with the reason;
5. answer: after a save, a plain request is redirected (with a notice as a message) and an
   htmx request gets the fragment the view names; otherwise the form comes back with its
   errors, with status 200 because htmx 2 does not swap error responses.

A view keeps only what is its own: which objects, which form, which service, and which
fragment to answer with. Checks every write must pass are added here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from . import rights
from .forms import VersionForm, attach_errors, show_stale
from .http import HtmxHttpRequest, is_fragment
from .versions import Gone, StaleEdit


def edit_flow(
    request: HtmxHttpRequest,
    *,
    queryset: QuerySet | None,
    pk: int | None = None,
    form: Callable[[Any, QueryDict | None], forms.BaseForm] | None = None,
    save: Callable[[Any, forms.BaseForm], Any],
    redirect: Callable[[Any, Any], str],
    saved: Callable[[Any, Any, str], HttpResponse] | None = None,
    show: Callable[[Any, forms.BaseForm], HttpResponse] | None = None,
    notice: Callable[[Any, Any], str] | None = None,
    act: rights.Act | None = rights.Act.EDIT,
) -> HttpResponse:
    """Run one create, edit or delete.

    - ``queryset``: where the object named by ``pk`` is looked for; ``visible_to(user)`` is
      applied here. ``None`` only when nothing in the URL names an object (a new account).
    - ``form(obj, data)``: the form, bound when ``data`` is given. Without one, a POST is the
      whole request (a delete, a one-click action) and an empty form carries its errors.
    - ``save(obj, form)``: calls the service and returns what it made or changed.
    - ``redirect(obj, result)``: where a plain request goes after the save.
    - ``saved(obj, result, notice)``: what an htmx request gets after the save; without it,
      htmx is sent to ``redirect`` as well.
    - ``show(obj, form)``: the form (on GET, or with its errors). A form-less action without
      it lets a refusal propagate, since there is nowhere to show it.
    - ``notice(obj, result)``: the sentence that says what happened.
    - ``act``: what the user does to ``obj`` in the rights table; None when the service alone
      can tell (a status change that may be an archive).
    """
    obj = None
    if queryset is not None:
        obj = get_object_or_404(queryset.visible_to(request.user), pk=pk)
        if act is not None:
            rights.require(request.user, act, obj)
    posted = request.method == "POST"
    data = request.POST if posted else None
    bound = form(obj, data) if form is not None else VersionForm(data)
    if posted and bound.is_valid():
        try:
            result = save(obj, bound)
        except ValidationError as exc:
            if show is None or isinstance(exc, Gone):
                return _refused_without_form(request, obj, exc, redirect)
            if isinstance(exc, StaleEdit):
                show_stale(bound, exc)
            else:
                attach_errors(bound, exc)
            if obj is not None:
                obj.refresh_from_db()
        else:
            text = str(notice(obj, result)) if notice else ""
            if not is_fragment(request):
                if text:
                    messages.success(request, text)
                return HttpResponseRedirect(redirect(obj, result))
            if saved is None:
                return HttpResponseClientRedirect(redirect(obj, result))
            return saved(obj, result, text)
    if show is None:
        raise TypeError("edit_flow needs show= to answer a GET or a refused save")
    return show(obj, bound)


def _refused_without_form(request, obj, exc: ValidationError, redirect) -> HttpResponse:
    """A delete or one-click write the service refused: back to the page, which shows what is
    stored now, with the reason on top."""
    for message in exc.messages:
        messages.error(request, message)
    if is_fragment(request):
        return HttpResponseClientRefresh()
    return HttpResponseRedirect(redirect(obj, None))


def seen(form: forms.BaseForm) -> dict:
    """The version a delete or a one-click write was made at, for the service to compare."""
    return {"version": form.cleaned_data.get("version")}
