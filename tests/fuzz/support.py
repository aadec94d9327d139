"""Helpers of the fuzz tests: per-example isolation, row counts, snapshots, messages.

Each Hypothesis example runs in a savepoint that is rolled back (`rolled_back`), so every
example starts from the same rows: counts taken inside the example compare the database
before and after one request only.
"""

from contextlib import contextmanager

from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Modest example counts keep the whole fuzz folder within a minute or two on SQLite;
# `deadline=None` because a request's time depends on the machine's load, not on the input.
FUZZ = hypothesis_settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# The sweeps over every URL run fewer examples per URL: the pages share their code, and
# the whole sweep stays within a minute.
FUZZ_SWEEP = hypothesis_settings(FUZZ, max_examples=12)

# Tables a rejected request may legitimately write to: the session of the client that
# logs in for the example, and django-axes' record of failed logins (that is its job).
COUNT_EXCLUDED_TABLES = frozenset({"django_session"})
COUNT_EXCLUDED_PREFIXES = ("axes_",)


@contextmanager
def rolled_back():
    """A savepoint that is always rolled back: each example leaves nothing behind."""
    with transaction.atomic():
        cache.clear()  # throttles and rate limits count per example, not per test
        yield
        transaction.set_rollback(True)
    cache.clear()


def client_for(world, role: str) -> Client:
    """A fresh client, logged in as the world's user for `role` (none for anonymous).

    Fresh per example: the session row of a login lives in the example's savepoint.
    """
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _counted_tables() -> list[str]:
    tables = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.proxy or not model._meta.managed or table in tables:
            continue
        if table in COUNT_EXCLUDED_TABLES or table.startswith(COUNT_EXCLUDED_PREFIXES):
            continue
        tables.append(table)
    return sorted(tables)


def row_counts() -> dict[str, int]:
    """The number of rows of every table of the project, in one query."""
    tables = _counted_tables()
    quote = connection.ops.quote_name
    # Table names come from the models, quoted by the backend: no outside input.
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = cursor.fetchone()
    return dict(zip(tables, values, strict=True))


def changed_counts(before: dict, after: dict) -> dict:
    return {
        table: (before[table], after[table]) for table in before if before[table] != after[table]
    }


def snapshot(obj) -> dict | None:
    """Every stored column of `obj` as the database has it now (None once it is gone)."""
    if obj is None:
        return None
    fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
    if fresh is None:
        return None
    return {
        field.attname: getattr(fresh, field.attname)
        for field in fresh._meta.concrete_fields
        # Reading a record counts nothing; `last_used_at` of a token is not a change.
        if field.attname not in ("last_used_at",)
    }


def error_messages(response) -> list[str]:
    """The error-level messages the request queued (shown on the next page)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    return [str(m) for m in storage._queued_messages if m.level >= message_levels.ERROR]


def success_messages(response) -> list[str]:
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    return [str(m) for m in storage._queued_messages if m.level == message_levels.SUCCESS]
