"""A real Celery worker against Redis parses what the webhook stored.

The worker is a separate process using the test database, so the data must
be committed (`transaction=True`).
"""

import time

import pytest
from django.db import connection

from moderation.models import Delivery, DeliveryStatus, Item
from tests.conftest import reset_celery_connections
from tests.moderation.conftest import payload_bytes

pytestmark = [pytest.mark.redis, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_broker_pools():
    """Start and end with no broker connections cached, in kombu or in the app."""
    from smedje_social.celery import app

    reset_celery_connections(app)
    yield
    reset_celery_connections(app)


def wait_for(predicate, *, seconds, what, worker):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {seconds} s. Worker log:\n{worker.log()}")


def test_the_worker_parses_a_webhook_delivery(
    fresh_broker_pools, page_channel, start_celery_worker, redis_url, post_meta
):
    worker = start_celery_worker(broker=redis_url)

    response = post_meta(payload_bytes("fb_feed_comment_add.json"))

    assert response.status_code == 200
    wait_for(lambda: Item.objects.exists(), seconds=60, what="Parsing the delivery", worker=worker)
    item = Item.objects.get()
    assert item.channel == page_channel
    assert Delivery.objects.get().status == DeliveryStatus.PARSED
    assert "delivery_parse_task" in worker.log()

    # A redelivery of the same body is answered at once and adds nothing.
    assert post_meta(payload_bytes("fb_feed_comment_add.json")).status_code == 200
    time.sleep(1)
    assert Item.objects.count() == 1
    assert Delivery.objects.count() == 1


def _other_backends() -> set:
    """The PostgreSQL backends on the test database but this process's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return set(cursor.fetchall())


def _new_backends(before: set) -> set:
    """The backends opened since `before` was read: the worker's (earlier tests may leave
    a connection of their own behind for a while)."""
    return _other_backends() - before


def _parse(post_meta, worker, name: str, before: set) -> set:
    """Post a payload, wait until it is parsed and the task has ended; the worker's backends."""
    assert post_meta(payload_bytes(name)).status_code == 200
    wait_for(
        lambda: not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists(),
        seconds=20,  # a retry would come after PARSE_RETRY_COUNTDOWN (30 s)
        what=f"Parsing {name}",
        worker=worker,
    )
    time.sleep(1.5)  # the task's end has run, and the connection has been idle a while
    return _new_backends(before)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's backends")
def test_the_worker_keeps_its_database_connection_from_task_to_task(
    fresh_broker_pools, page_channel, start_celery_worker, redis_url, post_meta
):
    """Celery's Django fixup would close it after every task (CELERY_DB_REUSE_MAX), and a
    connection that broke meanwhile is replaced before the next task uses it."""
    before = _other_backends()
    worker = start_celery_worker(broker=redis_url)
    first = _parse(post_meta, worker, "fb_feed_comment_add.json", before)
    assert len(first) == 1, worker.log()
    assert _parse(post_meta, worker, "fb_feed_reply_add.json", before) == first

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(first))[0]])
    after = _parse(post_meta, worker, "fb_feed_comment_edited.json", before)
    assert len(after) == 1
    assert after != first
    assert Delivery.objects.filter(status=DeliveryStatus.PARSED).count() == 3
    assert "OperationalError" not in worker.log()
