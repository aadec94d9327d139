"""The moderation services on their own: capture, parsing, the sweep, tokens."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from core.exceptions import NotPermitted, TransitionNotAllowed
from moderation import services, tasks
from moderation.models import (
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Item,
    ItemVersion,
    UnhandledEvent,
)
from moderation.services import deliveries
from moderation.services.items import ItemContent
from tests.moderation.conftest import payload_bytes, sign

pytestmark = pytest.mark.django_db


def store(name="fb_feed_comment_add.json", source="meta"):
    body = payload_bytes(name)
    return services.delivery_store(source=source, body=body, signature=sign(body, "s"))


# --- item_capture ---------------------------------------------------------------------------


def test_capture_creates_then_versions_then_recognises(page_channel):
    content = ItemContent(kind="comment", external_id="c1", text="Hej", sender_name="Bo")

    first = services.item_capture(channel=page_channel, content=content, source="meta")
    again = services.item_capture(channel=page_channel, content=content, source="meta")
    edited = services.item_capture(
        channel=page_channel,
        content=ItemContent(kind="comment", external_id="c1", text="Hej!"),
        source="meta",
        edited=True,
    )

    assert (first.outcome, again.outcome, edited.outcome) == ("created", "unchanged", "updated")
    item = Item.objects.get()
    assert list(item.versions.values_list("number", "text")) == [(1, "Hej"), (2, "Hej!")]
    # Fields other than the content are those of the first capture.
    assert item.sender_name == "Bo"


def test_a_known_event_key_is_applied_once(page_channel):
    content = ItemContent(kind="comment", external_id="c1", text="Hej")
    services.item_capture(channel=page_channel, content=content, source="meta", event_key="k1")

    result = services.item_capture(
        channel=page_channel,
        content=ItemContent(kind="comment", external_id="c1", text="Changed"),
        source="meta",
        event_key="k1",
    )

    assert result.outcome == "unchanged"
    assert ItemVersion.objects.count() == 1


def test_the_same_external_id_on_two_channels_is_two_items(page_channel, kultur_channel):
    content = ItemContent(kind="comment", external_id="c1", text="Hej")

    services.item_capture(channel=page_channel, content=content, source="meta")
    services.item_capture(channel=kultur_channel, content=content, source="meta")

    assert Item.objects.count() == 2


def test_capture_refuses_an_invalid_kind(page_channel):
    with pytest.raises(ValidationError):
        services.item_capture(
            channel=page_channel,
            content=ItemContent(kind="tweet", external_id="c1", text="x"),
            source="meta",
        )
    assert not Item.objects.exists()


def test_items_without_external_id_are_never_merged(page_channel, employee):
    data = {"kind": "comment", "text": "Samma text", "platform_created_at": None}

    services.item_register_manually(channel=page_channel, actor=employee, data=data)
    services.item_register_manually(channel=page_channel, actor=employee, data=data)

    assert Item.objects.count() == 2


# --- delivery_parse -------------------------------------------------------------------------


def test_parse_is_idempotent(page_channel):
    delivery, created = store()
    assert created

    services.delivery_parse(delivery_id=delivery.pk)
    services.delivery_parse(delivery_id=delivery.pk)
    tasks.delivery_parse_task(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PARSED
    assert delivery.attempts == 1
    assert Item.objects.count() == 1


def test_store_again_returns_the_same_delivery(page_channel):
    first, created = store()
    second, created_again = store()

    assert first.pk == second.pk
    assert (created, created_again) == (True, False)


def test_a_body_that_is_not_json_fails_and_is_listed():
    delivery, _ = services.delivery_store(source="meta", body=b"\xffnot json", signature="")

    services.delivery_parse(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "not JSON" in delivery.error
    event = UnhandledEvent.objects.get()
    assert event.delivery == delivery
    assert "could not be parsed" in event.reason


def test_a_crash_while_parsing_writes_nothing_and_marks_the_delivery_failed(
    page_channel, monkeypatch
):
    delivery, _ = store("fb_batch_multiple_entries.json")
    real_apply = deliveries._apply
    calls = []

    def crash_on_second(delivery, event, channels):
        calls.append(event)
        if len(calls) == 2:
            raise RuntimeError("a bug")
        real_apply(delivery, event, channels)

    monkeypatch.setattr(deliveries, "_apply", crash_on_second)

    services.delivery_parse(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "RuntimeError: a bug" in delivery.error
    # The first event's item was rolled back with the rest.
    assert not Item.objects.exists()
    assert UnhandledEvent.objects.get().reason.startswith("the delivery could not be parsed")


def test_an_administrator_has_a_delivery_parsed_again(
    page_channel, communicator, django_capture_on_commit_callbacks, monkeypatch
):
    delivery, _ = store()
    monkeypatch.setattr(deliveries, "_apply", lambda *args: (_ for _ in ()).throw(KeyError("x")))
    services.delivery_parse(delivery_id=delivery.pk)
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_requeue(delivery=delivery, actor=communicator)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PARSED
    assert Item.objects.count() == 1
    assert AuditEvent.objects.get().kind == AuditEvent.Kind.DELIVERY_REQUEUED


def test_a_delivery_parsed_again_after_the_account_was_registered(
    make_channel, facebook, communicator, django_capture_on_commit_callbacks
):
    from tests.moderation.conftest import PAGE_ID, with_account_id

    delivery, _ = store()
    services.delivery_parse(delivery_id=delivery.pk)
    assert UnhandledEvent.objects.get().reason == "unknown account"
    channel = make_channel(platform=facebook, address="https://www.facebook.com/sen")
    with_account_id(channel, PAGE_ID, communicator)

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_requeue(delivery=delivery, actor=communicator)
        services.delivery_requeue(delivery=delivery, actor=communicator)

    assert channel.items.count() == 1
    assert ItemVersion.objects.count() == 1


# --- The broker being down, and the sweep ---------------------------------------------------


def test_the_broker_being_down_does_not_lose_the_delivery(
    page_channel, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.delivery_parse_task, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        delivery, _ = store()

    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert f"Could not queue moderation.tasks.delivery_parse_task({delivery.pk}," in caplog.text
    monkeypatch.undo()

    # Too young for the sweep: left alone.
    assert services.deliveries_requeue_pending() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert services.deliveries_requeue_pending() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PARSED
    assert Item.objects.count() == 1


def test_the_sweep_gives_up_after_the_maximum_attempts(page_channel):
    delivery, _ = store()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=deliveries.MAX_PARSE_ATTEMPTS)

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert tasks.requeue_pending_deliveries_task() == 0

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "gave up" in delivery.error
    assert UnhandledEvent.objects.filter(delivery=delivery).exists()


def test_the_sweep_is_in_the_beat_schedule():
    from smedje_social.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "moderation.tasks.requeue_pending_deliveries_task" in tasks_scheduled


# --- Removal --------------------------------------------------------------------------------


def test_platform_removal_is_idempotent_by_state(page_channel):
    item = services.item_capture(
        channel=page_channel,
        content=ItemContent(kind="comment", external_id="c1", text="Hej"),
        source="meta",
    ).item

    changes = [
        services.item_mark_removed_on_platform(item=item, action=action)
        for action in ("hide", "hide", "unhide", "unhide", "hide", "remove", "unhide", "hide")
    ]

    assert changes == [True, False, True, False, True, True, False, False]
    item.refresh_from_db()
    assert item.removed_on_platform_action == "remove"


# --- Tokens ---------------------------------------------------------------------------------


def test_token_create_update_and_revoke_are_audited(page_channel, kultur_channel, communicator):
    token, plain = services.ingest_token_create(
        name=" Formulär ", channels=[page_channel], actor=communicator
    )
    services.ingest_token_update(
        token=token, name="Formulär", channels=[page_channel, kultur_channel], actor=communicator
    )
    services.ingest_token_update(
        token=token, name="Formulär", channels=[page_channel, kultur_channel], actor=communicator
    )
    services.ingest_token_revoke(token=token, actor=communicator)

    with pytest.raises(TransitionNotAllowed):
        services.ingest_token_revoke(token=token, actor=communicator)
    kinds = list(AuditEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["token_created", "token_changed", "token_revoked"]
    assert services.ingest_token_find(plain) == token
    assert services.ingest_token_find("") is None
    assert services.ingest_token_find(plain + "x") is None


def test_unhandled_resolve_needs_a_communicator(employee):
    event = UnhandledEvent.objects.create(source="meta", event_key="k", reason="r")

    with pytest.raises(NotPermitted):
        services.unhandled_event_resolve(event=event, actor=employee)
    event.refresh_from_db()
    assert event.resolved_at is None
