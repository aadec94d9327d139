"""The hostile texts ingested through the three ways in: the Meta webhook, the ingestion API
and registration by hand, each as its users would send them (signed POST, Bearer token,
logged-in form)."""

import copy
import hashlib
import json
import uuid
from dataclasses import dataclass

import pytest

from moderation.models import Delivery, Item, ItemSource
from tests.hostile.payloads import HOSTILE, SENDER
from tests.moderation import conftest as moderation_fixtures
from tests.moderation.queue_fixtures import rules

facebook = moderation_fixtures.facebook
instagram = moderation_fixtures.instagram
make_application = moderation_fixtures.make_application
make_channel = moderation_fixtures.make_channel
page_channel = moderation_fixtures.page_channel
api_token = moderation_fixtures.api_token
post_meta = moderation_fixtures.post_meta
post_mastodon = moderation_fixtures.post_mastodon
mastodon = moderation_fixtures.mastodon
mastodon_channel = moderation_fixtures.mastodon_channel

__all__ = ["rules"]

API = "/api/v1/items"
CREATE = "/moderering/registrera/"


@dataclass
class Ingested:
    name: str
    text: str
    source: str
    item: Item
    delivery: Delivery | None = None


def meta_comment(text: str, *, sender: str = SENDER, page_id=moderation_fixtures.PAGE_ID):
    """A Facebook feed comment on `page_id` with `text`, with a fresh comment id."""
    payload = copy.deepcopy(moderation_fixtures.load("fb_feed_comment_add.json"))
    payload["entry"][0]["id"] = page_id
    value = payload["entry"][0]["changes"][0]["value"]
    value["message"] = text
    value["from"]["name"] = sender
    value["comment_id"] = f"712398456123987_{uuid.uuid4().int % 10**16}"
    return payload


@pytest.fixture
def send_webhook(post_meta, django_capture_on_commit_callbacks):
    """POST a Meta payload signed; the parse task runs after the commit (eager)."""

    def send(payload: dict) -> Delivery:
        # ensure_ascii=False: the body carries the characters themselves, as Meta sends them.
        body = json.dumps(payload, ensure_ascii=False).encode()
        with django_capture_on_commit_callbacks(execute=True):
            response = post_meta(body)
        assert response.status_code == 200, response.content
        delivery = Delivery.objects.get(sha256=hashlib.sha256(body).hexdigest())
        assert bytes(delivery.body) == body
        return delivery

    return send


@pytest.fixture
def send_api(client, api_token):
    _token, plain = api_token

    def send(channel, text: str, *, sender: str = SENDER):
        body = json.dumps(
            {
                "channel": channel.pk,
                "external_id": f"form-{uuid.uuid4().hex}",
                "kind": "comment",
                "sender": {"id": "angripare@example.se", "name": sender},
                "text": text,
                "expects_answer": True,
            },
            ensure_ascii=False,
        ).encode()
        return client.post(
            API, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {plain}"
        )

    return send


@pytest.fixture
def send_form(employee):
    """Register by hand through the form, logged in as the channel's handler."""
    from django.test import Client

    form_client = Client()
    form_client.force_login(employee)

    def send(channel, text: str, *, sender: str = SENDER):
        return form_client.post(
            CREATE,
            {
                "channel": channel.pk,
                "kind": "comment",
                "sender_name": sender,
                "sender_id": "angripare",
                "platform_created_at": "2024-06-03T10:15",
                "text": text,
                "attachments": "",
                "external_id": "",
                "expects_answer": "on",
            },
        )

    return send


@pytest.fixture
def ingested(page_channel, rules, send_webhook, send_api, send_form) -> list[Ingested]:
    """Every hostile text through every way in: 3 × len(HOSTILE) items on the page channel."""
    results = []
    for name, text in HOSTILE:
        delivery = send_webhook(meta_comment(text))
        item = Item.objects.get(source=ItemSource.META, versions__delivery=delivery)
        results.append(Ingested(name, text, "webhook", item, delivery))

        response = send_api(page_channel, text)
        assert response.status_code == 201, response.content
        item = Item.objects.get(pk=response.json()["id"])
        results.append(Ingested(name, text, "api", item))

        before = set(Item.objects.values_list("pk", flat=True))
        response = send_form(page_channel, text)
        assert response.status_code == 302, response.content.decode()[:2000]
        (new_pk,) = set(Item.objects.values_list("pk", flat=True)) - before
        results.append(Ingested(name, text, "manual", Item.objects.get(pk=new_pk)))
    return results
