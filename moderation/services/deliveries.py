"""Webhook deliveries: store the raw POST at once, parse it into items in a task.

Storing and parsing are separate on purpose. The webhook view only checks the
signature and stores the exact bytes (`delivery_store`), so the platform gets
its 200 within milliseconds and nothing that arrived can be lost to a bug in
parsing. A Celery task then turns the body into items (`delivery_parse`), in
one transaction per delivery: a crash leaves nothing half-written, and the
delivery stays pending to be tried again.

Idempotency comes in three layers: a redelivered body is the same Delivery
row (unique source and SHA-256); a redelivered task finds the delivery parsed
and does nothing; an event that arrives again in another batch has the same
event key (unique on versions and on unhandled events).

When the broker is down the delivery is still stored and answered 200; the
periodic `deliveries_requeue_pending` (every minute, in batches) queues what
has waited longer than `REQUEUE_AFTER`, and gives up, marking the delivery
failed, after `MAX_PARSE_ATTEMPTS` attempts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections import Counter
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel, PlatformKind
from channels.services.common import lock
from core.queueing import delay_or_log
from core.storable import without_unstorable
from moderation.ingest.events import ParsedEvent
from moderation.ingest.mastodon import parse_mastodon_payload
from moderation.ingest.meta import parse_meta_payload
from moderation.models import (
    AuditEvent,
    Delivery,
    DeliverySource,
    DeliveryStatus,
    Item,
    ItemKind,
    UnhandledEvent,
)
from moderation.models.items import ID_MAX_LENGTH
from moderation.services.items import (
    ItemContent,
    NewCapture,
    item_capture,
    item_mark_removed_on_platform,
    items_capture_new,
)

logger = logging.getLogger(__name__)

# A pending delivery older than this was not parsed when queued (broker down,
# worker lost): the sweep queues it again.
REQUEUE_AFTER = timedelta(seconds=60)
REQUEUE_BATCH_SIZE = 200
MAX_PARSE_ATTEMPTS = 10

# Longest stored texts of an unhandled event (the raw JSON keeps everything).
_REASON_MAX_LENGTH = 500
_ACCOUNT_MAX_LENGTH = 300


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def decode_json(body: bytes):
    """Decode a webhook body as strict JSON: NaN and Infinity are refused, as the spec says.

    Raises ValueError (UnicodeDecodeError is one) for anything else than JSON.
    """
    return json.loads(body, parse_constant=_reject_constant)


# A NUL or a lone surrogate comes out of UTF-8 JSON only from an escape (\u0000,
# \ud800 to \udfff): raw control characters are refused by the parser and UTF-8 has
# no surrogates. The events of such a body without such an escape need no cleaning; a
# false alarm (an escaped backslash before "u0000") only costs the cleaning. A body
# with a NUL byte may be UTF-16 or UTF-32 JSON, which json.loads also reads: cleaned.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# ItemKind.values builds a new list on every use.
_ITEM_KINDS = frozenset(ItemKind.values)


def _may_hold_unstorable(delivery: Delivery) -> bool:
    body = bytes(delivery.body)
    return b"\x00" in body or _UNSTORABLE_ESCAPE.search(body) is not None


def _storable(event: ParsedEvent) -> ParsedEvent:
    changes = {
        field.name: without_unstorable(getattr(event, field.name))
        for field in dataclasses.fields(event)
        if isinstance(getattr(event, field.name), str | dict | tuple)
    }
    return dataclasses.replace(event, **changes)


def _queue_parse(delivery_id: int) -> bool:
    """Queue the parse task; False (logged) when the broker is unreachable."""
    from moderation.tasks import delivery_parse_task

    # Broker down: the periodic sweep queues the delivery again.
    return delay_or_log(delivery_parse_task, delivery_id)


def delivery_store(*, source: str, body: bytes, signature: str) -> tuple[Delivery, bool]:
    """Store a verified webhook body as it arrived and queue its parsing.

    Returns (delivery, created); a redelivered body returns the stored row
    (queued again if it is still pending).
    """
    if source not in DeliverySource.values:
        raise ValueError(f"Unknown delivery source {source!r}")
    body = bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            source=source, sha256=digest, defaults={"body": body, "signature": signature}
        )
        if delivery.status == DeliveryStatus.PENDING:
            delivery_id = delivery.pk
            transaction.on_commit(lambda: _queue_parse(delivery_id))
    return delivery, created


# --- Parsing --------------------------------------------------------------------------------


class _ChannelFinder:
    """Channels by (platform kind, account id), looked up once per delivery."""

    def __init__(self):
        self._cache: dict[tuple[str, str], Channel | None] = {}

    def find(self, platform: str, account_id: str | None) -> Channel | None:
        if not account_id:
            return None
        key = (platform, account_id)
        if key not in self._cache:
            # Two live channels with one account id would be a register error;
            # the oldest wins, and the communicator sees both in the register.
            self._cache[key] = (
                Channel.objects.not_closed()
                .filter(platform__kind=platform, account_id=account_id)
                .order_by("pk")
                .first()
            )
        return self._cache[key]


def _mastodon_account_uris() -> list[str]:
    return list(
        Channel.objects.not_closed()
        .filter(platform__kind=PlatformKind.MASTODON)
        .exclude(account_id="")
        .values_list("account_id", flat=True)
    )


def _events(delivery: Delivery, payload: object) -> list[ParsedEvent]:
    if delivery.source == DeliverySource.MASTODON:
        return parse_mastodon_payload(payload, account_uris=_mastodon_account_uris())
    return parse_meta_payload(payload)


def _keep_unhandled(delivery: Delivery, event: ParsedEvent, reason: str) -> UnhandledEvent:
    unhandled, _ = UnhandledEvent.objects.get_or_create(
        event_key=event.event_key,
        defaults={
            "delivery": delivery,
            "source": delivery.source,
            "platform": event.platform,
            "account_id": (event.account_id or "")[:_ACCOUNT_MAX_LENGTH],
            "reason": without_unstorable(reason)[:_REASON_MAX_LENGTH],
            "raw": event.raw,
        },
    )
    return unhandled


def _too_long(event: ParsedEvent) -> bool:
    ids = (event.external_id, event.parent_external_id, event.post_external_id, event.sender_id)
    return any(value is not None and len(value) > ID_MAX_LENGTH for value in ids)


def _capture_new_items(delivery: Delivery, events: list[ParsedEvent], channels) -> set[int]:
    """The indexes of `events` captured in bulk: plain "add"s of new items (see
    `items_capture_new`). An item named by any other event of the delivery is
    left out, so that the events about one item keep their order in `_apply`."""
    named = Counter((e.platform, e.account_id, e.external_id) for e in events)
    keys = Counter(e.event_key for e in events)
    clean = _may_hold_unstorable(delivery)
    indexes, captures = [], []
    for index, event in enumerate(events):
        if not (
            event.is_handled
            and event.action == "add"
            and event.text is not None
            and event.kind in _ITEM_KINDS
            and event.external_id
            and event.event_key
            and named[(event.platform, event.account_id, event.external_id)] == 1
            and keys[event.event_key] == 1
            and not _too_long(event)
        ):
            continue
        channel = channels.find(event.platform, event.account_id)
        if channel is None:
            continue
        if clean:
            event = _storable(event)
        indexes.append(index)
        captures.append(
            NewCapture(
                channel=channel,
                content=ItemContent.from_event(event),
                event_key=event.event_key,
                raw=event.raw,
            )
        )
    done = items_capture_new(captures=captures, source=delivery.source, delivery=delivery)
    return {indexes[position] for position in done}


def _apply(delivery: Delivery, event: ParsedEvent, channels: _ChannelFinder) -> None:
    """Turn one parsed event into a version, a removal or an unhandled event."""
    event = _storable(event)
    if not event.is_handled:
        _keep_unhandled(delivery, event, event.unhandled_reason)
        return
    if event.kind not in ItemKind.values or not event.external_id:
        _keep_unhandled(delivery, event, "event names no item")
        return
    if _too_long(event):
        _keep_unhandled(delivery, event, f"an id is longer than {ID_MAX_LENGTH} characters")
        return
    channel = channels.find(event.platform, event.account_id)
    if channel is None:
        _keep_unhandled(delivery, event, "unknown account")
        return

    if event.action in ("add", "edit"):
        if event.text is None:
            _keep_unhandled(delivery, event, f"{event.action} without text")
            return
        try:
            # A savepoint, so that a value our models refuse becomes an
            # unhandled event instead of failing the whole delivery.
            with transaction.atomic():
                item_capture(
                    channel=channel,
                    content=ItemContent.from_event(event),
                    source=delivery.source,
                    edited=event.action == "edit",
                    event_key=event.event_key,
                    raw=event.raw,
                    delivery=delivery,
                )
        except ValidationError as error:
            _keep_unhandled(delivery, event, f"not valid: {'; '.join(error.messages)}")
        return

    if event.action in ("remove", "hide", "unhide"):
        item = Item.objects.filter(channel=channel, external_id=event.external_id).first()
        if item is None:
            _keep_unhandled(delivery, event, f"{event.action} of an item that was never captured")
            return
        item_mark_removed_on_platform(
            item=item,
            action=event.action,
            event_key=event.event_key,
            delivery=delivery,
            at=delivery.received_at,
        )
        return

    _keep_unhandled(delivery, event, f"action {event.action!r} is not handled")


def _fail(delivery: Delivery, error: str) -> Delivery:
    """Mark the delivery failed and list it for the communicator; the body stays."""
    delivery.status = DeliveryStatus.FAILED
    delivery.error = error
    delivery.save(update_fields=["status", "error"])
    UnhandledEvent.objects.get_or_create(
        event_key=f"delivery:{delivery.pk}:failed",
        defaults={
            "delivery": delivery,
            "source": delivery.source,
            "reason": f"the delivery could not be parsed: {error}"[:_REASON_MAX_LENGTH],
            "raw": {"body": without_unstorable(delivery.body_text())},
        },
    )
    return delivery


def delivery_parse(*, delivery_id: int) -> Delivery | None:
    """Parse a stored delivery into items, once; safe to call again at any time.

    A database error propagates (the task retries it); any other error is a
    body we could not handle: the delivery is marked failed, listed for the
    communicator, and not retried.
    """
    started = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        attempts=F("attempts") + 1
    )
    if not started:
        return Delivery.objects.filter(pk=delivery_id).first()

    with transaction.atomic():
        delivery = lock(Delivery, delivery_id)
        if delivery.status != DeliveryStatus.PENDING:
            return delivery
        try:
            payload = decode_json(bytes(delivery.body))
        except ValueError as error:
            # The view refuses bodies that are not JSON; this is defence in depth.
            return _fail(delivery, without_unstorable(f"the body is not JSON ({error})"))
        try:
            with transaction.atomic():
                channels = _ChannelFinder()
                events = list(_events(delivery, payload))
                captured = _capture_new_items(delivery, events, channels)
                for index, event in enumerate(events):
                    if index not in captured:
                        _apply(delivery, event, channels)
        except DatabaseError:
            raise
        except Exception as error:
            logger.exception("Could not parse delivery %s", delivery_id)
            return _fail(delivery, without_unstorable(f"{type(error).__name__}: {error}"))
        delivery.status = DeliveryStatus.PARSED
        delivery.parsed_at = timezone.now()
        delivery.error = ""
        delivery.save(update_fields=["status", "parsed_at", "error"])
    return delivery


def deliveries_requeue_pending(*, now=None) -> int:
    """Queue again what is still pending after REQUEUE_AFTER; returns how many were queued.

    One batch per run (the task runs every minute); deliveries that have
    been tried MAX_PARSE_ATTEMPTS times are marked failed instead.
    """
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    stale = Delivery.objects.pending().filter(received_at__lt=cutoff)
    exhausted = list(
        stale.filter(attempts__gte=MAX_PARSE_ATTEMPTS).values_list("pk", flat=True)[
            :REQUEUE_BATCH_SIZE
        ]
    )
    for delivery_id in exhausted:
        with transaction.atomic():
            delivery = lock(Delivery, delivery_id)
            if delivery.status == DeliveryStatus.PENDING:
                _fail(delivery, f"gave up after {delivery.attempts} attempts")
    ids = list(
        stale.filter(attempts__lt=MAX_PARSE_ATTEMPTS)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH_SIZE]
    )
    queued = 0
    for delivery_id in ids:
        if not _queue_parse(delivery_id):
            break
        queued += 1
    if ids or exhausted:
        logger.info(
            "Queued %s pending deliveries again (%s found); %s marked failed.",
            queued,
            len(ids),
            len(exhausted),
        )
    return queued


@transaction.atomic
def delivery_requeue(*, delivery: Delivery, actor) -> Delivery:
    """An administrator has a delivery parsed again, e.g. after registering its account id.

    Parsing again is safe: what was captured before is recognised by its
    event keys and not captured twice.
    """
    delivery = lock(Delivery, delivery.pk)
    before = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.save(update_fields=["status", "attempts"])
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.DELIVERY_REQUEUED,
        delivery=delivery,
        changes={"status": [before, DeliveryStatus.PENDING]},
    )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: _queue_parse(delivery_id))
    return delivery
