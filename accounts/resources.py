"""Spreadsheet import and export of key accounts and contracts (django-import-export).

Columns are the field names, not their translated labels, so that one file imports the same
whatever language the admin reads in. Related rows are named by what people know them by:
a user by username, an account by its company name.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.widgets import ForeignKeyWidget

from kam.core import rights
from kam.core.models import User
from kam.core.versions import Versioned

from . import duplicates
from .models import Account, Contract


class NaturalKeyWidget(ForeignKeyWidget):
    """A foreign key named by a readable value, with a plain message when it matches no row
    or more than one (the stock widget lets the query exceptions through as tracebacks)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            message = _("No %(model)s has %(field)s “%(value)s”.")
        except self.model.MultipleObjectsReturned:
            message = _("More than one %(model)s has %(field)s “%(value)s”; make it unique first.")
        opts = self.model._meta
        raise ValueError(
            message
            % {
                "model": opts.verbose_name,
                "field": opts.get_field(self.field.split("__")[0]).verbose_name,
                "value": value,
            }
        )


class AllOrNothingResource(resources.ModelResource):
    """A file goes in whole or not at all.

    import-export rolls back on errors, but by default keeps the good rows of a file whose
    other rows failed validation; half an import is worse than none to fix by hand.
    """

    class Meta:
        # Inherited by the resources built on this one: each row is validated as a form would be,
        # the file is one transaction, and rows that would not change are not written.
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        """The same rules as every other door: the importing person's rights, and a stale row
        refused. A file exported with its `version` column says which version each row was
        read at; when someone saved the row since, the import of that row is refused (and,
        the file being all or nothing, the whole file) rather than wiping their change."""
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        if user is not None and hasattr(instance, "account_for_rights"):
            try:
                reason = rights.refusal(user, rights.Act.EDIT, instance)
            except ObjectDoesNotExist:
                reason = None
            if reason is not None:
                raise ValidationError(reason)
        given = str(row.get("version") or "").strip()
        if isinstance(instance, Versioned) and instance.pk and given:
            if not given.isdigit():
                raise ValidationError({"version": _("The version must be a whole number.")})
            instance.expect({"version": int(given)})

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except self._meta.model.MultipleObjectsReturned:
            # Company names are not unique in the database; refuse to guess which one to update.
            raise ValueError(
                _("More than one %(model)s matches %(columns)s; fix the duplicates first.")
                % {
                    "model": self._meta.model._meta.verbose_name,
                    "columns": ", ".join(
                        f"{name} “{row.get(name)}”" for name in self.get_import_id_fields()
                    ),
                }
            ) from None

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=True,
        **kwargs,
    ):
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )


# What a spreadsheet cell says for yes.
TRUE = {"1", "true", "yes", "y", "はい", "○"}


class AccountResource(AllOrNothingResource):
    owner = Field(attribute="owner", column_name="owner", widget=NaturalKeyWidget(User, "username"))
    priority_score = Field(attribute="priority_score", column_name="priority_score", readonly=True)
    quadrant = Field(attribute="quadrant", column_name="quadrant", readonly=True)
    version = Field(attribute="version", column_name="version", readonly=True)

    class Meta:
        model = Account
        fields = (
            "name",
            "name_kana",
            "industry",
            "tier",
            "status",
            "owner",
            "website",
            "corporate_number",
            "headquarters",
            "annual_revenue",
            "revenue_currency",
            "employees",
            "score_revenue_size",
            "score_industry_position",
            "score_growth_rate",
            "score_fit",
            "score_relationship",
            "description",
            "priority_score",
            "quadrant",
            "version",
        )
        export_order = fields
        # Company names are how people know their customers; a re-import updates them.
        import_id_fields = ("name",)

    def import_instance(self, instance, row, **kwargs):
        """A new account that may already exist under another spelling, website or
        corporate number is refused, row by row, naming the others; a `duplicate_ok` column
        set to 1 imports it all the same (accounts.duplicates)."""
        super().import_instance(instance, row, **kwargs)
        if instance.pk is not None or str(row.get("duplicate_ok") or "").strip() in TRUE:
            return
        found = list(
            duplicates.account_duplicates(
                name=instance.name,
                website=instance.website,
                corporate_number=instance.corporate_number,
            )[:5]
        )
        if found:
            raise ValidationError(
                {
                    "name": _(
                        "Possibly the same customer as %(others)s. To import it all the same, "
                        "put 1 in a duplicate_ok column for this row."
                    )
                    % {"others": "、".join(account.name for account in found)}
                }
            )

    def get_queryset(self):
        return super().get_queryset().select_related("owner")


class ContractResource(AllOrNothingResource):
    account = Field(
        attribute="account", column_name="account", widget=NaturalKeyWidget(Account, "name")
    )
    renewal_deadline = Field(
        attribute="renewal_deadline", column_name="renewal_deadline", readonly=True
    )
    version = Field(attribute="version", column_name="version", readonly=True)

    class Meta:
        model = Contract
        fields = (
            "number",
            "account",
            "title",
            "start_date",
            "end_date",
            "annual_value",
            "currency",
            "auto_renew",
            "notice_period_days",
            "status",
            "next_price_review_date",
            "last_price_review_date",
            "sla_terms",
            "renewal_deadline",
            "version",
        )
        export_order = fields
        import_id_fields = ("number",)

    def get_queryset(self):
        return super().get_queryset().select_related("account")

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # The database check would only name its constraint; say what is wrong instead.
        # validate_instance then skips that constraint, as it excludes fields with errors.
        if (
            "start_date" not in errors
            and "end_date" not in errors
            and instance.start_date
            and instance.end_date
            and instance.end_date <= instance.start_date
        ):
            errors["end_date"] = [_("The end date must be after the start date.")]
        if errors:
            raise ValidationError(errors)
