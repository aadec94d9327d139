"""Inserting many new rows in one statement, for the hot paths (webhook ingest).

`QuerySet.bulk_create` prepares every value of every row through its field
(`get_db_prep_save`) and builds the statement in Python: for the 50 comments
of a webhook delivery that was a third of the worker's time (BENCHMARKS.md,
2.). `insert_new` does what bulk_create does for new rows of a plain model on
PostgreSQL, handing the values psycopg2 adapts natively (text, numbers,
booleans, aware datetimes, dates, None) to it as they are, and every other
value (JSON, enumerations' members, anything else) through its field as
bulk_create would. Elsewhere it is bulk_create.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import connections, router

# Rows per statement.
PAGE_SIZE = 500
# Values psycopg2 sends exactly as Django's fields would prepare them.
_NATIVE = (str, int, float, bool, datetime.datetime, datetime.date, decimal.Decimal, uuid.UUID)


def _prepared(field, value, connection):
    if value is None or type(value) in _NATIVE:
        return value
    return field.get_db_prep_save(value, connection=connection)


def insert_new(model, objects: list) -> list:
    """Insert `objects` (new, unsaved instances of `model`) and set their primary keys.

    The same rows as `model.objects.bulk_create(objects)`; the objects are then
    saved instances. On PostgreSQL one ``INSERT ... VALUES ... RETURNING`` per
    page of `PAGE_SIZE` rows.
    """
    if not objects:
        return objects
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    if (
        connection.vendor != "postgresql"
        or connection.Database.__name__ != "psycopg2"
        or meta.parents
        or not meta.pk.auto_created
        or any(obj.pk is not None for obj in objects)
    ):
        return model.objects.using(using).bulk_create(objects)
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    tail = f" RETURNING {quote(meta.pk.column)}"
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(objects), PAGE_SIZE):
            # psycopg2 writes each row's literal values (in C); the statement then goes
            # through Django's cursor, so it is logged and counted like any other.
            values = ", ".join(
                cursor.cursor.mogrify(
                    placeholders,
                    [
                        _prepared(field, field.pre_save(obj, add=True), connection)
                        for field in fields
                    ],
                ).decode()
                for obj in objects[start : start + PAGE_SIZE]
            )
            cursor.execute(head + values + tail)
            ids.extend(cursor.fetchall())
    for obj, (pk,) in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objects
