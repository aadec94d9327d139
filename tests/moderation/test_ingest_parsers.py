"""Tests for the pure webhook parsers and signature checks in moderation.ingest.

The fixtures in ``payloads/`` follow the shapes of Meta's and Mastodon's
documented examples, one file per case. Nothing here needs Django or a database.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.ingest.events import (
    EVENT_KEY_MAX_LENGTH,
    Action,
    Kind,
    ParsedEvent,
    Platform,
    looks_like_question,
)
from moderation.ingest.mastodon import html_to_text, parse_mastodon_payload
from moderation.ingest.meta import parse_meta_payload
from moderation.ingest.signatures import verify_mastodon_signature, verify_meta_signature

PAYLOADS = Path(__file__).parent / "payloads"

PAGE_ID = "104857362910485"
KULTUR_PAGE_ID = "187364509128374"
POST_ID = f"{PAGE_ID}_712398456123987"
COMMENT_ID = "712398456123987_1583920475830291"
IG_ACCOUNT_ID = "17841405822304914"
KOMMUN_URL = "https://social.exempel.se/@kommunen"
KOMMUN_URIS = (KOMMUN_URL,)

META_FIXTURES = sorted(p.name for p in PAYLOADS.glob("*.json") if not p.name.startswith("mastodon"))
MASTODON_FIXTURES = sorted(p.name for p in PAYLOADS.glob("mastodon_*.json"))


def load(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def parse_meta(name: str) -> list[ParsedEvent]:
    return parse_meta_payload(load(name))


def parse_mastodon(name: str, account_uris: Any = KOMMUN_URIS) -> list[ParsedEvent]:
    return parse_mastodon_payload(load(name), account_uris)


def only(events: list[ParsedEvent]) -> ParsedEvent:
    assert len(events) == 1, events
    return events[0]


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# --- Facebook Page feed ------------------------------------------------------


def test_feed_comment_add_is_parsed_into_a_comment():
    payload = load("fb_feed_comment_add.json")

    event = only(parse_meta_payload(payload))

    assert event.platform == "facebook"
    assert event.account_id == PAGE_ID
    assert event.action == "add"
    assert event.kind == "comment"
    assert event.external_id == COMMENT_ID
    assert event.parent_external_id == POST_ID
    assert event.post_external_id == POST_ID
    assert event.sender_id == "7481036592018374"
    assert event.sender_name == "Anna Lindqvist"
    assert event.text == "När öppnar badhuset igen efter renoveringen?"
    assert event.attachments == ()
    assert event.created_at == utc(1717408800)
    assert event.expects_answer is True
    assert event.unhandled_reason is None
    assert event.is_handled
    assert event.event_key == f"facebook:comment:{COMMENT_ID}:add:1717408800"
    # raw is the change the event came from, kept as the platform sent it.
    assert event.raw is payload["entry"][0]["changes"][0]


def test_feed_comment_edit_carries_the_new_text():
    event = only(parse_meta("fb_feed_comment_edited.json"))

    assert event.action == "edit"
    assert event.kind == "comment"
    assert event.external_id == COMMENT_ID
    assert event.text == (
        "När öppnar badhuset igen efter renoveringen? Gäller årskorten fortfarande?"
    )
    assert event.unhandled_reason is None


def test_feed_edit_keys_differ_from_the_add_and_from_each_other():
    add = only(parse_meta("fb_feed_comment_add.json"))
    first_edit = only(parse_meta("fb_feed_comment_edited.json"))
    second_edit = only(parse_meta("fb_feed_comment_edited_again.json"))

    # The fixtures deliberately repeat the comment's created_time in both edits:
    # the key must still tell them apart, by the verb and by the new text.
    assert first_edit.event_key.startswith(f"facebook:comment:{COMMENT_ID}:edit:1717408800:")
    assert len({add.event_key, first_edit.event_key, second_edit.event_key}) == 3


def test_feed_comment_hide_keeps_the_text_and_expects_no_answer():
    event = only(parse_meta("fb_feed_comment_hide.json"))

    assert event.action == "hide"
    assert event.kind == "comment"
    assert event.external_id == COMMENT_ID
    assert event.text == "När öppnar badhuset igen efter renoveringen?"
    assert event.expects_answer is False
    assert event.event_key == f"facebook:comment:{COMMENT_ID}:hide:1717408800"


def test_feed_comment_remove_has_no_text_so_stored_content_is_never_blanked():
    event = only(parse_meta("fb_feed_comment_remove.json"))

    assert event.action == "remove"
    assert event.kind == "comment"
    assert event.external_id == COMMENT_ID
    assert event.text is None
    assert event.created_at == utc(1717412400)
    assert event.expects_answer is False
    assert event.unhandled_reason is None


def test_feed_reply_is_a_reply_to_its_parent_comment_with_its_photo():
    event = only(parse_meta("fb_feed_reply_add.json"))

    assert event.kind == "reply"
    assert event.action == "add"
    assert event.external_id == "712398456123987_2048571938475610"
    assert event.parent_external_id == COMMENT_ID
    assert event.post_external_id == POST_ID
    assert event.sender_name == "Erik Johansson"
    assert event.attachments == (
        "https://scontent.xx.fbcdn.net/v/t39.30808-6/448812345_1029384756_n.jpg"
        "?_nc_cat=104&ccb=1-7",
    )
    # A statement, not a question.
    assert event.expects_answer is False


def test_feed_visitor_post_is_an_item():
    event = only(parse_meta("fb_feed_visitor_post_add.json"))

    assert event.kind == "visitor_post"
    assert event.action == "add"
    assert event.external_id == f"{PAGE_ID}_823401928374655"
    assert event.post_external_id == event.external_id
    assert event.parent_external_id is None
    assert event.sender_id == "7481036592018374"
    assert event.expects_answer is True
    assert event.unhandled_reason is None
    assert event.event_key == f"facebook:post:{PAGE_ID}_823401928374655:add:1717414200"


def test_feed_visitor_photo_post_keeps_the_photo():
    event = only(parse_meta("fb_feed_visitor_photo_add.json"))

    assert event.kind == "visitor_post"
    assert event.attachments == (
        "https://scontent.xx.fbcdn.net/v/t39.30808-6/449001122_3344556677_n.jpg?_nc_cat=101",
    )
    assert event.unhandled_reason is None


def test_feed_post_by_the_page_itself_is_kept_but_not_an_item():
    event = only(parse_meta("fb_feed_own_post_add.json"))

    assert event.unhandled_reason == "own post"
    assert event.sender_id == PAGE_ID
    assert event.account_id == PAGE_ID
    assert event.expects_answer is False


def test_feed_comment_by_the_page_itself_is_kept_but_not_an_item():
    event = only(parse_meta("fb_feed_own_comment_add.json"))

    assert event.unhandled_reason == "own comment"
    assert event.kind == "reply"
    assert event.text == "Hej Anna! Badhuset öppnar den 12 augusti."


def test_feed_reaction_is_kept_as_unhandled():
    event = only(parse_meta("fb_feed_reaction_add.json"))

    assert event.unhandled_reason == "feed item 'reaction' is not handled"
    assert event.kind == "unknown"
    assert event.action == "add"
    assert event.post_external_id == POST_ID
    assert event.sender_id == "6120938475610293"
    assert event.expects_answer is False


def test_feed_unknown_verb_is_kept_as_unhandled():
    event = only(parse_meta("fb_feed_unknown_verb.json"))

    assert event.action == "unknown"
    assert event.kind == "comment"
    assert event.external_id == COMMENT_ID
    assert event.unhandled_reason == "feed verb 'block' is not handled"
    assert event.expects_answer is False
    assert event.event_key == f"facebook:comment:{COMMENT_ID}:verb-block:1717408800"


def test_one_post_with_several_entries_and_changes_gives_one_event_per_change_in_order():
    payload = load("fb_batch_multiple_entries.json")

    events = parse_meta_payload(payload)

    assert [(e.account_id, e.kind, e.action, e.is_handled) for e in events] == [
        (PAGE_ID, "comment", "add", True),
        (PAGE_ID, "unknown", "add", False),
        (PAGE_ID, "reply", "add", True),
        (KULTUR_PAGE_ID, "visitor_post", "add", True),
        (KULTUR_PAGE_ID, "comment", "remove", True),
    ]
    assert events[2].parent_external_id == events[0].external_id
    assert events[2].expects_answer is True  # "Kan man …" has no "?" but opens with "kan"
    assert events[3].text == "Vilken tid börjar konserten i stadsparken på lördag?"
    assert len({e.event_key for e in events}) == len(events)
    assert [e.raw for e in events] == [
        change for entry in payload["entry"] for change in entry["changes"]
    ]


# --- Messenger --------------------------------------------------------------


def test_messenger_message_with_attachment():
    event = only(parse_meta("fb_messenger_message_attachment.json"))
    mid = "m_q7HnL2xv0wYd8Rj3kPz5Tb1mUcA9sEeF4gHiJkLmNoPqRsTuVwXyZ0a1B2c3D4e5"

    assert event.platform == "facebook"
    assert event.account_id == PAGE_ID
    assert event.kind == "direct_message"
    assert event.action == "add"
    assert event.external_id == mid
    assert event.sender_id == "6254819273645102"
    assert event.text == "Hej! Bifogar en bild på den trasiga gungan på lekplatsen i Parkdalen."
    assert event.attachments == (
        "https://scontent.xx.fbcdn.net/v/t1.15752-9/448877665_1122334455_n.jpg?_nc_cat=110",
    )
    assert event.created_at == datetime(2024, 6, 3, 13, 39, 59, 871000, tzinfo=UTC)
    assert event.event_key == f"facebook:message:{mid}:add"
    assert event.unhandled_reason is None


def test_direct_messages_always_expect_an_answer():
    event = only(parse_meta("fb_messenger_message_text.json"))

    assert event.text == "Tack för svaret, det löste sig."
    assert looks_like_question(event.text) is False
    assert event.expects_answer is True


def test_messenger_echo_of_the_pages_own_message_is_unhandled():
    event = only(parse_meta("fb_messenger_echo.json"))

    assert event.kind == "direct_message"
    assert event.unhandled_reason == "echo of own message"
    assert event.sender_id == PAGE_ID
    assert event.expects_answer is False


def test_messenger_message_edit_is_an_edit_of_the_same_message():
    add = only(parse_meta("fb_messenger_message_attachment.json"))
    edit = only(parse_meta("fb_messenger_message_edit.json"))

    assert edit.action == "edit"
    assert edit.kind == "direct_message"
    assert edit.external_id == add.external_id
    assert edit.text.endswith("Kan ni laga den?")
    assert edit.event_key.startswith(f"facebook:message:{add.external_id}:edit:1:")
    assert edit.event_key != add.event_key
    assert edit.expects_answer is True


def test_messenger_second_edit_gets_its_own_key():
    payload = load("fb_messenger_message_edit.json")
    second = copy.deepcopy(payload)
    message_edit = second["entry"][0]["messaging"][0]["message_edit"]
    message_edit["num_edit"] = 2
    message_edit["text"] = "Gungan är lagad nu, tack!"

    first_key = only(parse_meta_payload(payload)).event_key
    second_key = only(parse_meta_payload(second)).event_key

    assert first_key != second_key


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("fb_messenger_read.json", "read receipt is not handled"),
        ("fb_messenger_delivery.json", "delivery receipt is not handled"),
        ("fb_messenger_reaction.json", "message reaction is not handled"),
        ("fb_messenger_postback.json", "postback is not handled"),
    ],
)
def test_messenger_events_without_content_are_kept_as_unhandled(name, reason):
    event = only(parse_meta(name))

    assert event.unhandled_reason == reason
    assert event.action == "unknown"
    assert event.kind == "unknown"
    assert event.account_id == PAGE_ID
    assert event.sender_id == "6254819273645102"
    assert event.expects_answer is False


def test_messenger_standby_messages_are_still_direct_messages():
    event = only(parse_meta("fb_messenger_standby.json"))

    assert event.kind == "direct_message"
    assert event.text == "Har ni öppet på midsommarafton?"
    assert event.unhandled_reason is None


# --- Instagram --------------------------------------------------------------


def test_instagram_comment():
    event = only(parse_meta("ig_comment_add.json"))

    assert event.platform == "instagram"
    assert event.account_id == IG_ACCOUNT_ID
    assert event.action == "add"
    assert event.kind == "comment"
    assert event.external_id == "17865432109876543"
    assert event.post_external_id == "18034567890123456"
    assert event.parent_external_id == "18034567890123456"
    assert event.sender_id == "1029384756102938"
    assert event.sender_name == "anna.lindqvist"
    assert event.text == "Var kan man hämta nya sopkärl?"
    # Instagram gives no comment time; entry.time (when Meta sent it) stands in.
    assert event.created_at == utc(1717423000)
    assert event.expects_answer is True
    assert event.event_key == "instagram:comment:17865432109876543:add"


def test_instagram_reply():
    event = only(parse_meta("ig_comment_reply.json"))

    assert event.kind == "reply"
    assert event.parent_external_id == "17865432109876543"
    assert event.post_external_id == "18034567890123456"
    assert event.sender_name == "erik_joh"
    assert event.expects_answer is False


def test_instagram_live_comment_is_a_comment():
    event = only(parse_meta("ig_live_comment.json"))

    assert event.kind == "comment"
    assert event.unhandled_reason is None
    assert event.text == "Hälsningar från Sjövik!"


def test_instagram_mention_is_kept_as_unhandled():
    event = only(parse_meta("ig_mention.json"))

    assert event.unhandled_reason == "mention on media the account does not own"
    assert event.external_id == "17894227972186120"
    assert event.post_external_id == "17918195224117851"


def test_instagram_message():
    event = only(parse_meta("ig_message.json"))

    assert event.platform == "instagram"
    assert event.account_id == IG_ACCOUNT_ID
    assert event.kind == "direct_message"
    assert event.action == "add"
    assert event.sender_id == "1029384756102938"
    assert event.text == "vilka tider har återvinningscentralen i helgen"
    assert event.attachments == (
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18012345678901234&signature=AbCdEf",
    )
    assert event.event_key.startswith("instagram:message:aWdfZAG1")
    assert event.expects_answer is True


def test_instagram_echo_is_unhandled():
    event = only(parse_meta("ig_message_echo.json"))

    assert event.unhandled_reason == "echo of own message"


def test_instagram_unsent_message_is_a_removal():
    add = only(parse_meta("ig_message.json"))
    removal = only(parse_meta("ig_message_deleted.json"))

    assert removal.action == "remove"
    assert removal.external_id == add.external_id
    assert removal.text is None
    assert removal.expects_answer is False
    assert removal.event_key != add.event_key


def test_instagram_change_shown_directly_on_the_entry_is_accepted():
    # Meta's "Webhook Notification Examples" page draws field/value on the entry.
    payload = load("ig_comment_add.json")
    entry = payload["entry"][0]
    change = entry.pop("changes")[0]
    entry.update(change)

    event = only(parse_meta_payload(payload))

    assert event.kind == "comment"
    assert event.external_id == "17865432109876543"


# --- unknown and malformed Meta bodies --------------------------------------


def test_unknown_object_gives_one_unhandled_event():
    payload = load("meta_unknown_object.json")

    event = only(parse_meta_payload(payload))

    assert event.action == "unknown"
    assert event.kind == "unknown"
    assert event.unhandled_reason == "webhook object 'whatsapp_business_account' is not handled"
    assert event.raw is payload


def test_entry_that_is_not_a_list_gives_one_unhandled_event():
    event = only(parse_meta("meta_malformed_entry_not_list.json"))

    assert event.unhandled_reason == "entry is missing or not a list"
    assert event.action == "unknown"


def test_empty_entry_list_gives_no_events():
    assert parse_meta("meta_empty_entry.json") == []


def test_malformed_entries_changes_and_messages_each_give_an_unhandled_event():
    events = parse_meta("meta_malformed_shapes.json")

    assert [e.unhandled_reason for e in events] == [
        "entry is not a JSON object",
        "entry carries no changes or messaging",
        "entry changes is not a list",
        "change is not a JSON object",
        "change value is not a JSON object",
        "comment without comment_id",
        "comment without comment_id",
        "message is not a JSON object",
        "messaging event is not a JSON object",
    ]
    assert all(not e.expects_answer for e in events)
    assert len({e.event_key for e in events}) == len(events)


@pytest.mark.parametrize("payload", [None, [], "page", 42, {}, {"object": "page"}])
def test_meta_body_that_is_not_a_page_object_gives_one_unhandled_event(payload):
    event = only(parse_meta_payload(payload))

    assert event.action == "unknown"
    assert event.unhandled_reason


# --- event key stability ----------------------------------------------------


@pytest.mark.parametrize("name", META_FIXTURES)
def test_meta_redelivery_gives_identical_keys(name):
    raw_text = (PAYLOADS / name).read_text(encoding="utf-8")
    # A redelivery may be serialised differently; only the content counts.
    reordered = json.loads(raw_text, object_pairs_hook=lambda pairs: dict(reversed(pairs)))

    first = [e.event_key for e in parse_meta_payload(json.loads(raw_text))]
    again = [e.event_key for e in parse_meta_payload(json.loads(raw_text))]
    other_order = [e.event_key for e in parse_meta_payload(reordered)]

    assert first == again == other_order


@pytest.mark.parametrize("name", MASTODON_FIXTURES)
def test_mastodon_redelivery_gives_identical_keys(name):
    first = [e.event_key for e in parse_mastodon(name)]
    again = [e.event_key for e in parse_mastodon(name)]

    assert first == again


def test_keys_are_unique_across_all_fixtures():
    keys = [e.event_key for name in META_FIXTURES for e in parse_meta(name)]
    keys += [e.event_key for name in MASTODON_FIXTURES for e in parse_mastodon(name)]
    # fb_feed_reaction_add.json is also part of the batch fixture: same event.
    keys.remove(only(parse_meta("fb_feed_reaction_add.json")).event_key)

    assert len(keys) == len(set(keys))


def test_ids_with_colons_cannot_collide_in_keys():
    def message(mid: str) -> dict[str, Any]:
        event = {"sender": {"id": "1"}, "recipient": {"id": "2"}, "message": {"mid": mid}}
        return {"object": "page", "entry": [{"id": "2", "messaging": [event]}]}

    # Unescaped, "m:add" + action "add" and "m" + action "add:add" would clash.
    key = only(parse_meta_payload(message("m:add"))).event_key

    assert key == "facebook:message:m%3Aadd:add"


# --- Mastodon ---------------------------------------------------------------


def test_mastodon_reply_to_the_municipality_is_a_comment():
    payload = load("mastodon_status_created_reply.json")

    event = only(parse_mastodon_payload(payload, KOMMUN_URIS))

    assert event.platform == "mastodon"
    assert event.account_id == KOMMUN_URL
    assert event.action == "add"
    assert event.kind == "comment"
    assert event.external_id == "112534198203746510"
    assert event.parent_external_id == "112534098172635401"
    assert event.post_external_id == "112534098172635401"
    assert event.sender_id == "110234567890123456"
    assert event.sender_name == "Anna Lindqvist"
    assert event.text == (
        "@kommunen Hur söker man bygglov för en altan?\n"
        "Räcker det med en ritning & en skiss?\n"
        "\n"
        "Läste https://www.exempel.se/bygglov/altan"
    )
    assert event.created_at == datetime(2024, 6, 3, 11, 20, 31, 512000, tzinfo=UTC)
    assert event.expects_answer is True
    assert event.unhandled_reason is None
    assert event.raw is payload
    assert event.raw["object"]["content"].startswith("<p><span class=")


@pytest.mark.parametrize(
    "registered",
    [
        "https://social.exempel.se/@kommunen",
        "HTTPS://Social.Exempel.se/@Kommunen/",
        "https://social.exempel.se/users/kommunen",
        "109876543210987654",
    ],
)
def test_mastodon_account_matching_accepts_url_uri_and_id_forms(registered):
    event = only(parse_mastodon("mastodon_status_created_reply.json", [registered]))

    assert event.unhandled_reason is None
    # The account is reported exactly as the caller registered it.
    assert event.account_id == registered


def test_mastodon_single_string_is_taken_as_one_account():
    event = only(parse_mastodon("mastodon_status_created_reply.json", KOMMUN_URL))

    assert event.account_id == KOMMUN_URL


def test_mastodon_mention_is_a_visitor_post_with_media():
    event = only(parse_mastodon("mastodon_status_created_mention.json"))

    assert event.kind == "visitor_post"
    assert event.account_id == KOMMUN_URL
    assert event.parent_external_id is None
    assert event.text == "Tack @kommunen för snöröjningen på cykelbanan i morse! 👏"
    assert event.attachments == (
        "https://social.exempel.se/system/media_attachments/files/112/534/301/900/000/001"
        "/original/4f3e2d1c0b9a8f7e.jpg",
    )
    assert event.expects_answer is False


def test_mastodon_direct_status_is_a_direct_message():
    event = only(parse_mastodon("mastodon_status_direct.json"))

    assert event.kind == "direct_message"
    assert event.account_id == KOMMUN_URL
    assert event.expects_answer is True
    assert event.unhandled_reason is None


def test_mastodon_update_is_an_edit_keyed_by_edited_at():
    add = only(parse_mastodon("mastodon_status_created_reply.json"))
    payload = load("mastodon_status_updated.json")

    edit = only(parse_mastodon_payload(payload, KOMMUN_URIS))
    second = copy.deepcopy(payload)
    second["object"]["edited_at"] = "2024-06-03T11:30:00.000Z"
    second["object"]["content"] = "<p>@kommunen Hur söker man bygglov för ett plank?</p>"
    second_edit = only(parse_mastodon_payload(second, KOMMUN_URIS))

    assert edit.action == "edit"
    assert edit.external_id == add.external_id
    assert edit.text.startswith("@kommunen Hur söker man bygglov för en altan på 20 kvm?")
    assert edit.created_at == datetime(2024, 6, 3, 11, 24, 2, 118000, tzinfo=UTC)
    assert "2024-06-03T11%3A24%3A02.118Z" in edit.event_key
    assert len({add.event_key, edit.event_key, second_edit.event_key}) == 3


def test_mastodon_status_not_addressed_to_a_registered_account_is_kept():
    event = only(parse_mastodon("mastodon_status_not_addressed.json"))

    assert event.unhandled_reason == "not addressed to a registered account"
    assert event.account_id is None
    assert event.expects_answer is False
    assert event.text == "@grannen Ses vi på loppisen på lördag?"


def test_mastodon_without_registered_accounts_nothing_is_addressed():
    event = only(parse_mastodon("mastodon_status_created_reply.json", ()))

    assert event.unhandled_reason == "not addressed to a registered account"


def test_mastodon_own_status_is_kept_but_not_an_item():
    event = only(parse_mastodon("mastodon_status_own.json"))

    assert event.unhandled_reason == "own status"
    assert event.account_id == KOMMUN_URL
    assert event.expects_answer is False


def test_mastodon_boost_is_kept_as_unhandled():
    event = only(parse_mastodon("mastodon_status_boost.json"))

    assert event.unhandled_reason == "boost (reblog) is not handled"


@pytest.mark.parametrize(
    ("name", "event_name"),
    [
        ("mastodon_account_created.json", "account.created"),
        ("mastodon_report_created.json", "report.created"),
    ],
)
def test_mastodon_other_events_are_kept_as_unhandled(name, event_name):
    event = only(parse_mastodon(name))

    assert event.action == "unknown"
    assert event.kind == "unknown"
    assert event.unhandled_reason == f"Mastodon event {event_name!r} is not handled"


def test_mastodon_status_event_without_object_is_kept_as_unhandled():
    event = only(parse_mastodon("mastodon_malformed_no_object.json"))

    assert event.unhandled_reason == "status object is missing or not a JSON object"


@pytest.mark.parametrize("payload", [None, [], "status.created", 3, {}])
def test_mastodon_body_that_is_not_an_event_gives_one_unhandled_event(payload):
    event = only(parse_mastodon_payload(payload, KOMMUN_URIS))

    assert event.action == "unknown"
    assert event.unhandled_reason


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hej</p>", "Hej"),
        ("<p>Rad ett<br>rad två<br/>rad tre</p>", "Rad ett\nrad två\nrad tre"),
        ("<p>Ett</p><p>Två</p>", "Ett\n\nTvå"),
        (
            "<p>5 &lt; 7 &amp;&amp; &quot;citat&quot; &#39;apostrof&#39; &#x2013;</p>",
            "5 < 7 && \"citat\" 'apostrof' –",
        ),
        ("<p><script>alert(1)</script>text</p>", "alert(1)text"),
        ("", ""),
        ("ingen markup alls", "ingen markup alls"),
        ("<p>trasig <b>markup", "trasig markup"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


# --- expects_answer heuristic -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jag undrar om ni har öppet?", True),
        ("Hur gör jag för att söka bygglov", True),
        ("hur", True),
        ("VARFÖR är vägen avstängd", True),
        ("Är simhallen öppen idag", True),
        ("När kommer sopbilen", True),
        ("Vem ansvarar för gatlyktorna", True),
        ("Vilka dagar är det öppet", True),
        ("Finns det parkering vid biblioteket", True),
        ("Får man grilla i parken", True),
        ("Ska jag ringa istället", True),
        ("Kan man boka tid", True),
        ("@kommunen hur söker jag", True),
        ("«Vad gäller för hundar på stranden»", True),
        ("Tack för hjälpen!", False),
        ("Varit där, bra ställe", False),
        ("Harald var här", False),
        ("Kanske imorgon", False),
        ("Bra jobbat med snöröjningen", False),
        ("", False),
        (None, False),
    ],
)
def test_looks_like_question(text, expected):
    assert looks_like_question(text) is expected


# --- signatures -------------------------------------------------------------

SECRET = "3f9c0c2b6a1e4d5f8a7b9c0d1e2f3a4b"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


SIGNATURE_CHECKS = [verify_meta_signature, verify_mastodon_signature]


@pytest.mark.parametrize("verify", SIGNATURE_CHECKS)
def test_signature_over_the_exact_body_is_valid(verify):
    body = (PAYLOADS / "fb_feed_comment_add.json").read_bytes()

    assert verify(body, sign(body), SECRET) is True
    assert verify(bytearray(body), sign(body), SECRET) is True
    assert verify(body, sign(body).upper().replace("SHA256=", "sha256="), SECRET) is True


@pytest.mark.parametrize("verify", SIGNATURE_CHECKS)
def test_signature_with_the_wrong_secret_or_a_changed_body_is_invalid(verify):
    body = (PAYLOADS / "mastodon_status_created_reply.json").read_bytes()
    header = sign(body)
    compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
    whitespace_only = body.replace(b'": ', b'":  ', 1)

    assert verify(body, sign(body, "another-secret"), SECRET) is False
    assert verify(body + b" ", header, SECRET) is False
    # Same JSON, different bytes: the signature covers the bytes as received.
    assert json.loads(compact) == json.loads(body)
    assert verify(compact, header, SECRET) is False
    assert verify(whitespace_only, header, SECRET) is False


@pytest.mark.parametrize("verify", SIGNATURE_CHECKS)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "sha256",
        "sha256=",
        "sha256=" + "a" * 63,
        "sha256=" + "a" * 65,
        "sha256=" + "g" * 64,
        "sha1=" + "a" * 40,
        "md5=" + "a" * 32,
        "a" * 64,
        "sha256 = " + "a" * 64,
        "sha256=ä" + "a" * 63,
    ],
)
def test_missing_or_malformed_signature_header_is_invalid(verify, header):
    assert verify(b'{"object":"page","entry":[]}', header, SECRET) is False


@pytest.mark.parametrize("verify", SIGNATURE_CHECKS)
def test_empty_secret_never_verifies(verify):
    body = b'{"object":"page","entry":[]}'

    # Even a header correctly computed with the empty key must be refused.
    assert verify(body, sign(body, ""), "") is False


@pytest.mark.parametrize("verify", SIGNATURE_CHECKS)
def test_signature_of_another_body_is_invalid(verify):
    body = (PAYLOADS / "fb_feed_comment_add.json").read_bytes()
    other = (PAYLOADS / "fb_feed_comment_remove.json").read_bytes()

    assert verify(other, sign(body), SECRET) is False


# --- the dataclass ----------------------------------------------------------


def test_parsed_event_is_frozen_and_hashable():
    event = only(parse_meta("fb_feed_comment_add.json"))

    with pytest.raises(dataclasses.FrozenInstanceError):
        event.text = "changed"  # type: ignore[misc]
    assert hash(event) == hash(only(parse_meta("fb_feed_comment_add.json")))


# --- property tests ---------------------------------------------------------

PLATFORMS = set(get_args(Platform))
ACTIONS = set(get_args(Action))
KINDS = set(get_args(Kind))

# Keys the parsers look at, so that random data regularly takes the real paths.
VOCABULARY = [
    "object", "entry", "id", "time", "changes", "messaging", "standby", "field", "value",
    "item", "verb", "comment_id", "post_id", "parent_id", "from", "name", "message",
    "created_time", "photo", "photos", "video", "link", "sender", "recipient", "timestamp",
    "mid", "text", "attachments", "payload", "url", "is_echo", "is_deleted", "message_edit",
    "num_edit", "reply_to", "read", "delivery", "reaction", "postback", "media", "username",
    "media_id", "event", "created_at", "edited_at", "content", "spoiler_text", "visibility",
    "in_reply_to_id", "in_reply_to_account_id", "account", "mentions", "acct", "uri",
    "display_name", "media_attachments", "remote_url", "reblog",
]  # fmt: skip
VALUES = [
    "page", "instagram", "feed", "comments", "live_comments", "mentions", "messages",
    "comment", "post", "status", "photo", "reaction", "add", "edited", "remove", "hide",
    "unhide", "direct", "public", "status.created", "status.updated", KOMMUN_URL,
    "109876543210987654", "<p>Hur?</p>", "2024-06-03T11:20:31.512Z",
]  # fmt: skip

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.sampled_from(VALUES)
)
keys = st.sampled_from(VOCABULARY) | st.text(max_size=8)
json_like = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=30,
)
json_dicts = st.dictionaries(keys, json_like, max_size=8)

meta_shaped = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram"]) | json_like,
        "entry": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.sampled_from([PAGE_ID, IG_ACCOUNT_ID]) | json_like,
                    "time": json_like,
                    "changes": st.lists(
                        st.fixed_dictionaries(
                            {"field": st.sampled_from(VALUES) | json_like, "value": json_dicts}
                        )
                        | json_like,
                        max_size=3,
                    )
                    | json_like,
                    "messaging": st.lists(json_dicts | json_like, max_size=3) | json_like,
                },
            )
            | json_like,
            max_size=3,
        )
        | json_like,
    }
)
mastodon_shaped = st.fixed_dictionaries(
    {
        "event": st.sampled_from(["status.created", "status.updated", "report.created"])
        | json_like,
        "created_at": json_like,
        "object": json_dicts | json_like,
    }
)
account_uri_lists = st.lists(st.sampled_from([KOMMUN_URL, "109876543210987654"]) | st.text())


def assert_well_formed(events: object) -> None:
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, ParsedEvent)
        assert event.platform in PLATFORMS
        assert event.action in ACTIONS
        assert event.kind in KINDS
        assert isinstance(event.event_key, str)
        assert 0 < len(event.event_key) <= EVENT_KEY_MAX_LENGTH
        assert event.event_key.startswith(f"{event.platform}:")
        assert isinstance(event.raw, dict)
        assert all(isinstance(url, str) for url in event.attachments)
        assert event.created_at is None or event.created_at.utcoffset().total_seconds() == 0
        if event.unhandled_reason is None:
            # A handled event always says what happened to what.
            assert event.action != "unknown"
            assert event.kind != "unknown"
        else:
            assert event.expects_answer is False


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(json_like)
def test_meta_parser_never_raises_on_arbitrary_json(payload):
    assert_well_formed(parse_meta_payload(payload))


@PROPERTY_SETTINGS
@given(meta_shaped)
def test_meta_parser_never_raises_on_meta_shaped_bodies(payload):
    events = parse_meta_payload(payload)

    assert_well_formed(events)
    assert [e.event_key for e in events] == [e.event_key for e in parse_meta_payload(payload)]


@PROPERTY_SETTINGS
@given(json_like, account_uri_lists)
def test_mastodon_parser_never_raises_on_arbitrary_json(payload, account_uris):
    assert_well_formed(parse_mastodon_payload(payload, account_uris))


@PROPERTY_SETTINGS
@given(mastodon_shaped, account_uri_lists)
def test_mastodon_parser_never_raises_on_mastodon_shaped_bodies(payload, account_uris):
    events = parse_mastodon_payload(payload, account_uris)

    assert_well_formed(events)
    assert len(events) == 1
    assert events[0].event_key == parse_mastodon_payload(payload, account_uris)[0].event_key


@PROPERTY_SETTINGS
@given(st.text())
def test_html_to_text_never_raises(content):
    assert isinstance(html_to_text(content), str)


@PROPERTY_SETTINGS
@given(st.binary(), st.one_of(st.none(), st.text()), st.text())
def test_signature_checks_never_raise(body, header, secret):
    assert verify_meta_signature(body, header, secret) in (True, False)
    assert verify_mastodon_signature(body, header, secret) in (True, False)
