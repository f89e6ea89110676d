from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KamConfig(AppConfig):
    """The ground floor. Its label stays "kam", so the tables and migrations keep their names."""

    name = "kam.core"
    label = "kam"
    verbose_name = _("Users and settings")
