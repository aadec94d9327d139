"""Inserting many new rows in one statement, for the hot paths (webhook ingest).

`QuerySet.bulk_create` wants a model instance per row and prepares every value
of every row through its field (`get_db_prep_save`), building the statement in
Python: for the 50 comments of a webhook delivery, building the instances and
their statement was half of the worker's time (BENCHMARKS.md, 2.).

`insert_rows` takes the rows as plain tuples of the values the caller sets.
Every other field takes its default, worked out once for the whole call. On
PostgreSQL with psycopg2 the values are handed to the driver as they are
wherever it adapts them as the field would (text, numbers, booleans, aware
datetimes, dates, None), and through the field otherwise (JSON, anything
else); the driver then writes the whole statement in C. Elsewhere it is
`bulk_create`.

The values are not validated here: the caller validates what it did not make.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Sequence

from django.db import connections, router

# Rows per statement.
PAGE_SIZE = 500
# Values psycopg2 sends exactly as Django's fields would prepare them.
_NATIVE = (str, int, float, bool, datetime.datetime, datetime.date, decimal.Decimal, uuid.UUID)


def _prepared(field, value, connection):
    if value is None or type(value) in _NATIVE:
        return value
    return field.get_db_prep_save(value, connection=connection)


def _fields(model, columns: Sequence[str]) -> tuple[list, list]:
    """The named fields, and the other concrete fields but the primary key."""
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    unknown = [name for name in columns if name not in by_attname]
    if unknown or len(set(columns)) != len(columns) or meta.pk.attname in columns:
        raise ValueError(f"{model.__name__} cannot take the columns {list(columns)!r}")
    named = [by_attname[name] for name in columns]
    rest = [
        field
        for field in meta.concrete_fields
        if field is not meta.pk and field.attname not in columns
    ]
    return named, rest


def insert_rows(model, columns: Sequence[str], rows: Sequence[Sequence]) -> list:
    """Insert new rows of `model`; their primary keys, in the order of `rows`.

    `columns` are attribute names (``channel_id``, not ``channel``); each row
    holds their values as the model's attributes would. Every other field
    takes the value a new instance would save, worked out once for the call:
    a callable default such as ``timezone.now`` gives every row one moment.
    On PostgreSQL one ``INSERT ... VALUES ... RETURNING`` per `PAGE_SIZE` rows.
    """
    if not rows:
        return []
    named, rest = _fields(model, columns)
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    template = model()
    if (
        connection.vendor != "postgresql"
        or connection.Database.__name__ != "psycopg2"
        or meta.parents
        or not meta.pk.auto_created
    ):
        defaults = {field.attname: getattr(template, field.attname) for field in rest}
        objects = [model(**defaults, **dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.using(using).bulk_create(objects)
        return [obj.pk for obj in objects]
    constants = [_prepared(field, field.pre_save(template, add=True), connection) for field in rest]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"({', '.join(quote(field.column) for field in [*named, *rest])}) VALUES "
    )
    tail = f" RETURNING {quote(meta.pk.column)}"
    placeholders = "(" + ", ".join(["%s"] * (len(named) + len(rest))) + ")"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), PAGE_SIZE):
            page = rows[start : start + PAGE_SIZE]
            params = []
            for row in page:
                params.extend(
                    [
                        _prepared(field, value, connection)
                        for field, value in zip(named, row, strict=True)
                    ]
                )
                params.extend(constants)
            # psycopg2 writes the values into the statement (in C); it goes through
            # Django's cursor, so it is logged and counted like any other.
            cursor.execute(head + ", ".join([placeholders] * len(page)) + tail, params)
            ids.extend(pk for (pk,) in cursor.fetchall())
    return ids
