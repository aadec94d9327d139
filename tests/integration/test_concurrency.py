"""Concurrency on PostgreSQL: many clients and handlers at once, one outcome.

* 8 clients post the same 1,000 webhook events (20% of them duplicates of others,
  most in another POST) at once to a real HTTP server; two real Celery workers parse
  the deliveries side by side. Result: every distinct body stored once, and exactly
  one item (with one version) per distinct event.
* 5 handlers claim the same item at once, each on its own connection: one holds it,
  the other four get a clear conflict and change nothing.

Two disposal runs at once disposing of each record once is
tests/archive/test_disposal.py::test_two_concurrent_runs_dispose_of_each_record_once,
which runs in the same PostgreSQL pass.
"""

import json
import random
import threading

import pytest
import requests
from django.db import connections

from channels.services.channels import channel_set_handlers
from core.exceptions import StaleVersion
from moderation import services
from moderation.models import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemEvent,
    ItemKind,
    ItemVersion,
    UnhandledEvent,
)
from moderation.services.actions import ClaimConflict
from tests.factories import UserFactory
from tests.integration.conftest import wait_for
from tests.moderation.conftest import META_SECRET, PAGE_ID, sign

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 8
EVENTS = 1000
DUPLICATES = 200
EVENTS_PER_POST = 10


def comment_change(n: int) -> dict:
    post_id = f"{PAGE_ID}_900000000000001"
    return {
        "field": "feed",
        "value": {
            "from": {"id": f"{7_000_000 + n}", "name": f"Invånare {n}"},
            "post_id": post_id,
            "comment_id": f"900000000000001_{1_000_000 + n}",
            "parent_id": post_id,
            "created_time": 1717408800 + n,
            "item": "comment",
            "verb": "add",
            "message": f"Synpunkt nummer {n} om badhuset",
        },
    }


def webhook_bodies(seed: int = 9) -> tuple[list[bytes], int]:
    """1,000 events (800 distinct, 200 repeated) in POSTs of ten; (bodies, distinct)."""
    rng = random.Random(seed)
    distinct = EVENTS - DUPLICATES
    events = list(range(distinct)) + [rng.randrange(distinct) for _ in range(DUPLICATES)]
    rng.shuffle(events)
    bodies = []
    for start in range(0, EVENTS, EVENTS_PER_POST):
        changes = [comment_change(n) for n in events[start : start + EVENTS_PER_POST]]
        payload = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1717408900 + start}]}
        payload["entry"][0]["changes"] = changes
        bodies.append(json.dumps(payload).encode())
    return bodies, distinct


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery
def test_eight_clients_posting_the_same_events_make_each_item_once(
    postgres, redis_server, start_celery_worker, live_server, page_channel
):
    server = redis_server()
    workers = [start_celery_worker(broker=server.url()) for _ in range(2)]
    bodies, distinct = webhook_bodies()
    barrier = threading.Barrier(CLIENTS)
    statuses, errors = [], []

    def client(number: int):
        order = list(bodies)
        random.Random(number).shuffle(order)
        try:
            with requests.Session() as session:
                barrier.wait(timeout=30)
                for body in order:
                    response = session.post(
                        f"{live_server.url}/webhooks/meta",
                        data=body,
                        headers={
                            "Content-Type": "application/json",
                            "X-Hub-Signature-256": sign(body, META_SECRET),
                        },
                        timeout=60,
                    )
                    statuses.append(response.status_code)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors, errors
    assert statuses == [200] * (CLIENTS * len(bodies))

    def all_parsed():
        return Delivery.objects.filter(status=DeliveryStatus.PARSED).count() == len(bodies)

    wait_for(
        all_parsed,
        seconds=180,
        what="Parsing every delivery",
        log=lambda: "\n".join(worker.log()[-5000:] for worker in workers),
    )
    assert Delivery.objects.count() == len(bodies)  # each distinct body stored once
    assert Item.objects.filter(channel=page_channel).count() == distinct
    assert Item.objects.values("external_id").distinct().count() == distinct
    assert ItemVersion.objects.count() == distinct
    assert not UnhandledEvent.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("versioned", [False, True], ids=["unversioned", "versioned"])
def test_five_handlers_claiming_one_item_at_once_make_one_holder(
    versioned, postgres, page_channel, communicator
):
    handlers = [UserFactory(username=f"handlaggare{n}") for n in range(5)]
    channel_set_handlers(channel=page_channel, actor=communicator, handlers=handlers)
    item = services.item_register_manually(
        channel=page_channel,
        actor=handlers[0],
        data={"kind": ItemKind.COMMENT, "text": "Hej! När öppnar badhuset?"},
    )
    version = item.version
    barrier = threading.Barrier(len(handlers))
    won, refused, errors = [], [], []

    def claim(user):
        try:
            barrier.wait(timeout=30)
            services.item_claim(
                item=Item(pk=item.pk), actor=user, expected_version=version if versioned else None
            )
            won.append(user)
        except (ClaimConflict, StaleVersion) as conflict:
            refused.append((user, conflict))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(user,)) for user in handlers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(won) == 1 and len(refused) == 4
    expected = StaleVersion if versioned else ClaimConflict
    assert all(isinstance(conflict, expected) for _, conflict in refused)
    item.refresh_from_db()
    assert item.claimed_by == won[0]
    # Clear: the conflict says that nothing was done and, unversioned, who holds the item.
    for _, conflict in refused:
        message = str(conflict.message)
        assert "Nothing was done" in message or "Ingenting gjordes" in message
        if not versioned:
            assert won[0].get_full_name() in message
    assert item.version == version + 1
    assert ItemEvent.objects.filter(item=item, kind=ItemEvent.Kind.CLAIMED).count() == 1
