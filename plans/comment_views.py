"""The comment threads of an account and of a plan, and one thread on its own page.

The account and plan pages load their threads as a section (htmx, on arrival); without
JavaScript each is a page of its own. Every write answers an htmx request with the section it
was made from, re-rendered, and a plain request with a redirect back. What the reader may not
see is a 404: threads are read through the account's `visible_to`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts.models import Account
from kam.core import rights
from kam.core.edit import edit_flow, seen
from kam.core.http import HtmxHttpRequest, render_page

from . import comments
from .forms import CommentEditForm, CommentForm, CommentStartForm
from .models import AccountPlan, Comment, CommentOn

TEMPLATE = "plans/comments.html"
STATES = ("open", "resolved", "all")


def _state(request: HtmxHttpRequest) -> str:
    state = request.GET.get("state", "open")
    return state if state in STATES else "open"


def _threads(user, queryset, account: Account | None = None) -> list[Comment]:
    found = comments.threads(queryset, state="all", account=account)
    for thread in found:
        _dress(user, thread)
        for reply in thread.thread_replies:
            _dress(user, reply, within=thread)
    return found


def _dress(user, comment: Comment, within: Comment | None = None) -> None:
    comment.html = comments.render_body(comment)
    comment.mine = comment.author_id == user.pk and comment.deleted_at is None
    if within is None:
        comment.may_discuss = rights.allowed(user, rights.Act.DISCUSS, comment)
    else:
        comment.may_discuss = within.may_discuss


def _section(request: HtmxHttpRequest, *, account: Account, plan: AccountPlan | None, form=None):
    """The threads of an account (all, under it) or of a plan (the plan's and its items')."""
    state = _state(request)
    about = comments.parse_subject_key(request.GET.get("on", "")) if plan else None
    queryset = Comment.objects.filter(account=account)
    if plan is not None:
        queryset = queryset.filter(plan=plan)
        url = reverse("comments:plan", args=[plan.pk])
        start_url = reverse("comments:plan_start", args=[plan.pk])
        subjects = comments.subjects(plan)
    else:
        url = reverse("comments:account", args=[account.pk])
        start_url = reverse("comments:account_start", args=[account.pk])
        subjects = None
    if about is not None:
        queryset = queryset.filter(on=about[0], on_id=about[1])
    found = _threads(request.user, queryset, account)
    open_count = sum(1 for thread in found if thread.resolved_at is None)
    shown = [
        thread
        for thread in found
        if state == "all" or (state == "open") == (thread.resolved_at is None)
    ]
    may_discuss = rights.allowed(request.user, rights.Act.DISCUSS, plan or account)
    if form is None and may_discuss:
        initial = {"about": comments.subject_key(*about)} if about else {}
        form = CommentStartForm(subjects=subjects, initial=initial)
    return {
        "account": account,
        "plan": plan,
        "threads": shown,
        "open_count": open_count,
        "resolved_count": len(found) - open_count,
        "state": state,
        "about": comments.subject_key(*about) if about else "",
        "url": url,
        "start_url": start_url,
        "form": form if may_discuss else None,
        "may_discuss": may_discuss,
        "mentionable": _mentionable(account) if may_discuss else [],
        "view": "plan" if plan is not None else "account",
        "back": reverse("plans:detail", args=[plan.pk])
        if plan
        else reverse("accounts:detail", args=[account.pk]),
        "title": plan.title if plan else account.name,
        "active_nav": "plans" if plan else "accounts",
    }


def _mentionable(account: Account) -> list[dict]:
    return [
        {"username": user.username, "name": str(user), "kana": user.name_kana}
        for user in comments.mentionable(account).only(
            "username", "first_name", "last_name", "name_kana", "language"
        )
    ]


def _visible_account(request: HtmxHttpRequest, pk: int) -> Account:
    return get_object_or_404(Account.objects.visible_to(request.user), pk=pk)


def _visible_plan(request: HtmxHttpRequest, pk: int) -> AccountPlan:
    return get_object_or_404(
        AccountPlan.objects.visible_to(request.user).select_related("account"), pk=pk
    )


@require_GET
@login_required
def account_comments(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    account = _visible_account(request, pk)
    context = _section(request, account=account, plan=None)
    return render_page(request, TEMPLATE, context, partial="comments")


@require_GET
@login_required
def plan_comments(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    plan = _visible_plan(request, pk)
    context = _section(request, account=plan.account, plan=plan)
    return render_page(request, TEMPLATE, context, partial="comments")


def _thread_context(request: HtmxHttpRequest, thread: Comment) -> dict:
    (thread,) = _threads(request.user, Comment.objects.filter(pk=thread.pk))
    back = (
        reverse("plans:detail", args=[thread.plan_id])
        if thread.plan_id
        else reverse("accounts:detail", args=[thread.account_id])
    )
    return {
        "thread": thread,
        "account": thread.account,
        "plan": thread.plan,
        "view": "thread",
        "back": back + "#comments",
        "mentionable": _mentionable(thread.account) if thread.may_discuss else [],
        "active_nav": "plans" if thread.plan_id else "accounts",
    }


def _visible_comments():
    return Comment.objects.select_related("account", "plan", "plan__account", "parent")


@require_GET
@login_required
def thread(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """One thread on a page of its own: where a notification of a mention or reply leads."""
    found = get_object_or_404(_visible_comments().visible_to(request.user), pk=pk)
    root = found.parent or found
    return render_page(
        request, "plans/comment_thread.html", _thread_context(request, root), partial="thread"
    )


def _answer(request: HtmxHttpRequest, *, account, plan, thread_pk, reply_form=None):
    """After a write, or a reply refused: the section or the thread page the form was
    posted from, re-rendered in place (a refused reply keeps what was typed, with why)."""
    view = request.POST.get("view", "")
    root = Comment.objects.filter(pk=thread_pk).first() if thread_pk else None
    if view == "thread" and root is None:
        # The thread itself was deleted: back to where it was.
        return HttpResponseClientRedirect(
            _back(request, account=account, plan=plan, thread_pk=None)
        )
    if view == "thread":
        context = _thread_context(request, root)
        template, partial, found = "plans/comment_thread.html", "thread", [context["thread"]]
    else:
        context = _section(request, account=account, plan=None if view == "account" else plan)
        template, partial, found = TEMPLATE, "comments", context["threads"]
    for shown in found:
        if reply_form is not None and shown.pk == thread_pk:
            shown.reply_form = reply_form
    response = render_page(request, template, context, partial=partial)
    retarget(response, f"#{partial}")
    reswap(response, "outerHTML")
    return response


def _back(request: HtmxHttpRequest, *, account, plan, thread_pk) -> str:
    view = request.POST.get("view", "")
    if view == "thread" and thread_pk and Comment.objects.filter(pk=thread_pk).exists():
        return reverse("comments:thread", args=[thread_pk])
    if view == "account" or plan is None:
        return reverse("accounts:detail", args=[account.pk]) + "#comments"
    return reverse("plans:detail", args=[plan.pk]) + "#comments"


def _start(request: HtmxHttpRequest, *, account: Account, plan: AccountPlan | None):
    subjects = comments.subjects(plan) if plan is not None else None

    def form(obj, data):
        return CommentStartForm(data, subjects=subjects)

    def save(obj, bound):
        if plan is None:
            on, on_id = CommentOn.ACCOUNT, account.pk
        else:
            on, on_id = comments.parse_subject_key(bound.cleaned_data["about"])
        return comments.comment_start(
            account=account,
            plan=plan,
            on=on,
            on_id=on_id,
            body=bound.cleaned_data["body"],
            author=request.user,
        )

    def show(obj, bound):
        context = _section(request, account=account, plan=plan, form=bound)
        return render_page(request, TEMPLATE, context, partial="comments")

    rights.require(request.user, rights.Act.DISCUSS, plan or account)
    return edit_flow(
        request,
        queryset=None,
        form=form,
        save=save,
        show=show,
        redirect=lambda obj, result: _back(request, account=account, plan=plan, thread_pk=None),
        saved=lambda obj, result, text: _answer(
            request, account=account, plan=plan, thread_pk=result.pk
        ),
        act=None,
    )


@require_POST
@login_required
def account_comment_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _start(request, account=_visible_account(request, pk), plan=None)


@require_POST
@login_required
def plan_comment_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    return _start(request, account=plan.account, plan=plan)


def _write(request: HtmxHttpRequest, pk: int, *, form, save, act, show_form=None):
    """A write on one comment: reply, edit, delete, resolve or reopen."""

    def where(obj):
        return {"account": obj.account, "plan": obj.plan, "thread_pk": obj.thread_id}

    return edit_flow(
        request,
        queryset=_visible_comments(),
        pk=pk,
        form=form,
        save=save,
        show=show_form,
        redirect=lambda obj, result: _back(request, **where(obj)),
        saved=lambda obj, result, text: _answer(request, **where(obj)),
        act=act,
    )


def _reply_refused(request: HtmxHttpRequest):
    def show(obj, bound):
        return _answer(
            request, account=obj.account, plan=obj.plan, thread_pk=obj.thread_id, reply_form=bound
        )

    return show


@require_POST
@login_required
def comment_reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _write(
        request,
        pk,
        form=lambda obj, data: CommentForm(data),
        save=lambda obj, bound: comments.comment_reply(
            thread=obj, body=bound.cleaned_data["body"], author=request.user
        ),
        act=rights.Act.DISCUSS,
        show_form=_reply_refused(request),
    )


@require_http_methods(["GET", "POST"])
@login_required
def comment_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    def show(obj, bound):
        context = {"comment": obj, "form": bound, "view": request.GET.get("view", "")}
        if request.method == "POST":
            context["view"] = request.POST.get("view", "")
        return render_page(request, "plans/comment_edit.html", context, partial="edit")

    return _write(
        request,
        pk,
        form=lambda obj, data: CommentEditForm(
            data, initial={"body": obj.body, "version": obj.version}
        ),
        save=lambda obj, bound: comments.comment_edit(
            comment=obj,
            body=bound.cleaned_data["body"],
            user=request.user,
            version=bound.cleaned_data["version"],
        ),
        act=rights.Act.AUTHOR,
        show_form=show,
    )


@require_POST
@login_required
def comment_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _write(
        request,
        pk,
        form=None,
        save=lambda obj, bound: comments.comment_delete(
            comment=obj, user=request.user, **seen(bound)
        ),
        act=rights.Act.AUTHOR,
    )


def _resolve(request: HtmxHttpRequest, pk: int, *, resolved: bool) -> HttpResponse:
    return _write(
        request,
        pk,
        form=None,
        save=lambda obj, bound: comments.thread_resolve(
            thread=obj, user=request.user, resolved=resolved
        ),
        act=rights.Act.DISCUSS,
    )


@require_POST
@login_required
def thread_resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, resolved=True)


@require_POST
@login_required
def thread_reopen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, resolved=False)
