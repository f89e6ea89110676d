"""Reminder mail: an immediate mail for urgent renewals and one digest a day per person.

Each mail is claimed in the database before it is sent and marked sent only after the mail
server accepted it; a failure releases the claim so a retry sends it, and nothing is marked
sent that was not. A worker killed between the server accepting a mail and the mark leaves
a claim that expires after settings.REMINDER_MAIL_CLAIM_TIMEOUT and is sent again: the one
case where a person may get a mail twice, never none.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kam.core.models import DigestLog, MailState, Reminder, User


def claim_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_MAIL_CLAIM_TIMEOUT)


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _send(*, user: User, subject: str, subject_args: dict, template: str, context: dict) -> None:
    """Mail `template` to `user`, subject and all in their language.

    `subject` is the untranslated text (marked with gettext_noop), filled in with subject_args
    once translated.
    """
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {**context, "user": user, "site_url": settings.SITE_URL}
        text = render_to_string(f"kam/email/{template}.txt", context)
        html = render_to_string(f"kam/email/{template}.html", context)
        message = EmailMultiAlternatives(
            subject=_(subject) % subject_args,
            body=text,
            to=[user.email],
            from_email=settings.DEFAULT_FROM_EMAIL,
        )
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=False)


def release_stale_mail_claims(now: dt.datetime | None = None) -> int:
    """Claims left by a worker that died mid-send go back to the queue."""
    now = now or timezone.now()
    return Reminder.objects.filter(
        mail_state=MailState.SENDING, mail_claimed_at__lt=now - claim_timeout()
    ).update(mail_state=MailState.PENDING)


def pending_mail_ids() -> list[int]:
    return list(
        Reminder.objects.filter(mail_state=MailState.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )


def send_reminder_mail(reminder_id: int) -> bool:
    """Send one immediate reminder mail. Returns False when someone else has it or it's done."""
    claimed = Reminder.objects.filter(pk=reminder_id, mail_state=MailState.PENDING).update(
        mail_state=MailState.SENDING,
        mail_claimed_at=timezone.now(),
        mail_attempts=F("mail_attempts") + 1,
    )
    if claimed != 1:
        return False
    reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
    user = reminder.recipient
    if not user.email or not user.is_active:
        # Nobody to mail: the notification centre already has it.
        Reminder.objects.filter(pk=reminder_id).update(mail_state=MailState.NONE)
        return False
    try:
        _send(
            user=user,
            subject=gettext_noop("[KAM CRM] %(title)s"),
            subject_args={"title": reminder.title},
            template="reminder",
            context={"reminder": reminder, "link": _absolute(reminder.url)},
        )
    except Exception:
        Reminder.objects.filter(pk=reminder_id, mail_state=MailState.SENDING).update(
            mail_state=MailState.PENDING
        )
        raise
    Reminder.objects.filter(pk=reminder_id).update(
        mail_state=MailState.SENT, mailed_at=timezone.now()
    )
    return True


def digest_recipients(day: dt.date) -> list[int]:
    """People who want a digest and have reminders not yet in one."""
    return list(
        User.objects.filter(is_active=True, digest_enabled=True)
        .exclude(email="")
        .filter(reminders__digested_at__isnull=True)
        .exclude(digests__digest_date=day, digests__kind="daily", digests__sent_at__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _claim_digest(user: User, day: dt.date) -> DigestLog | None:
    now = timezone.now()
    # A claim from a worker that died before sending expires.
    DigestLog.objects.filter(
        recipient=user,
        digest_date=day,
        kind="daily",
        sent_at__isnull=True,
        claimed_at__lt=now - claim_timeout(),
    ).delete()
    try:
        with transaction.atomic():
            return DigestLog.objects.create(recipient=user, digest_date=day, kind="daily")
    except IntegrityError:
        return None


def _digest_reader(user_id: int) -> User | None:
    """The person a digest is for, or None when they may no longer get one."""
    user = User.objects.get(pk=user_id)
    return user if user.is_active and user.digest_enabled and user.email else None


def send_daily_digest(user_id: int, day: dt.date) -> bool:
    """One mail with everything new for this person since their last digest."""
    user = _digest_reader(user_id)
    if user is None:
        return False
    claim = _claim_digest(user, day)
    if claim is None:
        return False
    cutoff = timezone.now()
    items = list(
        Reminder.objects.filter(
            recipient=user, digested_at__isnull=True, created_at__lte=cutoff
        ).order_by("due_date", "kind", "id")
    )
    if not items:
        claim.delete()
        return False
    try:
        _send(
            user=user,
            subject=gettext_noop("[KAM CRM] Your reminders for %(day)s (%(count)s)"),
            subject_args={"day": day.isoformat(), "count": len(items)},
            template="digest",
            context={
                "day": day,
                "items": [(r, _absolute(r.url)) for r in items],
                "settings_link": _absolute("/"),
            },
        )
    except Exception:
        claim.delete()
        raise
    with transaction.atomic():
        Reminder.objects.filter(pk__in=[r.pk for r in items]).update(digested_at=cutoff)
        DigestLog.objects.filter(pk=claim.pk).update(sent_at=timezone.now(), item_count=len(items))
    return True


def portfolio_digest(today: dt.date) -> dict:
    """What a manager reads on Monday: renewals at risk, overdue reviews and actions."""
    from django.db.models import Count

    from accounts.models import OPEN_CONTRACT, Contract
    from plans.models import AccountPlan, ActionItem, PlanStatus

    soon = today + dt.timedelta(days=30)
    at_risk = (
        Contract.objects.filter(status__in=OPEN_CONTRACT, renewal_deadline__lte=soon)
        .select_related("account", "account__owner")
        .order_by("renewal_deadline", "id")
    )
    reviews = (
        AccountPlan.objects.filter(
            status__in=[PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW], next_review_date__lt=today
        )
        .select_related("account", "owner")
        .order_by("next_review_date", "id")
    )
    by_owner = list(
        ActionItem.objects.overdue(today)
        .values("owner__id", "owner__last_name", "owner__first_name", "owner__username")
        .annotate(n=Count("id"))
        .order_by("-n", "owner__id")[:20]
    )
    return {
        "renewals_count": at_risk.count(),
        "renewals": list(at_risk[:20]),
        "reviews_count": reviews.count(),
        "reviews": list(reviews[:20]),
        "actions_by_owner": by_owner,
        "today": today,
    }


def managers_for_weekly_digest(day: dt.date) -> list[int]:
    from kam.core.models import Role

    return list(
        User.objects.filter(is_active=True, digest_enabled=True, role=Role.MANAGER)
        .exclude(email="")
        .exclude(digests__digest_date=day, digests__kind="weekly")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def send_weekly_manager_digest(user_id: int, day: dt.date) -> bool:
    user = _digest_reader(user_id)
    if user is None:
        return False
    try:
        with transaction.atomic():
            claim = DigestLog.objects.create(recipient=user, digest_date=day, kind="weekly")
    except IntegrityError:
        return False
    context = portfolio_digest(day)
    try:
        _send(
            user=user,
            subject=gettext_noop("[KAM CRM] Portfolio this week (%(day)s)"),
            subject_args={"day": day.isoformat()},
            template="weekly",
            context={
                **context,
                "renewals_link": _absolute("/renewals/?bucket=30"),
                "plans_link": _absolute("/plans/"),
            },
        )
    except Exception:
        claim.delete()
        raise
    DigestLog.objects.filter(pk=claim.pk).update(
        sent_at=timezone.now(),
        item_count=context["renewals_count"] + context["reviews_count"],
    )
    return True
