"""A real Celery worker against Redis parses what the webhook stored.

The worker is a separate process using the test database, so the data must
be committed (`transaction=True`).
"""

import time

import pytest

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
