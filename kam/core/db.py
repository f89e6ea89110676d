"""Database expressions and constraints shared by the apps, written once for PostgreSQL and
SQLite."""

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import OperationalError, models
from django.db.migrations import RunPython
from django.db.models import Q, Value
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _


class DateMinusDays(models.Func):
    """`date - days` as a date: the same result on PostgreSQL and SQLite.

    Deterministic on both, so it may back a generated column.
    """

    output_field = models.DateField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '-' || ",
            **extra_context,
        )


# What str.strip() removes, the full-width space of Japanese input among it: a text of only these
# is as empty to the database as it is to the model (TimeStampedModel.clean_fields).
WHITESPACE = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


class StripWhitespace(models.Func):
    """The text without WHITESPACE at either end: the same result on PostgreSQL and SQLite.

    Standard TRIM(text) removes the ASCII space only; both databases take the characters to
    remove as a second argument, under different names.
    """

    function = "TRIM"
    output_field = models.TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(WHITESPACE), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="BTRIM", **extra_context)


# Dates people type or import: wide enough for any real contract or meeting, narrow enough to
# catch a year typed as 9999 or 0202. Datetimes are stored in UTC and bounded there.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
EARLIEST_DATETIME = dt.datetime.combine(EARLIEST_DATE, dt.time.min, tzinfo=dt.UTC)
LATEST_DATETIME = dt.datetime.combine(LATEST_DATE, dt.time.max, tzinfo=dt.UTC)

DATE_OUT_OF_RANGE = _("Enter a date between 1900 and 2200.")
# On the model fields, so that forms, admin and imports show the message beside the field.
date_validators = [
    MinValueValidator(EARLIEST_DATE, DATE_OUT_OF_RANGE),
    MaxValueValidator(LATEST_DATE, DATE_OUT_OF_RANGE),
]
datetime_validators = [
    MinValueValidator(EARLIEST_DATETIME, DATE_OUT_OF_RANGE),
    MaxValueValidator(LATEST_DATETIME, DATE_OUT_OF_RANGE),
]


# Check constraints that repeat across the apps. Forms and model validation say the same
# things more kindly; these hold for what bypasses them too (imports, bulk writes, raw SQL).


def valid_choice(field: str, choices: type[models.Choices], *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def not_blank(field: str, *, name: str) -> models.CheckConstraint:
    """A required text: NOT NULL alone still lets the empty string in, and spaces alone."""
    return models.CheckConstraint(condition=~Q(Exact(StripWhitespace(field), Value(""))), name=name)


def in_range(field: str, low: int, high: int, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name
    )


def date_in_range(field: str, *, name: str, with_time: bool = False) -> models.CheckConstraint:
    """A date (or, `with_time`, a datetime) between EARLIEST_DATE and LATEST_DATE; NULL passes."""
    low, high = (EARLIEST_DATETIME, LATEST_DATETIME) if with_time else (EARLIEST_DATE, LATEST_DATE)
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name
    )


def keeping_sqlite_triggers(operations: list) -> list:
    """Migration operations, run on SQLite with the database's triggers set aside and put back.

    SQLite changes a table's constraints by copying it into a new table and dropping the old
    one, which silently drops that table's triggers too, and it refuses the rename back while
    a trigger on another table names the dropped one. PostgreSQL alters tables in place.
    """
    saved: list[str] = []

    def set_aside(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            saved[:] = [sql for _name, sql in triggers]
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")

    def put_back(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in saved:
                try:
                    cursor.execute(sql)
                except OperationalError as exc:
                    # Undoing a migration that created the table: its trigger goes with it.
                    if "no such table" not in str(exc):
                        raise
        saved.clear()

    return [RunPython(set_aside, put_back), *operations, RunPython(put_back, set_aside)]


def backfill_search_keys(app_label: str, model_name: str, fields: tuple[str, ...]):
    """A migration step that fills `search_key` (kam.core.models.Searchable) on existing rows,
    folded as the model folds it on save."""

    def run(apps, schema_editor):
        from .text import record_search_key

        model = apps.get_model(app_label, model_name)
        rows = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=2000):
            row.search_key = record_search_key(row, fields)
            rows.append(row)
            if len(rows) >= 2000:
                model.objects.bulk_update(rows, ["search_key"])
                rows = []
        model.objects.bulk_update(rows, ["search_key"])

    return run


def trigram_index(table: str, name: str, column: str = "search_key"):
    """A migration step: on PostgreSQL, a pg_trgm GIN index that serves `contains` (LIKE
    '%...%') searches on the column; nothing on SQLite, where the lists are small."""
    from django.db import migrations

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
        )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop)
