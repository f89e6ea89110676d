from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """The reminder engine: an app only so that Celery finds its tasks and manage.py its command."""

    name = "kam.reminders"
    label = "reminders"
    verbose_name = _("Reminders")
