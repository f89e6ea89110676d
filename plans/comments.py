"""Comments and mentions: threads on an account, a plan and any plan item.

Writes (start a thread, reply, edit, delete, resolve, reopen) and the reads the pages share.
Who may write is asked of kam.core.rights (DISCUSS for anyone who may see the account,
AUTHOR for one's own comment); who may read is the account's `visible_to`.

Mentions are `@username`. Only people who may see the account can be mentioned; naming
anyone else is refused with the reason. The mentioned, and the people already in a thread
when someone replies, are told once: a `Reminder` row keyed on the comment is the promise
(the reminder log's unique key drops a second one), its notification is made in the same
transaction, and the daily digest picks the row up like any other reminder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import Account
from kam.core import rights
from kam.core.models import Notification, Reminder, ReminderKind, Role, User
from kam.core.services import full_clean, service
from stakeholders.models import StakeholderEngagement

from .models import (
    KPI,
    AccountPlan,
    ActionItem,
    Comment,
    CommentOn,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    Mention,
)

# @ and a username (Django's own username characters), not part of a mail address.
MENTION = re.compile(r"(?<![\w.@+/:=&?#%-])@([\w.@+-]*[\w+-])")

# What a plan item thread can be about: its model and what it is called.
ITEMS: dict[str, tuple[type, str]] = {
    CommentOn.NEED: (CustomerNeed, "title"),
    CommentOn.GOAL: (Goal, "statement"),
    CommentOn.KPI: (KPI, "name"),
    CommentOn.COMPETITOR: (CompetitorPosition, "competitor"),
    CommentOn.ACTION: (ActionItem, "title"),
    CommentOn.ENGAGEMENT: (StakeholderEngagement, "stakeholder__name"),
}


# Who may be mentioned


def mentionable(account: Account) -> QuerySet[User]:
    """Everyone who may see the account and can still sign in: its owner and team, the
    managers and the administrators (kam.core.rights.relation, asked of all at once)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk=account.owner_id)
            | Q(account_memberships__account=account)
            | Q(role__in=[Role.MANAGER, Role.ADMIN])
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def mentioned_names(body: str) -> list[str]:
    """The usernames a text names with @, in order, each once."""
    seen: dict[str, None] = {}
    for name in MENTION.findall(body or ""):
        seen.setdefault(name, None)
    return list(seen)


def mentioned_users(account: Account, body: str) -> list[User]:
    """The people a text mentions; a name that is no one, or someone who may not see the
    account, is refused with the reason, beside the comment."""
    names = mentioned_names(body)
    if not names:
        return []
    named = Q()
    for name in names:
        named |= Q(username__iexact=name)
    found = {user.username.lower(): user for user in User.objects.filter(named)}
    allowed = set(
        mentionable(account)
        .filter(pk__in=[user.pk for user in found.values()])
        .values_list("pk", flat=True)
    )
    errors, people = [], []
    for name in names:
        user = found.get(name.lower())
        if user is None:
            errors.append(_("There is no one called @%(name)s.") % {"name": name})
        elif user.pk not in allowed:
            errors.append(
                _(
                    "%(name)s (@%(username)s) cannot see this account, so they cannot be "
                    "mentioned here."
                )
                % {"name": user, "username": user.username}
            )
        elif user not in people:
            people.append(user)
    if errors:
        raise ValidationError({"body": errors})
    return people


# What a thread is about


@dataclass(frozen=True)
class Subject:
    on: str
    on_id: int
    label: str


def subjects(plan: AccountPlan) -> list[Subject]:
    """What a thread on this plan can be about: the plan, then each item, by kind (one
    query for all the kinds)."""
    parts = [
        model.objects.filter(plan=plan)
        .annotate(item_kind=Value(str(on)), item_label=Cast(F(name), models.TextField()))
        .values_list("item_kind", "pk", "item_label")
        .order_by()
        for on, (model, name) in ITEMS.items()
    ]
    order = {str(on): i for i, on in enumerate(ITEMS)}
    rows = sorted(parts[0].union(*parts[1:], all=True), key=lambda r: (order[r[0]], r[1]))
    return [Subject(CommentOn.PLAN, plan.pk, plan.title)] + [
        Subject(on, pk, str(label)) for on, pk, label in rows
    ]


def subject_of(*, account: Account, plan: AccountPlan | None, on: str, on_id: int) -> Subject:
    """Check that the thread's subject belongs where it is started, and name it."""
    if on == CommentOn.ACCOUNT:
        return Subject(on, account.pk, account.name)
    if plan is None or plan.account_id != account.pk:
        raise ValidationError(_("Choose what the comment is about."))
    if on == CommentOn.PLAN:
        return Subject(on, plan.pk, plan.title)
    if on not in ITEMS:
        raise ValidationError(_("Choose what the comment is about."))
    model, name = ITEMS[on]
    label = model.objects.filter(plan=plan, pk=on_id).values_list(name, flat=True).first()
    if label is None:
        raise ValidationError(
            _("That item is no longer in this plan. Choose what the comment is about.")
        )
    return Subject(on, on_id, str(label))


