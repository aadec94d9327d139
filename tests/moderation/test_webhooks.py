"""The webhook endpoints end to end: the POST is checked, stored raw, and the parse
task (eager in the unit tests) turns it into items, versions, removals or
unhandled events. The real worker against Redis is in test_worker.py.
"""

import hashlib
import json

import pytest
from django.db import OperationalError

from moderation import services
from moderation.models import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemEvent,
    ItemKind,
    ItemVersion,
    PlatformRemoval,
    UnhandledEvent,
)
from tests.moderation.conftest import (
    IG_ACCOUNT_ID,
    META_SECRET,
    PAGE_ID,
    load,
    payload_bytes,
    sign,
)

pytestmark = pytest.mark.django_db

COMMENT_ID = "712398456123987_1583920475830291"
POST_ID = f"{PAGE_ID}_712398456123987"


# --- The handshake --------------------------------------------------------------------------


def handshake(client, **params):
    query = {"hub.mode": "subscribe", "hub.verify_token": "test-meta-verify-token"}
    query.update(params)
    return client.get("/webhooks/meta", {k: v for k, v in query.items() if v is not None})


def test_handshake_echoes_the_challenge_with_the_right_token(client):
    response = handshake(client, **{"hub.challenge": "1158201444"})

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.verify_token": "wrong"},
        {"hub.verify_token": None},
        {"hub.mode": "unsubscribe"},
        {"hub.mode": None},
    ],
)
def test_handshake_refuses_a_wrong_token_or_mode(client, params):
    response = handshake(client, **{"hub.challenge": "1158201444", **params})

    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_handshake_never_matches_when_no_token_is_configured(client, settings):
    settings.META_VERIFY_TOKEN = ""

    response = handshake(client, **{"hub.verify_token": "", "hub.challenge": "1"})

    assert response.status_code == 403


# --- Signatures, size and JSON: refused at the door, nothing stored -------------------------


