"""Spreadsheet import and export of the customer's people (django-import-export)."""

from __future__ import annotations

from import_export.fields import Field

from accounts.models import Account
from accounts.resources import AllOrNothingResource, NaturalKeyWidget
from kam.core.models import User

from .models import Stakeholder
from .services import STAKEHOLDER_FIELDS


class ManagerWidget(NaturalKeyWidget):
    """The person someone reports to, named as they are in the same file: by name, looked up
    only among the people of the row's account (two customers may well both have a 田中)."""

    def get_queryset(self, value, row, *args, **kwargs):
        account_name = (row or {}).get("account") or ""
        return self.model.objects.filter(account__name=str(account_name).strip())


class StakeholderResource(AllOrNothingResource):
    account = Field(
        attribute="account", column_name="account", widget=NaturalKeyWidget(Account, "name")
    )
    reports_to = Field(
        attribute="reports_to", column_name="reports_to", widget=ManagerWidget(Stakeholder, "name")
    )
    relationship_owner = Field(
        attribute="relationship_owner",
        column_name="relationship_owner",
        widget=NaturalKeyWidget(User, "username"),
    )

    version = Field(attribute="version", column_name="version", readonly=True)

    class Meta:
        model = Stakeholder
        # The account, then every field the stakeholder services write.
        fields = ("account", *STAKEHOLDER_FIELDS, "version")
        export_order = fields
        # A person is known by name within their company; a re-import updates them.
        import_id_fields = ("account", "name")

    def get_queryset(self):
        return super().get_queryset().select_related("account", "reports_to", "relationship_owner")
