"""Database expressions shared by the apps, written once for PostgreSQL and SQLite."""

from django.db import models


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
