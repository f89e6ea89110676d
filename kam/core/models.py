from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .db import valid_choice
from .text import SEARCH_KEY_LENGTH, record_search_key


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        # A name of only spaces (full-width ones included) looks filled in but says nothing:
        # as empty text, a required field refuses it with the usual message. Imports and
        # services reach here without a form field stripping the value first.
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                if isinstance(value, str) and value and not value.strip():
                    setattr(self, field.attname, "")
        super().clean_fields(exclude=exclude)


class Role(models.TextChoices):
    REP = "rep", _("Sales rep / key account manager")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class Language(models.TextChoices):
    JA = "ja", _("Japanese")
    EN = "en", _("English")


class User(AbstractUser):
    """A person who signs in. The role decides what they may see across the portfolio."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    name_kana = models.CharField(_("name reading (kana)"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.JA
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    digest_enabled = models.BooleanField(
        _("daily digest mail"),
        default=True,
        help_text=_("Send me one mail a day with my reminders."),
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        limit_choices_to={"role": Role.MANAGER, "is_active": True},
        help_text=_("The manager who signs off this person's plan reviews."),
    )
    # Raised by "sign out everywhere": every session signed in before carries a stale hash.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)
    # Kept with the authenticator devices (kam.core.signin), so that every request can tell
    # whether a second step is due without asking the device tables.
    two_step_enabled = models.BooleanField(_("two-step sign-in"), default=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            valid_choice("role", Role, name="user_role_valid"),
            valid_choice("language", Language, name="user_language_valid"),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    def get_full_name(self) -> str:
        # Japanese order: family name first.
        if self.language == Language.JA or not self.first_name:
            return f"{self.last_name} {self.first_name}".strip()
        return f"{self.first_name} {self.last_name}".strip()

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, plus the session generation once it was raised, so
        that changing either signs out every session (and sessions from before stay valid)."""
        if not self.session_generation:
            return super().get_session_auth_hash()
        return salted_hmac(
            "kam.core.models.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def sees_whole_portfolio(self) -> bool:
        """Managers and admins read every account; reps only their own and their teams'."""
        return self.is_superuser or self.role in (Role.MANAGER, Role.ADMIN)


class ReminderKind(models.TextChoices):
    RENEWAL_DUE = "renewal_due", _("Renewal deadline approaching")
    RENEWAL_OVERDUE = "renewal_overdue", _("Renewal deadline passed without a decision")
    PRICE_REVIEW = "price_review", _("Price review due")
    PLAN_REVIEW = "plan_review", _("Account plan review due")
    ACTION_DUE = "action_due", _("Action item due soon")
    ACTION_OVERDUE = "action_overdue", _("Action item overdue")
    GOAL_MISSED = "goal_missed", _("SMART goal past its due date and not met")
    APPROVAL_PENDING = "approval_pending", _("Plan review waiting for sign-off")
    REVIEW_DECIDED = "review_decided", _("Plan review signed off or sent back")
    MENTION = "mention", _("Mentioned in a comment")
    REPLY = "reply", _("Reply to a comment")


class MailState(models.TextChoices):
    NONE = "none", _("No immediate mail")
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class Reminder(models.Model):
    """One reminder for one person about one object's due date at one lead time.

    The unique key is the promise that nothing is ever sent twice: a sweep inserts what is
    due and the database drops what was already recorded, whatever retried, raced or crashed.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=ReminderKind.choices)
    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders"
    )
    # The object is named by its kind's model: contracts for renewals and price reviews,
    # plans for plan reviews, action items, goals.
    object_id = models.BigIntegerField(_("object id"))
    due_date = models.DateField(_("due date"))
    lead_days = models.SmallIntegerField(
        _("days before due"), help_text=_("Negative when the due date has passed.")
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified in app at"), null=True, blank=True)
    mail_state = models.CharField(
        _("immediate mail"), max_length=16, choices=MailState.choices, default=MailState.NONE
    )
    mail_claimed_at = models.DateTimeField(_("mail claimed at"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField(_("mail attempts"), default=0)
    digested_at = models.DateTimeField(_("in digest at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminder log")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "due_date", "lead_days", "recipient"],
                name="reminder_sent_once",
            ),
            valid_choice("kind", ReminderKind, name="reminder_kind_valid"),
            valid_choice("mail_state", MailState, name="reminder_mail_state_valid"),
            models.CheckConstraint(
                condition=~models.Q(mail_state=MailState.SENT) | models.Q(mailed_at__isnull=False),
                name="reminder_mailed_at_when_sent",
            ),
        ]
        indexes = [
            # Delivery picks up what has not reached the notification centre yet.
            models.Index(
                fields=["created_at"],
                condition=models.Q(notified_at__isnull=True),
                name="reminder_to_notify",
            ),
            models.Index(
                fields=["mail_state", "mail_claimed_at"],
                condition=models.Q(mail_state__in=["pending", "sending"]),
                name="reminder_mail_queue",
            ),
            # The daily digest: a recipient's reminders not yet in a digest.
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(digested_at__isnull=True),
                name="reminder_digest_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """What the notification centre shows; one per reminder (or other event) and person."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.OneToOneField(
        Reminder,
        verbose_name=_("reminder"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ReminderKind.choices)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Unread count in the header and the notification list.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title


class DigestLog(models.Model):
    """One digest mail per person per day: claimed by inserting this row."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="digests"
    )
    digest_date = models.DateField(_("digest date"))
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[("daily", _("Daily digest")), ("weekly", _("Weekly portfolio digest"))],
        default="daily",
    )
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("digest mail")
        verbose_name_plural = _("digest mails")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_date", "kind"], name="digest_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.digest_date}"


class ChangeAction(models.TextChoices):
    CREATED = "+", _("Added")
    CHANGED = "~", _("Changed")
    DELETED = "-", _("Deleted")


class Change(models.Model):
    """One save or delete of a row under an account, field by field: what the timeline reads.

    Written from the row's history record as it is made (kam.core.changes), with the account
    and plan it belongs to, so that an account's or a plan's timeline is one indexed read
    rather than a union of every history table. Values are stored raw (choice values, ids);
    the timeline puts them in the reader's language.
    """

    # The account and plan the row is under. Not foreign keys: a deletion is itself a change,
    # written while the rows it names are going (an account's children are deleted first).
    account_id = models.BigIntegerField(_("account"))
    plan_id = models.BigIntegerField(_("plan"), null=True, blank=True)
    model = models.CharField(_("kind of record"), max_length=64)
    object_id = models.BigIntegerField(_("record"))
    object_repr = models.CharField(_("record name"), max_length=200)
    action = models.CharField(_("action"), max_length=1, choices=ChangeAction.choices)
    user = models.ForeignKey(
        User,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("changed at"))
    # [{"field": name, "old": value, "new": value}, ...]
    fields = models.JSONField(_("fields"), default=list)
    manager_edit = models.BooleanField(_("a manager's edit"), default=False)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-at", "-id"]
        constraints = [valid_choice("action", ChangeAction, name="change_action_valid")]
        indexes = [
            models.Index(fields=["account_id", "-at", "-id"], name="change_account_recent"),
            models.Index(
                fields=["plan_id", "-at", "-id"],
                condition=models.Q(plan_id__isnull=False),
                name="change_plan_recent",
            ),
            models.Index(fields=["model", "object_id", "-at"], name="change_record_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class SecurityEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("Signed out everywhere")
    PASSWORD_CHANGED = "password_changed", pgettext_lazy("security event", "Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    TWO_STEP_ON = "two_step_on", _("Two-step sign-in turned on")
    TWO_STEP_OFF = "two_step_off", _("Two-step sign-in turned off")
    RECOVERY_CODES = "recovery_codes", _("New recovery codes")
    EXPORT = "export", _("Export")
    ROLE_CHANGED = "role_changed", _("Role or access changed")
    TEAM_CHANGED = "team_changed", _("Account team changed")
    OWNER_CHANGED = "owner_changed", _("Owner changed")


class SecurityEvent(models.Model):
    """One event an administrator must be able to account for: who signed in from where,
    who exported what, who changed a role, a team or an owner (kam.core.security_log).

    Written in the same transaction as the change it records, where there is one; read-only
    in admin; kept SECURITY_LOG_DAYS and pruned by a nightly task.
    """

    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("event"), max_length=32, choices=SecurityEventKind.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The user name as typed or as it was then: kept when the user is renamed or deleted,
    # and for a failed sign-in with a name that is no one's.
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    # Whose role, password or second step changed, when it is someone else's.
    subject = models.ForeignKey(
        User,
        verbose_name=_("concerning"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    account_id = models.BigIntegerField(_("account"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]
        constraints = [valid_choice("kind", SecurityEventKind, name="security_event_kind_valid")]
        indexes = [
            # The admin's list, newest first, filtered by kind or person; pruning by age.
            models.Index(fields=["-at"], name="security_event_recent"),
            models.Index(fields=["kind", "-at"], name="security_event_kind"),
            models.Index(fields=["actor", "-at"], name="security_event_actor"),
            models.Index(fields=["address", "-at"], name="security_event_address"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_name}"


class Searchable(models.Model):
    """A record found by what people type: `search_key` holds its folded names and readings
    (kam.core.text), refreshed on every save; searches match it with `contains`, served on
    PostgreSQL by a trigram index. Subclasses name the fields in SEARCHED."""

    search_key = models.CharField(
        _("search key"), max_length=SEARCH_KEY_LENGTH, blank=True, editable=False
    )

    SEARCHED: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        # A save that names its fields refreshes the key only when it writes a searched one,
        # so a name changed in memory but not saved never reaches the key.
        writes_names = update_fields is None or set(update_fields) & set(self.SEARCHED)
        if writes_names and self.refresh_search_key() and update_fields is not None:
            update_fields = [*update_fields, "search_key"]
        return super().save(*args, update_fields=update_fields, **kwargs)

    def refresh_search_key(self) -> bool:
        """Recompute the key; whether it changed."""
        key = record_search_key(self, self.SEARCHED)
        changed = key != self.search_key
        self.search_key = key
        return changed


def refresh_search_keys(rows) -> None:
    """Fill the search keys of rows about to be inserted in bulk (bulk_create skips save)."""
    for row in rows:
        if isinstance(row, Searchable):
            row.refresh_search_key()
