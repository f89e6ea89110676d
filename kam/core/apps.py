from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KamConfig(AppConfig):
    """The ground floor. Its label stays "kam", so the tables and migrations keep their names."""

    name = "kam.core"
    label = "kam"
    verbose_name = _("Users and settings")

    def ready(self) -> None:
        from simple_history.signals import (
            post_create_historical_record,
            pre_create_historical_record,
        )

        from . import changes, rights, security_log  # noqa: F401  (its receivers)

        pre_create_historical_record.connect(
            rights.mark_manager_edit, dispatch_uid="kam.rights.manager_edit"
        )
        post_create_historical_record.connect(
            changes.record_change, dispatch_uid="kam.changes.record"
        )