def subject_key(on: str, on_id: int) -> str:
    return f"{on}:{on_id}"


def parse_subject_key(key: str) -> tuple[str, int] | None:
    on, _sep, pk = (key or "").partition(":")
    if on in CommentOn.values and pk.isdigit():
        return on, int(pk)
    return None


# Writes


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    return body


def _thread_url(thread: Comment) -> str:
    return reverse("comments:thread", args=[thread.pk]) + f"#comment-{thread.pk}"


def _notify(comment: Comment, kind: str, people: Iterable[User]) -> int:
    """Tell these people of this comment: once each, whatever is retried.

    The reminder row is the promise (its unique key: kind, comment, the day it was written,
    recipient); the notification is made with it, and the digest lists it once.
    """
    thread = comment.parent or comment
    day = timezone.localdate(comment.created_at)
    told = 0
    excerpt = Truncator(" ".join(comment.body.split())).chars(60)
    for person in people:
        with translation.override(person.language or None):
            if kind == ReminderKind.MENTION:
                title = _("%(name)s mentioned you on %(account)s: %(text)s")
            else:
                title = _("%(name)s replied on %(account)s: %(text)s")
            title = title % {"name": comment.author, "account": comment.account, "text": excerpt}
        reminder, created = Reminder.objects.get_or_create(
            kind=kind,
            object_id=comment.pk,
            due_date=day,
            lead_days=0,
            recipient=person,
            defaults={
                "account_id": comment.account_id,
                "title": title[:300],
                "url": _thread_url(thread),
                "notified_at": timezone.now(),
            },
        )
        if created:
            Notification.objects.create(
                recipient=person,
                reminder=reminder,
                kind=kind,
                title=reminder.title,
                url=reminder.url,
            )
            told += 1
    return told


def _mention(comment: Comment, people: list[User]) -> list[User]:
    """Record the mentions not recorded before and tell those people; returns who was told."""
    known = set(comment.mentions.values_list("user_id", flat=True))
    new = [person for person in people if person.pk not in known and person.pk != comment.author_id]
    Mention.objects.bulk_create(
        [Mention(comment=comment, user=person) for person in new], ignore_conflicts=True
    )
    _notify(comment, ReminderKind.MENTION, new)
    return new


def _may_see(account: Account, people: Iterable[User]) -> list[User]:
    ids = set(mentionable(account).values_list("pk", flat=True))
    return [person for person in people if person.pk in ids]


@service
def comment_start(
    *,
    account: Account,
    plan: AccountPlan | None = None,
    on: str,
    on_id: int,
    body: str,
    author: User,
) -> Comment:
    """Start a thread about the account, a plan or a plan item."""
    place = plan if plan is not None else account
    rights.require(author, rights.Act.DISCUSS, place)
    subject = subject_of(account=account, plan=plan, on=on, on_id=on_id)
    body = _clean_body(body)
    people = mentioned_users(account, body)
    comment = Comment(
        account=account,
        plan=plan if on != CommentOn.ACCOUNT else None,
        on=subject.on,
        on_id=subject.on_id,
        on_label=subject.label[:300],
        author=author,
        body=body,
    )
    full_clean(comment)
    comment.save()
    _mention(comment, people)
    return comment


@service
def comment_reply(*, thread: Comment, body: str, author: User) -> Comment:
    """Reply in a thread. Replying to a reply answers the thread: threads are one level."""
    root = Comment.objects.select_for_update().get(pk=thread.thread_id)
    rights.require(author, rights.Act.DISCUSS, root)
    body = _clean_body(body)
    people = mentioned_users(root.account, body)
    reply = Comment(
        account=root.account,
        plan=root.plan,
        on=root.on,
        on_id=root.on_id,
        on_label=root.on_label,
        parent=root,
        author=author,
        body=body,
    )
    full_clean(reply)
    reply.save()
    root.last_activity_at = reply.created_at
    # A reply reopens a resolved thread: someone has more to say.
    reopened = root.resolved_at is not None
    if reopened:
        root.resolved_at, root.resolved_by = None, None
    Comment.objects.filter(pk=root.pk).update(
        last_activity_at=root.last_activity_at,
        resolved_at=root.resolved_at,
        resolved_by=root.resolved_by,
    )
    told = {person.pk for person in _mention(reply, people)}
    # Everyone already in the thread hears of the reply: who wrote in it and who was named.
    earlier = set(
        Comment.objects.filter(Q(pk=root.pk) | Q(parent=root))
        .exclude(pk=reply.pk)
        .values_list("author_id", flat=True)
    ) | set(
        Mention.objects.filter(Q(comment=root) | Q(comment__parent=root))
        .exclude(comment=reply)
        .values_list("user_id", flat=True)
    )
    earlier -= told | {author.pk}
    participants = _may_see(root.account, User.objects.filter(pk__in=earlier, is_active=True))
    _notify(reply, ReminderKind.REPLY, participants)
    return reply


