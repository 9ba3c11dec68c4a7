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
    the current time); a value given for an auto_now_add field is kept. ``batch_size`` is for
    bulk_create (COPY sends every row in one statement)."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    objs = model.objects.bulk_create(
        [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=batch_size
    )
    kept = [f for f in fields if getattr(model._meta.get_field(f), "auto_now_add", False)]
    if kept:  # bulk_create replaced them with the current time
        for obj, row in zip(objs, rows, strict=True):
            for name in kept:
                setattr(obj, name, row[fields.index(name)])
        model.objects.bulk_update(objs, kept, batch_size=batch_size)
    return [obj.pk for obj in objs]


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