def test_a_signed_post_is_stored_raw_and_answered_at_once(post_meta, page_channel):
    body = payload_bytes("fb_feed_comment_add.json")
    assert not Delivery.objects.exists()

    response = post_meta(body)

    assert response.status_code == 200
    assert response.json() == {"status": "received"}
    delivery = Delivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.signature == sign(body, META_SECRET)
    assert delivery.sha256 == hashlib.sha256(body).hexdigest()
    assert delivery.source == "meta"
    # The task runs after commit; without it the delivery waits, parsed later.
    assert delivery.status == DeliveryStatus.PENDING
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        "sha1=" + "0" * 40,
        sign(b"another body", META_SECRET),
        sign(payload_bytes("fb_feed_comment_add.json"), "another secret"),
    ],
    ids=["missing", "empty", "wrong", "sha1", "other-body", "other-secret"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(post_meta, signature):
    response = post_meta(payload_bytes("fb_feed_comment_add.json"), signature=signature)

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert not Delivery.objects.exists()


def test_mastodon_uses_its_own_header_and_secret(post_mastodon, post_meta):
    body = payload_bytes("mastodon_status_created_reply.json")

    # Signed with Meta's secret: refused.
    assert post_mastodon(body, signature=sign(body, META_SECRET)).status_code == 403
    assert post_mastodon(body, signature=None).status_code == 403
    assert not Delivery.objects.exists()

    assert post_mastodon(body).status_code == 200
    assert Delivery.objects.get().source == "mastodon"


def test_a_body_that_is_not_json_is_refused_after_the_signature(post_meta):
    body = b"<xml>not json</xml>"

    assert post_meta(body, signature=None).status_code == 403
    response = post_meta(body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not Delivery.objects.exists()


def test_a_body_that_is_not_utf8_is_refused(post_meta):
    response = post_meta(b'{"object": "page", "x": "\xff"}')

    assert response.status_code == 400
    assert not Delivery.objects.exists()


def test_a_body_above_the_limit_is_refused_with_413(post_meta, settings):
    settings.WEBHOOK_MAX_BYTES = 1000
    body = json.dumps({"object": "page", "entry": [], "padding": "x" * 1000}).encode()

    response = post_meta(body)

    assert response.status_code == 413
    assert not Delivery.objects.exists()
    # Exactly at the limit is accepted.
    body = json.dumps({"object": "page", "entry": [], "p": ""}).encode()
    body = body.replace(b'"p": ""', b'"p": "' + b"x" * (1000 - len(body)) + b'"')
    assert len(body) == 1000
    assert post_meta(body).status_code == 200


def test_a_body_above_djangos_own_limit_is_a_413_not_a_400(post_meta, settings):
    # Above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), where request.body would raise.
    settings.WEBHOOK_MAX_BYTES = 10 * 1024 * 1024
    body = json.dumps({"object": "page", "entry": [], "padding": "x" * 3_000_000}).encode()

    response = post_meta(body)

    assert response.status_code == 200
    settings.WEBHOOK_MAX_BYTES = 1024 * 1024
    response = post_meta(body + b" ")

    assert response.status_code == 413
    assert Delivery.objects.count() == 1


def test_a_lying_content_length_reads_no_more_than_the_limit(client, settings):
    settings.WEBHOOK_MAX_BYTES = 100
    body = b'{"object": "page", "entry": []}' + b" " * 200

    response = client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        CONTENT_LENGTH="50",
        HTTP_X_HUB_SIGNATURE_256=sign(body, META_SECRET),
    )

    # Only the declared 50 bytes are read: they are not the signed body.
    assert response.status_code in (400, 403)
    assert not Delivery.objects.exists()


def test_only_get_and_post_are_allowed(client):
    assert client.put("/webhooks/meta").status_code == 405
    assert client.get("/webhooks/mastodon").status_code == 405


def test_an_unreachable_database_answers_503_so_the_platform_retries(post_meta, monkeypatch):
    def fail(**kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(services, "delivery_store", fail)

    response = post_meta(payload_bytes("fb_feed_comment_add.json"))

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"]


# --- Parsing into items ---------------------------------------------------------------------


def test_a_page_comment_becomes_an_item_with_its_first_version(deliver, page_channel):
    deliver("fb_feed_comment_add.json")

    item = Item.objects.get()
    assert item.channel == page_channel
    assert item.kind == ItemKind.COMMENT
    assert item.external_id == COMMENT_ID
    assert item.post_external_id == POST_ID
    assert item.sender_id == "7481036592018374"
    assert item.sender_name == "Anna Lindqvist"
    assert item.text == "När öppnar badhuset igen efter renoveringen?"
    assert item.expects_answer
    assert item.source == "meta"
    assert item.state == "open"
    assert item.platform_created_at.timestamp() == 1717408800
    version = item.versions.get()
    assert version.number == 1
    assert version.delivery == Delivery.objects.get()
    assert version.raw["value"]["comment_id"] == COMMENT_ID
    assert Delivery.objects.get().status == DeliveryStatus.PARSED


def test_the_same_payload_twice_is_one_delivery_and_one_item(deliver, page_channel):
    deliver("fb_feed_comment_add.json")
    deliver("fb_feed_comment_add.json")

    assert Delivery.objects.count() == 1
    assert Item.objects.count() == 1
    assert ItemVersion.objects.count() == 1


def test_the_same_event_in_another_batch_is_still_one_item(deliver, page_channel, post_meta):
    deliver("fb_feed_comment_add.json")
    # Meta may send the same change again inside a different body.
    payload = load("fb_feed_comment_add.json")
    payload["entry"][0]["time"] += 60
    response = post_meta(json.dumps(payload).encode())
    services.delivery_parse(delivery_id=Delivery.objects.latest("pk").pk)

    assert response.status_code == 200
    assert Delivery.objects.count() == 2
    assert Item.objects.count() == 1
    assert ItemVersion.objects.count() == 1


def test_a_redelivered_body_is_queued_again_while_it_is_not_parsed(
    post_meta, page_channel, django_capture_on_commit_callbacks
):
    body = payload_bytes("fb_feed_comment_add.json")
    post_meta(body)  # stored, but its task was lost
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_meta(body)

    assert response.status_code == 200
    assert len(callbacks) == 1
    assert Delivery.objects.get().status == DeliveryStatus.PARSED
    assert Item.objects.count() == 1


def test_an_edit_adds_a_version_and_keeps_the_first_text(deliver, page_channel):
    deliver("fb_feed_comment_add.json")
    deliver("fb_feed_comment_edited.json")
    deliver("fb_feed_comment_edited.json")

    item = Item.objects.get()
    versions = list(item.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].text == "När öppnar badhuset igen efter renoveringen?"
    assert versions[1].text.endswith("Gäller årskorten fortfarande?")
    assert item.text == versions[1].text
    assert versions[1].platform_edited_at is not None

    deliver("fb_feed_comment_edited_again.json")
    assert item.versions.count() == 3
    assert item.versions.get(number=1).text == versions[0].text


def test_an_edit_of_an_item_never_seen_creates_it(deliver, page_channel):
    deliver("fb_feed_comment_edited.json")

    item = Item.objects.get()
    assert item.text.endswith("Gäller årskorten fortfarande?")
    assert item.versions.count() == 1


def test_hide_and_remove_mark_the_item_and_keep_its_content(deliver, page_channel):
    deliver("fb_feed_comment_add.json")
    deliver("fb_feed_comment_hide.json")

    item = Item.objects.get()
    assert item.removed_on_platform_action == PlatformRemoval.HIDE
    assert item.removed_on_platform_at is not None
    deliver("fb_feed_comment_remove.json")

    item.refresh_from_db()
    assert item.removed_on_platform_action == PlatformRemoval.REMOVE
    assert item.text == "När öppnar badhuset igen efter renoveringen?"
    assert list(item.events.values_list("kind", flat=True)) == [
        ItemEvent.Kind.HIDDEN_ON_PLATFORM,
        ItemEvent.Kind.REMOVED_ON_PLATFORM,
    ]
    # Removing again records nothing new.
    deliver("fb_feed_comment_remove.json")
    assert item.events.count() == 2


def test_unhide_shows_a_hidden_item_again_and_is_recorded(deliver, page_channel, post_meta):
    deliver("fb_feed_comment_add.json")
    deliver("fb_feed_comment_hide.json")
    payload = load("fb_feed_comment_hide.json")
    payload["entry"][0]["changes"][0]["value"]["verb"] = "unhide"

    post_meta(json.dumps(payload).encode())
    services.delivery_parse(delivery_id=Delivery.objects.latest("pk").pk)

    item = Item.objects.get()
    assert item.removed_on_platform_at is None
    assert item.removed_on_platform_action == ""
    assert item.events.last().kind == ItemEvent.Kind.UNHIDDEN_ON_PLATFORM


def test_a_removal_of_an_item_never_captured_is_kept_as_unhandled(deliver, page_channel):
    deliver("fb_feed_comment_remove.json")

    assert not Item.objects.exists()
    event = UnhandledEvent.objects.get()
    assert "never captured" in event.reason
    assert event.account_id == PAGE_ID


def test_a_reply_is_a_reply_to_its_parent(deliver, page_channel):
    deliver("fb_feed_reply_add.json")

    item = Item.objects.get()
    assert item.kind == ItemKind.REPLY
    assert item.parent_external_id
    assert item.parent_external_id != item.post_external_id


def test_messenger_and_instagram_messages_are_direct_messages(deliver, page_channel, ig_channel):
    deliver("fb_messenger_message_text.json")
    deliver("fb_messenger_message_attachment.json")
    deliver("ig_message.json")

    messages = Item.objects.filter(kind=ItemKind.DIRECT_MESSAGE)
    assert messages.count() == 3
    assert all(item.expects_answer for item in messages)
    assert messages.filter(channel=ig_channel).count() == 1
    assert messages.exclude(attachments=[]).exists()


def test_an_unsent_instagram_message_is_marked_removed(deliver, ig_channel):
    deliver("ig_message.json")
    deliver("ig_message_deleted.json")

    item = Item.objects.get()
    assert item.removed_on_platform_action == PlatformRemoval.REMOVE


def test_instagram_comments_go_to_the_instagram_channel(deliver, ig_channel, page_channel):
    deliver("ig_comment_add.json")
    deliver("ig_comment_reply.json")
    deliver("ig_live_comment.json")

    items = Item.objects.filter(channel=ig_channel)
    assert items.count() == 3
    assert set(items.values_list("kind", flat=True)) == {ItemKind.COMMENT, ItemKind.REPLY}
    assert not page_channel.items.exists()


def test_an_instagram_event_does_not_go_to_a_facebook_channel_with_that_id(
    deliver, make_channel, facebook, communicator
):
    from tests.moderation.conftest import with_account_id

    channel = make_channel(platform=facebook, address="https://www.facebook.com/forvirrad")
    with_account_id(channel, IG_ACCOUNT_ID, communicator)

    deliver("ig_comment_add.json")

    assert not Item.objects.exists()
    assert UnhandledEvent.objects.get().reason == "unknown account"


def test_one_post_with_many_entries_and_changes(deliver, page_channel, kultur_channel):
    deliver("fb_batch_multiple_entries.json")

    # Two comments and a visitor post become items; the reaction and the
    # removal of a comment never captured are kept as unhandled.
    assert page_channel.items.count() == 2
    post = kultur_channel.items.get()
    assert post.kind == ItemKind.VISITOR_POST
    assert post.expects_answer
    reasons = sorted(UnhandledEvent.objects.values_list("reason", flat=True))
    assert len(reasons) == 2
    assert any("reaction" in reason for reason in reasons)
    assert any("never captured" in reason for reason in reasons)


def test_an_unknown_page_id_is_kept_and_listed(deliver, page_channel):
    # The batch's second entry is for a page that no channel has here.
    deliver("fb_batch_multiple_entries.json")

    events = UnhandledEvent.objects.filter(account_id="187364509128374")
    assert events.count() == 2
    assert set(events.values_list("reason", flat=True)) == {"unknown account"}
    assert events.first().raw  # the change as received
    assert not Item.objects.filter(channel__account_id="187364509128374").exists()


def test_a_closed_channel_no_longer_receives_items(deliver, page_channel, communicator):
    from channels.services.channels import channel_close

    channel_close(channel=page_channel, actor=communicator, reason="Sidan är nedlagd.")

    deliver("fb_feed_comment_add.json")

    assert not Item.objects.exists()
    assert UnhandledEvent.objects.get().reason == "unknown account"


def test_an_unknown_verb_is_kept_and_listed(deliver, page_channel):
    deliver("fb_feed_unknown_verb.json")

    assert not Item.objects.exists()
    event = UnhandledEvent.objects.get()
    assert "'block'" in event.reason
    assert event.raw["value"]["verb"] == "block"


@pytest.mark.parametrize(
    "name",
    [
        "fb_feed_reaction_add.json",
        "fb_messenger_read.json",
        "fb_messenger_delivery.json",
        "fb_messenger_reaction.json",
        "fb_messenger_postback.json",
        "ig_mention.json",
        "meta_unknown_object.json",
        "meta_malformed_shapes.json",
        "meta_malformed_entry_not_list.json",
    ],
)
def test_what_is_not_an_item_is_kept_and_never_dropped(deliver, page_channel, ig_channel, name):
    deliver(name)

    assert not Item.objects.exists()
    assert UnhandledEvent.objects.exists()
    assert Delivery.objects.get().status == DeliveryStatus.PARSED


def test_own_comments_and_echoes_are_not_items(deliver, page_channel, ig_channel):
    for name in ("fb_feed_own_comment_add.json", "fb_messenger_echo.json", "ig_message_echo.json"):
        deliver(name)

    assert not Item.objects.exists()
    assert UnhandledEvent.objects.count() == 3


def test_an_empty_entry_list_is_parsed_to_nothing(deliver):
    deliver("meta_empty_entry.json")

    assert Delivery.objects.get().status == DeliveryStatus.PARSED
    assert not UnhandledEvent.objects.exists()


# --- Mastodon -------------------------------------------------------------------------------


def test_a_mastodon_reply_becomes_a_comment(deliver, mastodon_channel):
    deliver("mastodon_status_created_reply.json")

    item = Item.objects.get()
    assert item.channel == mastodon_channel
    assert item.source == "mastodon"
    assert item.kind == ItemKind.COMMENT
    assert item.sender_name == "Anna Lindqvist"
    assert item.text.startswith("@kommunen Hur söker man bygglov")
    assert item.expects_answer


def test_mastodon_mentions_direct_messages_and_edits(deliver, mastodon_channel):
    deliver("mastodon_status_created_mention.json")
    deliver("mastodon_status_direct.json")
    deliver("mastodon_status_updated.json")

    kinds = set(Item.objects.values_list("kind", flat=True))
    assert ItemKind.DIRECT_MESSAGE in kinds
    assert Item.objects.count() >= 2


def test_mastodon_statuses_that_are_not_for_us_are_kept(deliver, mastodon_channel):
    for name in (
        "mastodon_status_not_addressed.json",
        "mastodon_status_own.json",
        "mastodon_status_boost.json",
        "mastodon_account_created.json",
        "mastodon_report_created.json",
        "mastodon_malformed_no_object.json",
    ):
        deliver(name)

    assert not Item.objects.exists()
    assert UnhandledEvent.objects.count() == 6


def test_mastodon_without_a_registered_account_is_kept(deliver, mastodon):
    deliver("mastodon_status_created_reply.json")

    assert not Item.objects.exists()
    assert UnhandledEvent.objects.get().reason == "not addressed to a registered account"


def test_an_add_arriving_after_its_edit_is_kept_but_the_edit_stays_current(deliver, page_channel):
    deliver("fb_feed_comment_edited.json")
    deliver("fb_feed_comment_add.json")

    item = Item.objects.get()
    assert item.versions.count() == 2
    assert item.text.endswith("Gäller årskorten fortfarande?")
    assert item.versions.get(number=2).text == "När öppnar badhuset igen efter renoveringen?"


def test_nan_is_not_json(post_meta):
    response = post_meta(b'{"object": "page", "entry": [], "x": NaN}')

    assert response.status_code == 400
    assert not Delivery.objects.exists()


def test_nul_characters_are_stored_replaced_and_the_bytes_kept(post_meta, page_channel):
    payload = load("fb_feed_comment_add.json")
    payload["entry"][0]["changes"][0]["value"]["message"] = "Hej\u0000då"
    payload["entry"][0]["changes"][0]["value"]["from"]["name"] = "A\u0000B"
    body = json.dumps(payload).encode()

    post_meta(body)
    services.delivery_parse(delivery_id=Delivery.objects.get().pk)

    item = Item.objects.get()
    assert item.text == "Hej\ufffddå"
    assert item.sender_name == "A\ufffdB"
    assert "\x00" not in json.dumps(item.versions.get().raw, ensure_ascii=False)
    assert bytes(Delivery.objects.get().body) == body
