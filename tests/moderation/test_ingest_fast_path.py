"""The webhook fast path's two shortcuts give exactly what the slow path gives.

`core.bulk.insert_rows` writes the rows `bulk_create` writes (BENCHMARKS.md, 2.),
the content check accepts what `full_clean` accepts, and a batch's response
clock, computed once per channel, equals each item's own.
"""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from channels.models import Channel
from core.bulk import insert_rows
from moderation.models import Delivery, DeliveryStatus, Item, ItemKind, ItemSource, ItemVersion
from moderation.models.items import ID_MAX_LENGTH, NAME_MAX_LENGTH
from moderation.reminders import response_clock_start
from moderation.services.items import (
    _NEW_ITEM_COLUMNS,
    ItemContent,
    NewCapture,
    _content_is_valid,
    _new_item,
    items_capture_new,
)

pytestmark = pytest.mark.django_db

RECEIVED = datetime.datetime(2026, 6, 3, 9, 30, tzinfo=datetime.UTC)


def _item(channel, external_id, **extra):
    values = {
        "channel": channel,
        "kind": ItemKind.COMMENT,
        "external_id": external_id,
        "parent_external_id": "post-1",
        "post_external_id": "post-1",
        "sender_id": "748103",
        "sender_name": 'Anna Lindqvist; O\'Brien "citat" 100 % \\ ',
        "text": "Fråga: när öppnar badhuset? %s %(x)s ' \" \\ \u202e 🙂",
        "attachments": ["https://example.org/a.jpg"],
        "platform_created_at": RECEIVED - datetime.timedelta(minutes=3),
        "received_at": RECEIVED,
        "expects_answer": True,
        "source": ItemSource.META,
        "flagged_words": ["ord"],
    }
    values.update(extra)
    item = Item(**values)
    response_clock_start(item)
    return item


def _row(obj, *exclude):
    return {
        key: value
        for key, value in model_to_dict(obj).items()
        if key not in ("id", "item", *exclude)
    }


# What the webhook fast path sets of a new item, and one field left to its default there
# (here set); every other field takes its default.
ITEM_COLUMNS = (*_NEW_ITEM_COLUMNS, "flagged_words")


def _values(item, columns=ITEM_COLUMNS):
    return tuple(getattr(item, column) for column in columns)


def test_insert_rows_writes_the_rows_bulk_create_writes(page_channel):
    delivery = Delivery.objects.create(source="meta", body=b"{}", signature="s", sha256="0" * 64)
    slow = Item.objects.bulk_create([_item(page_channel, "slow")])[0]
    [fast_pk] = insert_rows(Item, ITEM_COLUMNS, [_values(_item(page_channel, "fast"))])
    assert fast_pk != slow.pk
    stored_slow, stored_fast = Item.objects.get(pk=slow.pk), Item.objects.get(pk=fast_pk)
    assert _row(stored_fast, "external_id") == _row(stored_slow, "external_id")
    assert stored_fast.text == _item(page_channel, "x").text
    assert stored_fast.due_at == slow.due_at is not None
    # Defaults of the fields not named: the ones a new instance saves.
    assert (stored_fast.state, stored_fast.version, stored_fast.removal_message) == ("open", 1, "")

    raw = {"value": {"message": "100 % 'säkert'", "at": timezone.now()}, "n": [1, None]}
    versions = [
        ItemVersion(
            item=item,
            number=1,
            text=item.text,
            attachments=item.attachments,
            event_key=f"key-{item.pk}",
            delivery=delivery,
            raw=raw,
        )
        for item in (stored_slow, stored_fast)
    ]
    ItemVersion.objects.bulk_create([versions[0]])
    columns = ("item_id", "number", "text", "attachments", "event_key", "delivery_id", "raw")
    insert_rows(ItemVersion, columns, [_values(versions[1], columns)])
    slow_version = ItemVersion.objects.get(item=stored_slow)
    fast_version = ItemVersion.objects.get(item=stored_fast)
    assert _row(fast_version, "event_key", "captured_at") == _row(
        slow_version, "event_key", "captured_at"
    )
    assert fast_version.captured_at is not None


def test_a_callable_default_gives_every_row_of_a_call_one_value(page_channel):
    delivery = Delivery.objects.create(source="meta", body=b"{}", signature="s", sha256="0" * 64)
    items = Item.objects.bulk_create([_item(page_channel, f"n{n}") for n in range(3)])
    before = timezone.now()
    insert_rows(
        ItemVersion,
        ("item_id", "number", "event_key", "delivery_id"),
        [(item.pk, 1, f"key-{item.pk}", delivery.pk) for item in items],
    )
    moments = set(ItemVersion.objects.values_list("captured_at", flat=True))
    assert len(moments) == 1
    assert moments.pop() >= before


def test_insert_rows_gives_the_keys_in_order_in_pages(page_channel, monkeypatch):
    monkeypatch.setattr("core.bulk.PAGE_SIZE", 2)
    pks = insert_rows(Item, ITEM_COLUMNS, [_values(_item(page_channel, f"n{n}")) for n in range(5)])
    assert [Item.objects.get(pk=pk).external_id for pk in pks] == [f"n{n}" for n in range(5)]


