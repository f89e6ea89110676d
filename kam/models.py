from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


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

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values), name="user_language_valid"
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    def get_full_name(self) -> str:
        # Japanese order: family name first.
        if self.language == Language.JA or not self.first_name:
            return f"{self.last_name} {self.first_name}".strip()
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def sees_whole_portfolio(self) -> bool:
        """Managers and admins read every account; reps only their own and their teams'."""
        return self.is_superuser or self.role in (Role.MANAGER, Role.ADMIN)
