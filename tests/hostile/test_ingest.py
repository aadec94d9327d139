"""Hostile texts are stored exactly, whichever way they came in; NUL follows its one rule."""

import json

import pytest
from django.utils import timezone

from archive.models import Record, RecordType
from archive.services.records import record_create
from moderation import services
from moderation.models import Delivery, Item, UnhandledEvent
from tests.hostile.conftest import meta_comment
from tests.hostile.payloads import (
    HOSTILE,
    NUL_FROM_WEBHOOK,
    SENDER,
    assert_harmless,
    assert_shown_as_text,
)
from tests.moderation.conftest import load

pytestmark = pytest.mark.django_db


def test_every_text_is_stored_exactly_through_webhook_api_and_form(ingested):
    assert len(ingested) == 3 * len(HOSTILE)
    for entry in ingested:
        item = Item.objects.get(pk=entry.item.pk)
        where = (entry.name, entry.source)
        assert item.text == entry.text, where
        assert item.versions.get().text == entry.text, where
        assert item.sender_name == SENDER, where
    # The webhook's raw body is the exact bytes, and its parsed raw event holds the text.
    for entry in (e for e in ingested if e.source == "webhook"):
        body = bytes(entry.delivery.body)
        assert json.loads(body)["entry"][0]["changes"][0]["value"]["message"] == entry.text
        version = entry.item.versions.get()
        assert json.dumps(version.raw, ensure_ascii=False).count("window.__pwned") == (
            json.dumps(json.loads(body), ensure_ascii=False).count("window.__pwned")
        )


def test_nul_from_a_webhook_becomes_u_fffd_and_the_bytes_are_kept(page_channel, send_webhook):
    sent, stored = NUL_FROM_WEBHOOK
    delivery = send_webhook(meta_comment(sent, sender="Eve\x00Angripare"))

    item = Item.objects.get()
    assert item.text == stored
    assert item.sender_name == "Eve\ufffdAngripare"
    assert "\x00" not in json.dumps(item.versions.get().raw, ensure_ascii=False)
    # The body as it arrived, NUL and all: the signature can still be checked against it.
    assert b"\\u0000" in bytes(Delivery.objects.get(pk=delivery.pk).body)


def test_nul_in_an_unknown_accounts_event_is_kept_as_unhandled(page_channel, send_webhook):
    send_webhook(meta_comment("Okänd\x00sida", page_id="999000111222333"))

    event = UnhandledEvent.objects.get()
    assert event.reason == "unknown account"
    assert "\x00" not in json.dumps(event.raw, ensure_ascii=False)
    assert "Okänd\ufffdsida" in json.dumps(event.raw, ensure_ascii=False)
    assert not Item.objects.exists()


def test_nul_through_the_api_is_refused_naming_the_field(page_channel, send_api):
    response = send_api(page_channel, "Hej\x00då")

    assert response.status_code == 400
    assert response.json()["field"] == "text"
    assert not Item.objects.exists()


def test_nul_through_the_form_is_refused_next_to_the_field(page_channel, rules, send_form):
    response = send_form(page_channel, "Hej\x00då")

    assert response.status_code in (200, 400)
    form = response.context["form"]
    assert "text" in form.errors
    assert not Item.objects.exists()


def test_a_literal_backslash_u0000_in_an_archived_text_is_kept(ingested, employee, rules):
    """Only a real NUL is replaced in the archive's JSON, never the six characters \\u0000."""
    entry = next(e for e in ingested if e.name == "backslashes" and e.source == "webhook")
    item = entry.item
    services.item_delete(item=item, actor=employee, expected_version=item.version, rules=[rules[1]])

    record = Record.objects.get(item_id=item.pk)
    assert record.text == entry.text
    assert record.content["text"] == entry.text
    assert "\\u0000" in record.content["text"]


def test_a_real_nul_in_archived_content_is_replaced_in_keys_and_values(page_channel, employee):
    record = record_create(
        record_type=RecordType.REMOVED,
        channel=page_channel,
        content={"text": "A\x00B \\u0000", "raw": {"nyckel\x00": ["x\x00y"]}},
        sender_id="1",
        sender_name="Eve",
        platform_created_at=None,
        received_at=timezone.now(),
        action="delete",
        rules=["1"],
        actor=employee,
        item_id=None,
    )

    record.refresh_from_db()
    assert record.content == {"text": "A\ufffdB \\u0000", "raw": {"nyckel\ufffd": ["x\ufffdy"]}}
    assert record.text == "A\ufffdB \\u0000"


def test_a_mastodon_status_keeps_its_escaped_markup_as_text(
    client, employee, rules, post_mastodon, django_capture_on_commit_callbacks, mastodon_channel
):
    """Mastodon sends HTML: its entities become the characters, its own tags go, and
    a script element's content stays plain text; the page shows the result as text."""
    payload = load("mastodon_status_created_mention.json")
    payload["object"]["content"] = (
        "<p>Hej &lt;script&gt;window.__pwned=1&lt;/script&gt; "
        "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;</p>"
        "<script>window.__pwned=2</script>"
    )
    payload["object"]["account"]["display_name"] = SENDER
    body = json.dumps(payload, ensure_ascii=False).encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_mastodon(body).status_code == 200

    item = Item.objects.get()
    assert item.text == (
        'Hej <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1">'
        "\n\nwindow.__pwned=2"
    )
    assert item.sender_name == SENDER
    assert bytes(Delivery.objects.get().body) == body
    client.force_login(employee)
    html = client.get(item.get_absolute_url()).content.decode()
    assert_harmless(html, "mastodon")
    assert_shown_as_text(html, item.text)