@service
def comment_edit(*, comment: Comment, body: str, user: User, version: int | None = None) -> Comment:
    """Change one's own comment. The earlier text stays in the history; people newly
    mentioned are told, those mentioned before are not told again."""
    rights.require(user, rights.Act.AUTHOR, comment)
    if comment.deleted_at is not None:
        raise ValidationError(_("This comment was deleted."))
    body = _clean_body(body)
    people = mentioned_users(comment.account, body)
    comment.body = body
    comment.edited_at = timezone.now()
    full_clean(comment)
    comment.expect({"version": version} if version is not None else {}).save(
        update_fields=["body", "edited_at", "updated_at"]
    )
    _mention(comment, people)
    return comment


@service
def comment_delete(*, comment: Comment, user: User, version: int | None = None) -> Comment | None:
    """Delete one's own comment. A thread's first comment with replies keeps its place,
    without its text, so that the replies still read in order; otherwise the row goes.
    Returns the comment kept, or None."""
    rights.require(user, rights.Act.AUTHOR, comment)
    if version is not None:
        comment.check_version({"version": version})
    if comment.parent_id is None and comment.replies.exists():
        comment.body = ""
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["body", "deleted_at", "updated_at"])
        return comment
    comment.delete()
    return None


@service
def thread_resolve(*, thread: Comment, user: User, resolved: bool = True) -> Comment:
    """Mark a thread resolved (or, `resolved=False`, open again). Anyone who may comment may."""
    root = Comment.objects.select_for_update().get(pk=thread.thread_id)
    rights.require(user, rights.Act.DISCUSS, root)
    if resolved and root.resolved_at is None:
        root.resolved_at, root.resolved_by = timezone.now(), user
    elif not resolved and root.resolved_at is not None:
        root.resolved_at, root.resolved_by = None, None
    else:
        return root
    root.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    return root


# Reads


def render_body(comment: Comment) -> SafeString:
    """A comment as it reads: escaped, links made clickable, line breaks kept, and the
    people it mentions marked."""
    text = urlize(comment.body, nofollow=True, autoescape=True)
    people = getattr(comment, "mentioned", None)
    if people is None:
        people = comment.mentions.select_related("user")
    mentioned = {mention.user.username.lower() for mention in people}

    def mark(match: re.Match) -> str:
        name = match.group(1)
        if name.lower() in mentioned:
            return f'<span class="mention">@{escape(name)}</span>'
        return match.group(0)

    text = MENTION.sub(mark, text)
    return mark_safe(text.replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308


def threads(
    comments: QuerySet[Comment], *, state: str = "open", account: Account | None = None
) -> list[Comment]:
    """Threads (first comments), most recent first, each with `thread_replies` in order and
    every comment with `mentioned` (its mentions, with their users): three queries whatever
    the number of threads. `state`: open, resolved or all. Given the `account` they are all
    under, the threads and their plans are pointed at it, so that asking the rights about
    them reads nothing more."""
    roots = comments.filter(parent__isnull=True)
    if state == "open":
        roots = roots.filter(resolved_at__isnull=True)
    elif state == "resolved":
        roots = roots.filter(resolved_at__isnull=False)
    found = list(
        roots.select_related("author", "resolved_by", "plan").order_by("-last_activity_at", "-id")
    )
    if not found:
        return found
    replies = list(
        Comment.objects.filter(parent__in=[thread.pk for thread in found])
        .select_related("author")
        .order_by("created_at", "id")
    )
    named: dict[int, list[Mention]] = {}
    for mention in Mention.objects.filter(
        comment__in=[comment.pk for comment in (*found, *replies)]
    ).select_related("user"):
        named.setdefault(mention.comment_id, []).append(mention)
    under: dict[int, list[Comment]] = {}
    for reply in replies:
        reply.mentioned = named.get(reply.pk, [])
        under.setdefault(reply.parent_id, []).append(reply)
    for thread in found:
        thread.mentioned = named.get(thread.pk, [])
        thread.thread_replies = under.get(thread.pk, [])
        if account is not None:
            thread.account = account
            if thread.plan is not None:
                thread.plan.account = account
    return found


def involving(user: User, accounts: QuerySet) -> QuerySet[Comment]:
    """Open threads on these accounts that the user started, wrote in or was mentioned in,
    or that are on an account they own (each thread once, without DISTINCT)."""
    replied = Comment.objects.filter(author=user, parent__isnull=False).values("parent_id")
    named = Mention.objects.filter(user=user)
    return Comment.objects.filter(
        Q(author=user)
        | Q(pk__in=replied)
        | Q(pk__in=named.filter(comment__parent__isnull=True).values("comment_id"))
        | Q(pk__in=named.filter(comment__parent__isnull=False).values("comment__parent_id"))
        | Q(account__owner=user),
        account__in=accounts,
        parent__isnull=True,
        resolved_at__isnull=True,
    )
