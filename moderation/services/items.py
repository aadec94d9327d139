"""Capturing items: one path for the webhooks, the ingestion API and the manual form.

`item_capture` is the only writer of items and their versions, so that the
three ways in behave identically:

* a new (channel, external id) creates the item with version 1;
* the same content again (a redelivery, an API retry) changes nothing;
* different text or attachments add a version and make it the item's
  current text (except a platform's "add" arriving after an edit, which is
  kept as a version only); earlier versions are never changed.

A webhook event also carries the parser's `event_key`; a version with that
key already existing means the event was applied before, whatever the
content is now.

The queue hooks in here, in the same transaction: every new item and new
version is checked against the content rules' keywords (a flag, never a
removal); a new direct message is registered; a new version raises the
item's version (an action on what the handler saw before is refused) and
brings an item that was answered, left or referred back to the queue.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.services.common import lock
from core.bulk import insert_rows
from core.exceptions import NotPermitted
from moderation import permissions
from moderation.ingest.events import ParsedEvent
from moderation.models import (
    Item,
    ItemEvent,
    ItemSource,
    ItemVersion,
    PlatformRemoval,
)
from moderation.models.items import HANDLED_STATES, NAME_MAX_LENGTH
from moderation.reminders import response_clock_start
from moderation.services.registrations import item_register_direct_message
from moderation.services.rules import item_flag

# Fields of a new item that full_clean checks; the relations were checked by
# whoever chose them, and uniqueness is the database's job under concurrency.
_CLEAN_EXCLUDE = ["channel", "registered_by"]


@dataclass(frozen=True, kw_only=True)
class ItemContent:
    """What one arrival says about an item, whatever way it came in."""

    kind: str
    external_id: str = ""
    parent_external_id: str = ""
    post_external_id: str = ""
    sender_id: str = ""
    sender_name: str = ""
    text: str = ""
    attachments: tuple[str, ...] = ()
    # When it was written (or, for an edit, edited) on the platform.
    created_at: datetime | None = None
    expects_answer: bool = False

    @classmethod
    def from_event(cls, event: ParsedEvent) -> ItemContent:
        return cls(
            kind=event.kind,
            external_id=event.external_id or "",
            parent_external_id=event.parent_external_id or "",
            post_external_id=event.post_external_id or "",
            sender_id=event.sender_id or "",
            # A display name is for people only (the raw payload keeps it whole).
            sender_name=(event.sender_name or "")[:NAME_MAX_LENGTH],
            text=event.text or "",
            attachments=tuple(event.attachments),
            created_at=event.created_at,
            expects_answer=event.expects_answer,
        )


@dataclass(frozen=True)
class CaptureResult:
    item: Item
    # The version that holds the content now (new, or the unchanged latest).
    version: ItemVersion
    item_created: bool
    version_created: bool

    @property
    def outcome(self) -> str:
        """ "created", "updated" (a new version) or "unchanged"."""
        if self.item_created:
            return "created"
        return "updated" if self.version_created else "unchanged"


def _new_item(*, channel, content: ItemContent, source: str, actor) -> Item:
    item = Item(
        channel=channel,
        kind=content.kind,
        external_id=content.external_id,
        parent_external_id=content.parent_external_id,
        post_external_id=content.post_external_id,
        sender_id=content.sender_id,
        sender_name=content.sender_name,
        text=content.text,
        attachments=list(content.attachments),
        platform_created_at=content.created_at,
        expects_answer=content.expects_answer,
        source=source,
        registered_by=actor if source == ItemSource.MANUAL else None,
    )
    item.full_clean(exclude=_CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    # Response time (issue 8): the due time and the first reminder, set before the insert.
    response_clock_start(item)
    return item


# The fields of a new item that an arrival's content sets, and the content's
# attribute for each. `items_capture_new` sets all the others itself.
_CONTENT_FIELDS = (
    ("kind", "kind"),
    ("external_id", "external_id"),
    ("parent_external_id", "parent_external_id"),
    ("post_external_id", "post_external_id"),
    ("sender_id", "sender_id"),
    ("sender_name", "sender_name"),
    ("text", "text"),
    ("attachments", "attachments"),
    ("platform_created_at", "created_at"),
    ("expects_answer", "expects_answer"),
)


@functools.cache
def _content_fields() -> list:
    return [(Item._meta.get_field(name), attribute) for name, attribute in _CONTENT_FIELDS]


def _content_is_valid(content: ItemContent) -> bool:
    """What `full_clean` says of a new item with this content, checking only the fields
    the content sets (`_new_item` checks them all)."""
    try:
        for field, attribute in _content_fields():
            value = getattr(content, attribute)
            field.clean(list(value) if attribute == "attachments" else value, None)
    except ValidationError:
        return False
    return True


# What `items_capture_new` writes of a new item and of its first version.
_NEW_ITEM_COLUMNS = (
    "channel_id",
    "kind",
    "external_id",
    "parent_external_id",
    "post_external_id",
    "sender_id",
    "sender_name",
    "text",
    "attachments",
    "platform_created_at",
    "expects_answer",
    "source",
    "received_at",
    "due_at",
    "next_reminder_step",
    "next_reminder_at",
)
_FIRST_VERSION_COLUMNS = (
    "item_id",
    "number",
    "text",
    "attachments",
    "event_key",
    "delivery_id",
    "raw",
    "captured_at",
)


@dataclass(frozen=True)
class NewCapture:
    """One arrival that may be a new item, for `items_capture_new`."""

    channel: Any
    content: ItemContent
    event_key: str
    raw: dict[str, Any]


def items_capture_new(*, captures: list[NewCapture], source: str, delivery=None) -> set[int]:
    """Capture in one insert the arrivals that are plainly new items; their indexes.

    The fast path of a webhook delivery (50 comments a POST is common): one
    query finds the event keys already captured, one per channel the items
    already there, and the rest are inserted with their first version in two
    statements instead of some ten queries each. Whatever is not plainly new
    is left out, for `item_capture` one by one, which handles every case: an
    event key or item already there, a direct message (registered on arrival),
    text with a content rule's keyword (flagged), a value the model refuses,
    or a concurrent worker inserting the same item first. Call it inside the
    caller's transaction, before capturing the others.
    """
    from moderation.models import ItemKind, RuleKeyword
    from moderation.services.rules import keyword_matches

    if not captures or source not in ItemSource.values:
        return set()  # item_capture refuses an unknown source, one by one
    seen = set(
        ItemVersion.objects.filter(event_key__in=[capture.event_key for capture in captures])
        .order_by()  # the model's ordering would join the items
        .values_list("event_key", flat=True)
    )
    external_ids: dict[int, list[str]] = {}
    for capture in captures:
        external_ids.setdefault(capture.channel.pk, []).append(capture.content.external_id)
    existing = {
        (channel_id, external_id)
        for channel_id, ids in external_ids.items()
        for external_id in Item.objects.filter(
            channel_id=channel_id, external_id__in=ids
        ).values_list("external_id", flat=True)
    }
    keywords = list(RuleKeyword.objects.active().values_list("rule_id", "phrase"))
    # The batch arrives at one moment, so its items share one response clock per channel.
    received_at = timezone.now()
    clocks: dict[int, tuple] = {}
    chosen: list[int] = []
    rows: list[tuple] = []
    for index, capture in enumerate(captures):
        content = capture.content
        if (
            not capture.event_key
            or capture.event_key in seen
            or (capture.channel.pk, content.external_id) in existing
            or content.kind == ItemKind.DIRECT_MESSAGE
            or keyword_matches(content.text, keywords)
            or not _content_is_valid(content)
        ):
            continue
        clock = (None, "", None)
        if content.expects_answer:
            clock = clocks.get(capture.channel.pk)
            if clock is None:
                probe = Item(channel=capture.channel, received_at=received_at, expects_answer=True)
                response_clock_start(probe)
                clock = (probe.due_at, probe.next_reminder_step, probe.next_reminder_at)
                clocks[capture.channel.pk] = clock
        chosen.append(index)
        rows.append(
            (
                capture.channel.pk,
                content.kind,
                content.external_id,
                content.parent_external_id,
                content.post_external_id,
                content.sender_id,
                content.sender_name,
                content.text,
                list(content.attachments),
                content.created_at,
                content.expects_answer,
                source,
                received_at,
                *clock,
            )
        )
    if not rows:
        return set()
    try:
        with transaction.atomic():
            item_ids = insert_rows(Item, _NEW_ITEM_COLUMNS, rows)
            insert_rows(
                ItemVersion,
                _FIRST_VERSION_COLUMNS,
                [
                    (
                        item_id,
                        1,
                        captures[index].content.text,
                        list(captures[index].content.attachments),
                        captures[index].event_key,
                        delivery.pk if delivery is not None else None,
                        captures[index].raw or {},
                        received_at,
                    )
                    for index, item_id in zip(chosen, item_ids, strict=True)
                ],
            )
    except IntegrityError:
        return set()  # another worker inserted one of them first: one by one, then
    return set(chosen)


def _get_or_create_item(*, channel, content: ItemContent, source: str, actor) -> tuple[Item, bool]:
    if content.external_id:
        existing = Item.objects.filter(channel=channel, external_id=content.external_id).first()
        if existing is not None:
            return existing, False
    item = _new_item(channel=channel, content=content, source=source, actor=actor)
    if not content.external_id:
        item.save()
        return item, True
    try:
        # A savepoint: a concurrent worker may insert the same item first.
        with transaction.atomic():
            item.save()
    except IntegrityError:
        return Item.objects.get(channel=channel, external_id=content.external_id), False
    return item, True


def _add_version(
    *, item, number, content: ItemContent, edited, event_key, raw, delivery, ingest_token, actor
) -> ItemVersion:
    return ItemVersion.objects.create(
        item=item,
        number=number,
        text=content.text,
        attachments=list(content.attachments),
        platform_edited_at=content.created_at if edited else None,
        event_key=event_key or None,
        delivery=delivery,
        ingest_token=ingest_token,
        captured_by=actor,
        raw=raw or {},
    )


@transaction.atomic
def item_capture(
    *,
    channel,
    content: ItemContent,
    source: str,
    edited: bool = False,
    event_key: str | None = None,
    raw: dict[str, Any] | None = None,
    delivery=None,
    ingest_token=None,
    actor=None,
) -> CaptureResult:
    """Create the item or add a version of it; never overwrites what was captured.

    `edited` says that the content is an edit on the platform (its time is
    the edit time). Raises ValidationError when a new item's fields are not
    valid (a kind we do not know, a value too long).
    """
    if event_key:
        seen = ItemVersion.objects.select_related("item").filter(event_key=event_key).first()
        if seen is not None:
            return CaptureResult(seen.item, seen, item_created=False, version_created=False)

    item, created = _get_or_create_item(
        channel=channel, content=content, source=source, actor=actor
    )
    version_fields = {
        "content": content,
        "edited": edited,
        "event_key": event_key,
        "raw": raw,
        "delivery": delivery,
        "ingest_token": ingest_token,
        "actor": actor,
    }
    if created:
        version = _add_version(item=item, number=1, **version_fields)
        item_flag(item=item, text=content.text)
        item_register_direct_message(item=item)
        return CaptureResult(item, version, item_created=True, version_created=True)

    # Versions are numbered under the item's row lock, and the event key is
    # checked again: another worker may have applied it while we waited.
    item = lock(Item, item.pk)
    if event_key:
        seen = ItemVersion.objects.filter(event_key=event_key).first()
        if seen is not None:
            return CaptureResult(item, seen, item_created=False, version_created=False)
    latest = item.versions.order_by("-number").first()
    if (
        latest is not None
        and latest.text == content.text
        and list(latest.attachments) == list(content.attachments)
    ):
        return CaptureResult(item, latest, item_created=False, version_created=False)

    version = _add_version(item=item, number=(latest.number if latest else 0) + 1, **version_fields)
    # A platform's "add" that arrives after an edit of the same item (webhooks
    # come out of order) is the original text: kept as a version, but the
    # item goes on showing the edit. The API and the form always send the
    # current text.
    if edited or source in (ItemSource.API, ItemSource.MANUAL):
        item.text = content.text
        item.attachments = list(content.attachments)
    # An edit that turns a remark into a question makes it expect an answer;
    # nothing a sender does later takes that back.
    item.expects_answer = item.expects_answer or content.expects_answer
    item.version += 1
    item.save(update_fields=["text", "attachments", "expects_answer", "version"])
    item_flag(item=item, text=content.text)
    if item.state in HANDLED_STATES:
        _reopen_after_edit(item, version)
    return CaptureResult(item, version, item_created=False, version_created=True)


def _reopen_after_edit(item: Item, version: ItemVersion) -> None:
    """An item edited after it was handled needs a new look: back to the queue."""
    from moderation.services.actions import transition_target

    before = item.state
    item.state = transition_target(item, "reopen")
    item.save(update_fields=["state"])
    ItemEvent.objects.create(
        item=item,
        kind=ItemEvent.Kind.REOPENED,
        changes={"state": [before, item.state], "version": version.number},
    )


_MANUAL_FIELDS = {
    "kind",
    "text",
    "sender_name",
    "sender_id",
    "external_id",
    "platform_created_at",
    "attachments",
    "expects_answer",
}


@transaction.atomic
def item_register_manually(*, channel, actor, data: dict[str, Any]) -> Item:
    """A handler registers an item they saw on the platform (e.g. in the platform's app).

    `data`: kind, text, sender_name, sender_id, external_id, platform_created_at,
    attachments (a list of URLs), expects_answer. The actor must handle the
    channel or be a communicator; the channel must not be closed.
    """
    if not permissions.user_can_register_item_on(actor, channel):
        raise NotPermitted(_("You can only register items on channels you handle."))
    external_id = (data.get("external_id") or "").strip()
    if external_id and Item.objects.filter(channel=channel, external_id=external_id).exists():
        raise ValidationError(
            {"external_id": _("An item with this platform id is already registered.")}
        )
    content = ItemContent(
        kind=data["kind"],
        external_id=external_id,
        sender_id=(data.get("sender_id") or "").strip(),
        sender_name=(data.get("sender_name") or "").strip(),
        text=data.get("text") or "",
        attachments=tuple(data.get("attachments") or ()),
        created_at=data.get("platform_created_at"),
        expects_answer=bool(data.get("expects_answer")),
    )
    raw = {
        key: value
        for key, value in {**data, "attachments": list(content.attachments)}.items()
        if key in _MANUAL_FIELDS
    }
    result = item_capture(
        channel=channel, content=content, source=ItemSource.MANUAL, raw=raw, actor=actor
    )
    ItemEvent.objects.create(
        item=result.item,
        kind=ItemEvent.Kind.REGISTERED,
        actor=actor,
        changes={"channel": channel.pk, "kind": content.kind},
    )
    return result.item


@transaction.atomic
def item_receive_from_api(
    *, token, channel, content: ItemContent, raw: dict[str, Any]
) -> CaptureResult:
    """An item from another system through the ingestion API, idempotent on its id."""
    if not token.is_active or not token.channels.filter(pk=channel.pk).exists():
        raise NotPermitted(_("This token may not deliver items to this channel."))
    return item_capture(
        channel=channel, content=content, source=ItemSource.API, raw=raw, ingest_token=token
    )


# --- Removal on the platform ----------------------------------------------------------------

# What a platform action does to the item: the new (action, event kind), by
# the item's current removal. A removal is final; hiding does not weaken it.
_REMOVAL_EFFECTS = {
    "remove": {
        "": (PlatformRemoval.REMOVE, ItemEvent.Kind.REMOVED_ON_PLATFORM),
        PlatformRemoval.HIDE: (PlatformRemoval.REMOVE, ItemEvent.Kind.REMOVED_ON_PLATFORM),
    },
    "hide": {"": (PlatformRemoval.HIDE, ItemEvent.Kind.HIDDEN_ON_PLATFORM)},
    "unhide": {PlatformRemoval.HIDE: ("", ItemEvent.Kind.UNHIDDEN_ON_PLATFORM)},
}


@transaction.atomic
def item_mark_removed_on_platform(
    *, item, action: str, event_key: str = "", delivery=None, at: datetime | None = None
) -> bool:
    """Record that the platform removed, hid or showed again an item; True if it changed.

    Idempotent by the item's state: hiding a hidden item, showing one that is
    not hidden, or anything after a removal changes and records nothing. The content
    stays: the removal on the platform is exactly why it is kept here.
    """
    if action not in _REMOVAL_EFFECTS:
        raise ValueError(f"Unknown platform action {action!r}")
    item = lock(Item, item.pk)
    effect = _REMOVAL_EFFECTS[action].get(item.removed_on_platform_action)
    if effect is None:
        return False
    new_action, event_kind = effect
    before = item.removed_on_platform_action
    item.removed_on_platform_action = new_action
    item.removed_on_platform_at = (at or timezone.now()) if new_action else None
    item.save(update_fields=["removed_on_platform_action", "removed_on_platform_at"])
    ItemEvent.objects.create(
        item=item,
        kind=event_kind,
        event_key=event_key,
        delivery=delivery,
        changes={"removal": [before, new_action]},
    )
    return True