@pytest.mark.parametrize(
    "columns",
    [("channel", "kind"), ("id", "kind"), ("kind", "kind"), ("no_such_field",)],
)
def test_insert_rows_refuses_columns_that_are_not_the_models_own(columns):
    with pytest.raises(ValueError, match="cannot take the columns"):
        insert_rows(Item, columns, [("x",) * len(columns)])
    assert not Item.objects.exists()


def test_insert_rows_refuses_a_row_of_the_wrong_length(page_channel):
    with pytest.raises(ValueError):
        insert_rows(Item, ITEM_COLUMNS, [_values(_item(page_channel, "a"))[:-1]])
    assert not Item.objects.exists()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other databases' path")
def test_insert_rows_is_bulk_create_elsewhere(page_channel):
    pks = insert_rows(
        Item, ITEM_COLUMNS, [_values(_item(page_channel, "a")), _values(_item(page_channel, "b"))]
    )
    assert sorted(pks) == sorted(Item.objects.values_list("pk", flat=True))
    assert len(pks) == 2


VALID = {"kind": ItemKind.COMMENT, "external_id": "7123_1", "text": "Fråga?"}


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({}, True),
        ({"kind": "carrier pigeon"}, False),
        ({"external_id": "x" * (ID_MAX_LENGTH + 1)}, False),
        ({"sender_id": "x" * (ID_MAX_LENGTH + 1)}, False),
        ({"post_external_id": "x" * ID_MAX_LENGTH}, True),
        ({"sender_name": "x" * (NAME_MAX_LENGTH + 1)}, False),
        ({"attachments": ("https://example.org/a.jpg",)}, True),
        ({"attachments": (object(),)}, False),
        ({"created_at": "not a time"}, False),
        ({"created_at": RECEIVED}, True),
        ({"expects_answer": None}, False),
    ],
)
def test_the_fast_paths_check_of_the_content_says_what_full_clean_says(
    changes, valid, page_channel
):
    content = ItemContent(**{**VALID, **changes})
    try:
        _new_item(channel=page_channel, content=content, source=ItemSource.META, actor=None)
    except ValidationError:
        full_clean_accepts = False
    else:
        full_clean_accepts = True
    assert full_clean_accepts is valid
    assert _content_is_valid(content) is valid


def test_a_batch_shares_one_response_clock_per_channel_and_it_is_each_items_own(
    page_channel, make_channel, facebook
):
    other = make_channel(
        platform=facebook,
        address="https://www.facebook.com/simhallen",
        display_name="Simhallen på Facebook",
    )
    Channel.objects.filter(pk=other.pk).update(response_target=2)
    other.refresh_from_db()
    captures = [
        NewCapture(
            channel=channel,
            content=ItemContent(
                kind=ItemKind.COMMENT,
                external_id=f"{channel.pk}-{n}",
                text=f"Fråga {n}",
                expects_answer=True,
            ),
            event_key=f"event-{channel.pk}-{n}",
            raw={},
        )
        for channel in (page_channel, other)
        for n in range(3)
    ]
    assert len(items_capture_new(captures=captures, source=ItemSource.META)) == 6
    for channel in (page_channel, other):
        items = list(Item.objects.filter(channel=channel))
        assert len({item.received_at for item in items}) == 1
        fresh = Item(channel=channel, received_at=items[0].received_at, expects_answer=True)
        response_clock_start(fresh)
        for item in items:
            assert (item.due_at, item.next_reminder_step, item.next_reminder_at) == (
                fresh.due_at,
                fresh.next_reminder_step,
                fresh.next_reminder_at,
            )
    first, second = (Item.objects.filter(channel=c).first() for c in (page_channel, other))
    assert first.due_at != second.due_at  # each channel its own target


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("utf-8", "Noll\u0000tecken"),
        ("utf-8", "Ensam \ud800 surrogat"),
        ("utf-16", "Noll\u0000tecken i UTF-16"),
    ],
)
def test_the_fast_path_still_cleans_what_no_column_can_hold(
    encoding, message, page_channel, post_meta, django_capture_on_commit_callbacks
):
    """A body is skipped by the cleaning only when it cannot hold NUL or a lone surrogate."""
    from tests.moderation.conftest import PAGE_ID
    from tests.moderation.test_delivery_bulk import comment

    payload = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1717408801}]}
    payload["entry"][0]["changes"] = [comment("712398456123987_9", message)]
    data = json.dumps(payload)  # ASCII, with \u escapes
    with django_capture_on_commit_callbacks(execute=True):
        response = post_meta(data.encode(encoding))
    assert response.status_code == 200
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PARSED, delivery.error
    item = Item.objects.get(external_id="712398456123987_9")
    assert "\ufffd" in item.text
    assert "\x00" not in item.text
    assert item.versions.get().raw["value"]["message"] == item.text


def test_the_database_refuses_a_second_version_with_one_event_key(page_channel):
    """The key is unique through a constraint (no LIKE index): redeliveries depend on it."""
    [item] = Item.objects.bulk_create([_item(page_channel, "a")])
    ItemVersion.objects.create(item=item, number=1, event_key="k")
    ItemVersion.objects.create(item=item, number=2, event_key=None)
    ItemVersion.objects.create(item=item, number=3, event_key=None)  # many have no key
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemVersion.objects.create(item=item, number=4, event_key="k")
    assert list(item.versions.values_list("number", flat=True)) == [1, 2, 3]
