"""The webhooks under validly signed but hostile or malformed JSON bodies.

Bodies are the recorded payloads of tests/moderation/payloads with values at random
places replaced by hostile JSON (wrong types, huge numbers and strings, lone surrogates,
NUL and other controls, right-to-left marks), keys added, or any JSON value at all.
Each is signed with the configured secret, so it passes the signature check and
reaches the parsing. For every body:

* the endpoint answers 200, and the exact bytes are stored once: the same body again
  is the same delivery;
* the parse task, run eagerly as the test settings do, does not raise: the delivery
  ends parsed, and what it could not turn into an item is an unhandled event;
* a comment that is captured keeps its text as sent (NUL, which PostgreSQL cannot
  store, and lone surrogates, which UTF-8 cannot, become U+FFFD; the delivery's bytes
  keep the original).

Signed bodies that are not JSON answer 400, and bodies above WEBHOOK_MAX_BYTES 413;
neither stores anything.
"""

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import example, given
from hypothesis import strategies as st

from channels.models import Channel
from core.storable import without_unstorable
from moderation.ingest.mastodon import parse_mastodon_payload
from moderation.ingest.meta import parse_meta_payload
from moderation.models import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemEvent,
    ItemVersion,
    UnhandledEvent,
)
from moderation.tasks import delivery_parse_task
from tests.fuzz.strategies import FIXED_NASTY, json_text, json_value
from tests.fuzz.support import FUZZ, changed_counts, rolled_back, row_counts

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).resolve().parent.parent / "moderation" / "payloads"
PAGE_ID = "104857362910485"  # the page id of the recorded Facebook payloads

ENDPOINTS = {
    "meta": ("/webhooks/meta", "X-Hub-Signature-256", lambda: settings.META_APP_SECRET),
    "mastodon": ("/webhooks/mastodon", "X-Hub-Signature", lambda: settings.MASTODON_WEBHOOK_SECRET),
}
TEMPLATES = {
    "meta": sorted(p.name for p in PAYLOADS.glob("*.json") if not p.name.startswith("mastodon")),
    "mastodon": sorted(p.name for p in PAYLOADS.glob("mastodon*.json")),
}


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, source: str, body: bytes):
    path, header, secret = ENDPOINTS[source]
    return client.post(
        path,
        data=body,
        content_type="application/json",
        headers={header: sign(body, secret())},
    )


def _paths(value, prefix=()):
    """Every place in a JSON document: keys of objects and indexes of lists."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(document, path, new):
    if not path:
        return new
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return document


@st.composite
def hostile_bodies(draw, source: str):
    """A recorded payload with hostile values in a few places, or any JSON at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_value)
    name = draw(st.sampled_from(TEMPLATES[source]))
    document = json.loads((PAYLOADS / name).read_text())
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(document))
        path = draw(st.sampled_from(places))
        document = _replace(document, path, draw(json_value))
    if isinstance(document, dict) and draw(st.booleans()):
        document[draw(json_text)] = draw(json_value)
    return document


def _encode(document) -> bytes:
    # ensure_ascii keeps lone surrogates as \\udXXX escapes, which is valid JSON text.
    return json.dumps(document).encode()


def _events(source, document):
    if source == "meta":
        return parse_meta_payload(document)
    return parse_mastodon_payload(document, account_uris=[])


def _check(client, source, document):
    body = _encode(document)
    before = row_counts()

    response = post(client, source, body)
    if len(body) > settings.WEBHOOK_MAX_BYTES:
        assert response.status_code == 413, response.status_code
        assert changed_counts(before, row_counts()) == {}
        return None
    assert response.status_code == 200, (response.status_code, body[:300])
    assert response.json() == {"status": "received"}
    delivery = Delivery.objects.get(source=source, sha256=hashlib.sha256(body).hexdigest())
    assert bytes(delivery.body) == body
    assert changed_counts(before, row_counts()) == {
        "moderation_delivery": (
            before["moderation_delivery"],
            before["moderation_delivery"] + 1,
        )
    }

    again = post(client, source, body)
    assert again.status_code == 200
    assert Delivery.objects.filter(sha256=delivery.sha256).count() == 1

    delivery_parse_task.apply(args=[delivery.pk], throw=True)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PARSED, (delivery.error, body[:300])
    # Every event is recorded under its key: a version, an item event (a removal) or an
    # unhandled event, which may be an earlier delivery's when the event came before.
    keys = {without_unstorable(event.event_key) for event in _events(source, json.loads(body))}
    recorded = (
        set(ItemVersion.objects.filter(event_key__in=keys).values_list("event_key", flat=True))
        | set(ItemEvent.objects.filter(event_key__in=keys).values_list("event_key", flat=True))
        | set(UnhandledEvent.objects.filter(event_key__in=keys).values_list("event_key", flat=True))
    )
    assert recorded == keys, (keys - recorded, body[:300])
    return delivery


@pytest.mark.parametrize("source", ["meta", "mastodon"])
@FUZZ
@given(data=st.data())
def test_signed_hostile_bodies_are_stored_once_and_parsed(world, client, source, data):
    document = data.draw(hostile_bodies(source), label="body")
    with rolled_back():
        _check(client, source, document)


def storable(text: str) -> str:
    """The text as stored: NUL and lone surrogates, which no column holds, become U+FFFD."""
    return "".join("\ufffd" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in text)


def _comment(message, **value):
    document = json.loads((PAYLOADS / "fb_feed_comment_add.json").read_text())
    document["entry"][0]["changes"][0]["value"]["message"] = message
    document["entry"][0]["changes"][0]["value"].update(value)
    return document


@FUZZ
@given(message=json_text)
@example(message="\ud800")
@example(message="a\x00b")
@example(message="\u202eevil\u200b")
@example(message="x" * 100_000)
def test_a_captured_comment_keeps_its_text(world, client, message):
    with rolled_back():
        Channel.objects.filter(pk=world.objects["channel"].pk).update(account_id=PAGE_ID)
        delivery = _check_captured(client, _comment(message))
        item = Item.objects.filter(versions__delivery=delivery).first()
        if item is not None:
            assert item.text == storable(message), repr(item.text[:100])
        else:  # not capturable (an own comment or an empty text): listed for people
            assert UnhandledEvent.objects.filter(delivery=delivery).exists()


def _check_captured(client, document):
    body = _encode(document)
    response = post(client, "meta", body)
    assert response.status_code == 200, response.status_code
    delivery = Delivery.objects.get(sha256=hashlib.sha256(body).hexdigest())
    delivery_parse_task.apply(args=[delivery.pk], throw=True)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PARSED, delivery.error
    return delivery


@pytest.mark.parametrize("source", ["meta", "mastodon"])
@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), st.sampled_from([s.encode() for s in FIXED_NASTY])))
@example(raw=b'{"object": NaN}')
@example(raw=b"\xff\xfe\x00{")
@example(raw=b'{"entry": [1, 2,]}')
def test_signed_bodies_that_are_not_json_are_refused(world, client, source, raw):
    try:
        json.loads(raw, parse_constant=lambda name: 1 / 0)
    except (ValueError, ZeroDivisionError):
        pass
    else:
        return  # some bytes are JSON after all; the other tests cover those
    with rolled_back():
        before = row_counts()
        response = post(client, source, raw)
        assert response.status_code == 400, response.status_code
        assert response.json()["code"] == "invalid_json"
        assert changed_counts(before, row_counts()) == {}
