"""Disposal (gallring) of moderation items that never became archive records.

Design
------

Answered, left and referred comments are not public records worth keeping
(the removed, registered and direct-message ones are: they are archive
`Record`s with their own rules). They still hold personal data: the sender's
id and name, the text of every version, the raw platform payload, the
handlers' notes. The records management plan gives them a rule of their own,
`RetentionRule` with ``record_type = RetentionSubject.ITEM``; with no such
rule (or a keep-permanently one) no item is ever disposed of. Migrations
invent no rule.

An item is due (`items_due`) when

* it is out of the queue for good: answered, no answer needed, referred,
  unpublished or deleted (open and forwarded items wait for someone);
* no archive record exists for it (``Record.item_id``) and no registration
  is still waiting to write one. An item that *is* a record is kept as long
  as its record: the record is the copy that counts, and the moderation
  page of the item shows it. Once the record is disposed of under its own
  rule, the item follows the item rule;
* its channel is not under a legal hold;
* the rule's event (received, or acted on, i.e. `handled_at`) is old enough.

The disposal run (archive.services.disposal) lists the due items as
`ItemDisposalCandidate` rows when it is proposed, next to the records, so the
same sign-off covers both. Execution works like the records part: batches of
`BATCH_SIZE` candidates, one transaction per batch, progress logged per
batch. In each batch the items still due are re-read and locked with
``SELECT ... FOR UPDATE SKIP LOCKED``; for each an `ItemDisposalLogEntry` is
written (ids, kind, state, dates, rule, and the SHA-256 of the content, never
the content), then its comments, events, versions, registration and
reminders are deleted with it. Two runs executing at once never dispose of
one item twice (the second skips locked rows and then finds them gone; the
log's unique `item_id` would refuse a second entry anyway).

Raw webhook deliveries hold the same personal data as the items parsed from
them. A delivery that no remaining item version or event derives from any
more is deleted in the same batch; if an unhandled event or an audit row
still points at it, the row stays and only its body is emptied. Finally the
run deletes, in batches, parsed deliveries older than the rule's limit that
nothing refers to at all (redeliveries whose events were all duplicates:
they carry the same personal data as the items they duplicated).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from archive.models import (
    DisposalRun,
    ItemDisposalCandidate,
    ItemDisposalLogEntry,
    LegalHold,
    Record,
    RetentionRule,
    RetentionSubject,
)
from moderation.models import (
    HANDLED_STATES,
    REMOVED_STATES,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Item,
    ItemComment,
    ItemEvent,
    ItemVersion,
    Registration,
    UnhandledEvent,
)

logger = logging.getLogger(__name__)

# Items per batch (proposal and execution), and deliveries per batch of the final sweep.
BATCH_SIZE = 500
DELIVERY_BATCH_SIZE = 500

# Out of the queue for good; open and forwarded items still wait for someone.
FINAL_STATES = (*HANDLED_STATES, *REMOVED_STATES)


def item_rule() -> RetentionRule | None:
    return RetentionRule.objects.filter(record_type=RetentionSubject.ITEM).first()


def items_due(today: datetime.date | None = None, rule: RetentionRule | None = None):
    """Items that never became a record and whose retention time has run out on `today`.

    Returns (queryset, rule); the queryset is empty without a rule that disposes.
    """
    today = today or timezone.localdate()
    rule = rule if rule is not None else item_rule()
    due_before = rule.due_before(today) if rule is not None else None
    if due_before is None:
        return Item.objects.none(), rule
    # Every final state sets handled_at; received_at covers items made in a final state.
    event = F("received_at") if rule.counts_from_received else Coalesce("handled_at", "received_at")
    record = Record.objects.filter(item_id=OuterRef("pk"))
    waiting_registration = Registration.objects.filter(item=OuterRef("pk"), record_id__isnull=True)
    channel_hold = LegalHold.objects.filter(
        released_at__isnull=True, channel=OuterRef("channel_id")
    )
    items = (
        Item.objects.alias(retention_event_at=event)
        .filter(state__in=FINAL_STATES, retention_event_at__lt=due_before)
        .exclude(Exists(record))
        .exclude(Exists(waiting_registration))
        .exclude(Exists(channel_hold))
    )
    return items, rule


def items_propose(run: DisposalRun, today: datetime.date) -> int:
    """List the due items as candidates of `run`, one transaction per batch.

    One ``INSERT ... SELECT`` per batch, as for the records
    (`archive.services.disposal.insert_select`): the ids never pass through Python.
    """
    from archive.services.disposal import insert_select

    due, rule = items_due(today)
    if rule is None:
        return 0
    count, last = 0, 0
    while True:
        batch = (
            due.filter(pk__gt=last)
            .order_by("pk")
            .annotate(candidate_run=Value(run.pk), candidate_rule=Value(rule.pk))
            .values_list("candidate_run", "pk", "candidate_rule")[:BATCH_SIZE]
        )
        with transaction.atomic():
            added = insert_select(ItemDisposalCandidate, ["run", "item_id", "rule"], batch)
            if not added:
                break
            last = run.item_candidates.aggregate(last=Max("item_id"))["last"]
        count += added
        logger.info("Disposal run %s: %s items proposed so far", run.pk, count)
    return count


def _utc(value):
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def item_content_sha256(item: Item, registration: Registration | None = None) -> str:
    """SHA-256 of everything personal the item held, canonically serialised.

    Uses the prefetched versions, events and comments. JSON with sorted keys,
    UTF-8, times in UTC: anyone holding a copy (a backup, an export) can
    show that it is what was disposed of.
    """
    data = {
        "item": {
            "id": item.pk,
            "channel_id": item.channel_id,
            "kind": item.kind,
            "source": item.source,
            "state": item.state,
            "external_id": item.external_id,
            "parent_external_id": item.parent_external_id,
            "post_external_id": item.post_external_id,
            "sender_id": item.sender_id,
            "sender_name": item.sender_name,
            "text": item.text,
            "attachments": item.attachments,
            "answer_text": item.answer_text,
            "forwarded_to": item.forwarded_to,
            "removal_message": item.removal_message,
            "platform_created_at": _utc(item.platform_created_at),
            "received_at": _utc(item.received_at),
            "handled_at": _utc(item.handled_at),
        },
        "versions": [
            {
                "number": version.number,
                "text": version.text,
                "attachments": version.attachments,
                "platform_edited_at": _utc(version.platform_edited_at),
                "captured_at": _utc(version.captured_at),
                "event_key": version.event_key,
                "raw": version.raw,
            }
            for version in sorted(item.versions.all(), key=lambda v: v.number)
        ],
        "events": [
            {
                "kind": event.kind,
                "actor_id": event.actor_id,
                "note": event.note,
                "changes": event.changes,
                "created_at": _utc(event.created_at),
            }
            for event in sorted(item.events.all(), key=lambda e: (e.created_at, e.pk))
        ],
        "comments": [
            {"author_id": comment.author_id, "text": comment.text, "at": _utc(comment.created_at)}
            for comment in sorted(item.comments.all(), key=lambda c: (c.created_at, c.pk))
        ],
        "registration": (
            {"reason": registration.reason, "description": registration.description}
            if registration is not None
            else None
        ),
    }
    serialised = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(serialised.encode("utf-8")).hexdigest()


def _references(model, field="delivery"):
    return Exists(model.objects.filter(**{field: OuterRef("pk")}))


def _release_deliveries(delivery_ids: set[int]) -> int:
    """Delete the deliveries among `delivery_ids` that no remaining item derives from.

    Locked first, in id order: a concurrent batch that disposed of another
    item of the same delivery has then committed, so whichever batch comes
    last sees that nothing derives from it any more. A delivery an unhandled
    event or an audit row still points at keeps its row, with its body emptied.
    Returns the number deleted.
    """
    if not delivery_ids:
        return 0
    locked = list(
        Delivery.objects.select_for_update()
        .filter(pk__in=delivery_ids, status=DeliveryStatus.PARSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    spent = (
        Delivery.objects.filter(pk__in=locked)
        .exclude(_references(ItemVersion))
        .exclude(_references(ItemEvent))
    )
    kept_for_others = Q(_references(UnhandledEvent)) | Q(_references(AuditEvent))
    spent.filter(kept_for_others).update(body=b"", error="")
    deleted, _by_model = spent.exclude(kept_for_others).delete()
    return deleted


def items_dispose_batch(run: DisposalRun, item_ids: list[int], actor, today) -> int:
    """Dispose of those of `item_ids` that are still due; one transaction."""
    with transaction.atomic():
        due, rule = items_due(today)
        if rule is None:
            return 0
        items = list(
            due.filter(pk__in=item_ids)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("channel", "channel__platform", "channel__unit")
        )
        if not items:
            return 0
        ids = [item.pk for item in items]
        # Prefetched after the lock, so what is hashed is what is deleted.
        prefetch_related_objects(items, "versions", "events", "comments")
        registrations = {r.item_id: r for r in Registration.objects.filter(item_id__in=ids)}
        now = timezone.now()
        rule_summary = str(rule)[:300]
        ItemDisposalLogEntry.objects.bulk_create(
            [
                ItemDisposalLogEntry(
                    run=run,
                    item_id=item.pk,
                    channel_id=item.channel_id,
                    channel_name=str(item.channel)[:300],
                    unit_name=item.channel.unit.name[:200],
                    kind=item.kind,
                    state=item.state,
                    source=item.source,
                    received_at=item.received_at,
                    acted_at=item.handled_at,
                    version_count=len(item.versions.all()),
                    content_sha256=item_content_sha256(item, registrations.get(item.pk)),
                    rule_id=rule.pk,
                    rule_summary=rule_summary,
                    decision_number=rule.decision_number,
                    decision_date=rule.decision_date,
                    disposed_at=now,
                    disposed_by=actor,
                )
                for item in items
            ]
        )
        delivery_ids = {
            version.delivery_id
            for item in items
            for version in item.versions.all()
            if version.delivery_id
        } | {
            event.delivery_id for item in items for event in item.events.all() if event.delivery_id
        }
        # The rows that protect the item go first; reminders and the rule links cascade.
        ItemComment.objects.filter(item_id__in=ids).delete()
        ItemEvent.objects.filter(item_id__in=ids).delete()
        ItemVersion.objects.filter(item_id__in=ids).delete()
        Registration.objects.filter(item_id__in=ids).delete()
        Item.objects.filter(pk__in=ids).delete()
        deliveries = _release_deliveries(delivery_ids)
        DisposalRun.objects.filter(pk=run.pk).update(
            items_disposed_count=F("items_disposed_count") + len(items),
            deliveries_deleted_count=F("deliveries_deleted_count") + deliveries,
        )
    return len(items)


def items_execute(run: DisposalRun, actor, today) -> int:
    """Dispose of the run's item candidates, batch by batch; returns how many went."""
    from archive.services.disposal import candidate_batches

    total = 0
    for ids in candidate_batches(run.item_candidates, "item_id", BATCH_SIZE):
        disposed = items_dispose_batch(run, ids, actor, today)
        total += disposed
        logger.info(
            "Disposal run %s: batch up to item %s, %s disposed of (%s so far)",
            run.pk,
            ids[-1],
            disposed,
            total,
        )
    return total


def spent_deliveries(today: datetime.date | None = None, rule: RetentionRule | None = None):
    """Parsed deliveries older than the item rule's limit that nothing refers to any more."""
    today = today or timezone.localdate()
    rule = rule if rule is not None else item_rule()
    due_before = rule.due_before(today) if rule is not None else None
    if due_before is None:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(status=DeliveryStatus.PARSED, received_at__lt=due_before)
        .exclude(_references(ItemVersion))
        .exclude(_references(ItemEvent))
        .exclude(_references(UnhandledEvent))
        .exclude(_references(AuditEvent))
    )


def spent_deliveries_delete(run: DisposalRun, today) -> int:
    """Delete the spent deliveries in batches, one transaction each."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                spent_deliveries(today)
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:DELIVERY_BATCH_SIZE]
            )
            if not ids:
                break
            deleted, _by_model = Delivery.objects.filter(pk__in=ids).delete()
            DisposalRun.objects.filter(pk=run.pk).update(
                deliveries_deleted_count=F("deliveries_deleted_count") + deleted
            )
        total += deleted
        logger.info("Disposal run %s: %s spent webhook deliveries deleted so far", run.pk, total)
    return total
