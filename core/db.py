"""Database functions the ORM lacks, written for SQLite and PostgreSQL alike."""

from django.db import models
from django.db.models import IntegerField


class DaysBetween(models.Func):
    """Whole days from the date ``start`` to the date ``end``, on SQLite and PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )
