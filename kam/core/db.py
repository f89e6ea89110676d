"""Database expressions and constraints shared by the apps, written once for PostgreSQL and
SQLite."""

from django.db import models
from django.db.models import Q


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


# Check constraints that repeat across the apps. Forms and model validation say the same
# things more kindly; these hold for what bypasses them too (imports, bulk writes, raw SQL).


def valid_choice(field: str, choices: type[models.Choices], *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def not_blank(field: str, *, name: str) -> models.CheckConstraint:
    """A required text: NOT NULL alone still lets the empty string in."""
    return models.CheckConstraint(condition=~Q(**{field: ""}), name=name)


def in_range(field: str, low: int, high: int, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name
    )
