"""PostgreSQL connections are health-checked only after they were idle
(core/db/postgresql/base.py): a busy connection saves a round trip per request,
an idle one is checked as Django does, and a broken one is replaced."""

import time

import pytest
from django.db import DatabaseError, connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def checks(monkeypatch):
    """The health checks made (is_usable calls), with the real check's answer."""
    made = []
    wrapper = type(connections["default"])
    real = wrapper.is_usable

    def counted(self):
        made.append(time.monotonic())
        return real(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    monkeypatch.setattr(connections["default"], "health_check_enabled", True)
    return made


def request(query="SELECT 1"):
    """What Django does around a request: the signals' calls, one query between."""
    connection.close_if_unusable_or_obsolete()  # request_started
    with connection.cursor() as cursor:
        cursor.execute(query)
        cursor.fetchone()
    connection.close_if_unusable_or_obsolete()  # request_finished


def test_the_production_settings_use_this_backend():
    assert type(connections["default"]).__module__ == "core.db.postgresql.base"


def test_a_connection_in_use_is_not_checked_before_each_request(checks):
    request()  # a new connection: used, so alive
    checks.clear()
    for _ in range(5):
        request()
    assert checks == []


def test_a_connection_idle_for_a_while_is_checked(checks, monkeypatch):
    request()
    monkeypatch.setattr("core.db.postgresql.base.HEALTH_CHECK_AFTER_IDLE", 0.0)
    checks.clear()
    request()
    assert len(checks) == 1


def test_a_broken_idle_connection_is_replaced_before_the_request(checks, monkeypatch):
    request()
    old = connection.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    # Another session ends this one, as a database restart would.
    import psycopg2

    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    monkeypatch.setattr("core.db.postgresql.base.HEALTH_CHECK_AFTER_IDLE", 0.0)
    request()  # checked, found broken, reconnected: the query succeeds
    assert connection.connection is not old
    assert checks


def test_a_request_that_failed_has_its_connection_checked_at_its_end(checks):
    request()
    checks.clear()
    connection.close_if_unusable_or_obsolete()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    connection.errors_occurred = True  # as Django's error wrapper marks it
    connection.close_if_unusable_or_obsolete()
    assert len(checks) == 1  # as Django does after an error, whatever the idle time
