"""Bulk inserts of rows given as tuples, for the demo data set's million-odd rows.

On PostgreSQL the rows go in with COPY, with ids taken from the table's sequence first, in order,
as bulk_create's would be. Measured with `seed_demo --apprentices 10000` (1.9 million rows: scans,
ratings, evidence, its KSB links and feedback, reviews) on a 2-core machine: bulk_create of model
instances took about 95 s of the 130-150 s, COPY of tuples takes about 14 s. Elsewhere (SQLite:
`make run`, the tests) they go in with bulk_create, as model instances; the rows and their ids are
the same either way."""

from django.db import connection


def insert(model, fields, rows, *, batch_size=2000):
    """Insert ``rows`` (tuples of values for ``fields``, attribute names such as ``scan_id``), in
    order, and return their primary keys. The other fields take their defaults (auto_now fields
    the current time); a value given for an auto_now_add or auto_now field is kept, so demo
    history can be dated in the past. ``batch_size`` is for bulk_create (COPY sends every row in
    one statement)."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    objs = model.objects.bulk_create(
        [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=batch_size
    )
    kept = [model._meta.get_field(f) for f in fields if _stamped_on_save(model._meta.get_field(f))]
    if kept:  # bulk_create replaced them with the current time: put the given ones back
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(field.column)} = %s" for field in kept)
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 (names from the model)
        positions = [fields.index(field.name) for field in kept]
        with connection.cursor() as cursor:
            # One statement run for every row: bulk_update's CASE per row is far slower.
            cursor.executemany(
                sql,
                [
                    (
                        *(
                            field.get_db_prep_save(row[i], connection)
                            for field, i in zip(kept, positions, strict=True)
                        ),
                        obj.pk,
                    )
                    for obj, row in zip(objs, rows, strict=True)
                ],
            )
    return [obj.pk for obj in objs]


def _stamped_on_save(field):
    return getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)


def _copy(model, fields, rows):
    meta, quote = model._meta, connection.ops.quote_name
    given = {meta.get_field(name).column for name in fields}
    template = model()  # the other fields' defaults, the same for every row
    rest = {
        field.column: field.get_db_prep_save(field.pre_save(template, add=True), connection)
        for field in meta.concrete_fields
        if field.column not in given and not field.primary_key
    }
    columns = [meta.pk.column, *(meta.get_field(name).column for name in fields), *rest]
    tail = tuple(rest.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)]
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
        sql = f"COPY {quote(meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row, *tail))
    return ids
