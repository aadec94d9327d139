"""The moderation queue's actions on an item: one service per edge, one table of edges.

    open ──answer──────▶ answered ─┐
      │  ──leave───────▶ no_answer ├─(an edit on the platform)─▶ open
      │  ──refer───────▶ referred ─┘
      ├──forward──▶ forwarded (still open: someone records the outcome with
      │                        answer, leave or refer, or forwards again)
      └─unpublish─▶ unpublished ──republish──▶ open
         delete───▶ deleted (also from unpublished)

Claims, comments, advice, bullying reports and registration change no state.

Every action:
* locks the item row and checks, in this order, that the actor may act on
  the item, that the item is still at the version the actor saw
  (`expected_version`), that nobody else holds it, and that the edge is
  allowed from the current state; any refusal changes nothing;
* takes the item for the actor if nobody held it; leaving the queue lets
  go of it;
* raises the item's version, writes an ItemEvent (who, when, note, old and
  new values) in the same transaction, and queues its e-mail after commit.

Unpublish and delete write the archive record first, in the same
transaction: if the archive cannot be written, nothing is removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.permissions import deciding_managers
from channels.services.common import lock
from core import roles
from core.exceptions import NotPermitted, ServiceError, StaleVersion, TransitionNotAllowed
from core.queueing import delay_or_log
from moderation import permissions, selectors
from moderation.models import (
    HANDLED_STATES,
    OPEN_STATES,
    ContentRule,
    Item,
    ItemComment,
    ItemEvent,
    ItemState,
)

logger = logging.getLogger(__name__)

S = ItemState

# The one table of the item workflow: action → (states it is allowed from, new state).
TRANSITIONS = {
    "answer": ({S.OPEN, S.FORWARDED}, S.ANSWERED),
    "forward": ({S.OPEN, S.FORWARDED}, S.FORWARDED),
    "leave": ({S.OPEN, S.FORWARDED}, S.NO_ANSWER),
    "refer": ({S.OPEN, S.FORWARDED}, S.REFERRED),
    "unpublish": ({S.OPEN, S.FORWARDED, *HANDLED_STATES}, S.UNPUBLISHED),
    "delete": ({S.OPEN, S.FORWARDED, *HANDLED_STATES, S.UNPUBLISHED}, S.DELETED),
    "republish": ({S.UNPUBLISHED}, S.OPEN),
    # Not a person's action: item_capture reopens a handled item that was edited.
    "reopen": (set(HANDLED_STATES), S.OPEN),
}

# A bulk removal takes at most this many items per request.
BULK_MAX_ITEMS = 100


class ClaimConflict(ServiceError):
    """Someone else holds the item; nothing was changed."""


class ArchiveUnavailable(ServiceError):
    """The archive record could not be written, so the item was not removed."""


def allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS[action][0]


def transition_target(item: Item, action: str) -> str:
    allowed_from, target = TRANSITIONS[action]
    if item.state not in allowed_from:
        raise TransitionNotAllowed(
            _("That is not possible now: the item is “%(state)s”.")
            % {"state": item.get_state_display()}
        )
    return target


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _holder_blocks(item: Item, actor) -> bool:
    """Whether another person holds the item; an absent holder's claim does not block."""
    if item.claimed_by_id is None or item.claimed_by_id == actor.pk:
        return False
    return not selectors.is_absent(item.claimed_by)


def _begin(item: Item, actor, expected_version: int | None) -> Item:
    """Lock the item and refuse, changing nothing, what the actor may not do now."""
    item = lock(Item, item.pk)
    if not permissions.user_can_act_on_item(actor, item):
        raise NotPermitted(_("You can only act on items of the channels you handle."))
    if expected_version is not None and item.version != expected_version:
        raise StaleVersion(
            _(
                "The item changed after you opened it (a new version, or someone acted on "
                "it). Nothing was done; look at it again and decide."
            )
        )
    if _holder_blocks(item, actor):
        holder = item.claimed_by
        raise ClaimConflict(
            _(
                "%(name)s has taken this item (since %(since)s). Nothing was done; ask them, "
                "or a communicator, to release it."
            )
            % {
                "name": _name(holder),
                "since": timezone.localtime(item.claimed_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    return item


def _take(item: Item, actor, changes: dict, fields: list[str]) -> None:
    if item.claimed_by_id != actor.pk:
        changes["claimed_by"] = [item.claimed_by_id, actor.pk]
        item.claimed_by = actor
        item.claimed_at = timezone.now()
        fields += ["claimed_by", "claimed_at"]


def _let_go(item: Item, changes: dict, fields: list[str]) -> None:
    if item.claimed_by_id is not None:
        changes["claimed_by"] = [item.claimed_by_id, None]
        item.claimed_by = None
        item.claimed_at = None
        fields += ["claimed_by", "claimed_at"]


def _save(item: Item, fields: list[str]) -> None:
    item.version += 1
    item.save(update_fields=sorted({*fields, "version"}))


def _event(item, kind, actor, *, note="", changes=None) -> ItemEvent:
    return ItemEvent.objects.create(
        item=item, kind=kind, actor=actor, note=note or "", changes=changes or {}
    )


def _delay_notify(event_id: int) -> None:
    from moderation.tasks import item_event_notify_task

    # Broker down: the action is done and recorded; only its e-mail is late.
    delay_or_log(item_event_notify_task, event_id)


def _notify_on_commit(event: ItemEvent) -> None:
    event_id = event.pk
    transaction.on_commit(lambda: _delay_notify(event_id))


def _change_state(
    item: Item, action: str, actor, *, event_kind, note="", changes=None, fields=None
) -> tuple[Item, ItemEvent]:
    """Move the item along `action`, taking or letting go of it, and record the event."""
    target = transition_target(item, action)
    changes = {"state": [item.state, target], **(changes or {})}
    fields = ["state", *(fields or [])]
    item.state = target
    if target in OPEN_STATES:
        _take(item, actor, changes, fields)
    else:
        _let_go(item, changes, fields)
        item.handled_at = timezone.now()
        item.handled_by = actor
        fields += ["handled_at", "handled_by"]
    _save(item, fields)
    return item, _event(item, event_kind, actor, note=note, changes=changes)


# --- Claims -----------------------------------------------------------------------------------


@transaction.atomic
def item_claim(*, item: Item, actor, expected_version: int | None) -> Item:
    """Take the item, so that others see who works on it; taking one's own is a no-op."""
    item = _begin(item, actor, expected_version)
    if item.claimed_by_id == actor.pk:
        return item
    changes, fields = {}, []
    _take(item, actor, changes, fields)
    _save(item, fields)
    _event(item, ItemEvent.Kind.CLAIMED, actor, changes=changes)
    return item


@transaction.atomic
def item_release(*, item: Item, actor, expected_version: int | None = None) -> Item:
    """Let go of the item: the holder, or a communicator for anyone."""
    item = lock(Item, item.pk)
    if item.claimed_by_id is None:
        raise TransitionNotAllowed(_("Nobody holds this item."))
    if not permissions.user_can_release_claim(actor, item):
        raise NotPermitted(
            _("Only the person who holds the item or a communicator can release it.")
        )
    if expected_version is not None and item.version != expected_version:
        raise StaleVersion(_("The item changed after you opened it. Nothing was done."))
    changes, fields = {}, []
    _let_go(item, changes, fields)
    _save(item, fields)
    _event(item, ItemEvent.Kind.RELEASED, actor, changes=changes)
    return item


# --- Handling -----------------------------------------------------------------------------------


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


@transaction.atomic
def item_answer(
    *, item: Item, actor, expected_version: int | None, text: str, template=None, note: str = ""
) -> Item:
    """Record the reply as it was posted on the platform (possibly from a template)."""
    text = _required_text(text, "text", _("Write the reply as it was posted."))
    item = _begin(item, actor, expected_version)
    item.answer_text = text
    item, _event = _change_state(
        item,
        "answer",
        actor,
        event_kind=ItemEvent.Kind.ANSWERED,
        note=note,
        changes={"reply": text, "template": template.pk if template else None},
        fields=["answer_text"],
    )
    return item


@transaction.atomic
def item_forward(
    *, item: Item, actor, expected_version: int | None, to_email: str, note: str = ""
) -> Item:
    """E-mail the item to the person responsible; it stays open until the outcome is recorded."""
    to_email = _required_text(to_email, "to_email", _("Give the e-mail address."))
    try:
        validate_email(to_email)
    except ValidationError as error:
        raise ValidationError({"to_email": _("Enter a valid e-mail address.")}) from error
    item = _begin(item, actor, expected_version)
    item.forwarded_to = to_email
    item.forwarded_at = timezone.now()
    item.forwarded_by = actor
    item, event = _change_state(
        item,
        "forward",
        actor,
        event_kind=ItemEvent.Kind.FORWARDED,
        note=note,
        changes={"to": to_email, "recipients": [to_email]},
        fields=["forwarded_to", "forwarded_at", "forwarded_by"],
    )
    _notify_on_commit(event)
    return item


@transaction.atomic
def item_leave(*, item: Item, actor, expected_version: int | None, note: str = "") -> Item:
    """No answer needed: a discussion between others may take place on our platform."""
    item = _begin(item, actor, expected_version)
    item, _event = _change_state(
        item, "leave", actor, event_kind=ItemEvent.Kind.NO_ANSWER, note=note
    )
    return item


@transaction.atomic
def item_refer(
    *, item: Item, actor, expected_version: int | None, text: str, note: str = ""
) -> Item:
    """A political debate: refer it to the political parties with the standard reply."""
    text = _required_text(text, "text", _("Write the reply as it was posted."))
    item = _begin(item, actor, expected_version)
    item.answer_text = text
    item, _event = _change_state(
        item,
        "refer",
        actor,
        event_kind=ItemEvent.Kind.REFERRED,
        note=note,
        changes={"reply": text},
        fields=["answer_text"],
    )
    return item


# --- Removal ------------------------------------------------------------------------------------


def _cited_rules(rules) -> list[ContentRule]:
    rules = sorted({rule.pk: rule for rule in rules or ()}.values(), key=lambda r: r.number)
    if not rules:
        raise ValidationError({"rules": _("Cite at least one content rule that the item breaks.")})
    inactive = [str(rule) for rule in rules if not rule.active]
    if inactive:
        raise ValidationError(
            {
                "rules": _("These rules are no longer in use: %(rules)s")
                % {"rules": ", ".join(inactive)}
            }
        )
    return rules


def removal_content(item: Item, *, action, rules, actor, message, reported_to_police, note, at):
    """What the archive keeps of a removed item: every version with its raw payload."""
    channel = item.channel
    return {
        "item": {
            "id": item.pk,
            "kind": item.kind,
            "source": item.source,
            "state_before": item.state,
            "external_id": item.external_id,
            "parent_external_id": item.parent_external_id,
            "post_external_id": item.post_external_id,
            "expects_answer": item.expects_answer,
            "removed_on_platform": item.removed_on_platform_action,
        },
        "text": item.text,
        "attachments": list(item.attachments),
        "versions": [
            {
                "number": version.number,
                "text": version.text,
                "attachments": list(version.attachments),
                "platform_edited_at": version.platform_edited_at,
                "captured_at": version.captured_at,
                "event_key": version.event_key,
                "raw": version.raw,
            }
            for version in item.versions.order_by("number")
        ],
        "sender": {"id": item.sender_id, "name": item.sender_name},
        "channel": {
            "id": channel.pk,
            "name": channel.display_name,
            "platform": str(channel.platform),
            "address": channel.address,
            "account_id": channel.account_id,
        },
        "unit": {"id": channel.unit_id, "name": str(channel.unit)},
        "action": action,
        "rules": [{"number": rule.number, "title": rule.title} for rule in rules],
        "message_to_writer": message,
        "reported_to_police": reported_to_police,
        "note": note,
        "actor": {"id": actor.pk, "username": actor.get_username(), "name": _name(actor)},
        "times": {
            "platform_created_at": item.platform_created_at,
            "received_at": item.received_at,
            "acted_at": at,
        },
    }


def _archive(**kwargs):
    """record_create, with any failure turned into a refusal that rolls everything back."""
    from archive.services.records import record_create

    try:
        return record_create(**kwargs)
    except Exception as error:
        logger.exception("Archive record for item %s could not be written", kwargs.get("item_id"))
        raise ArchiveUnavailable(
            _(
                "The item could not be saved in the archive, so nothing was removed and it "
                "is still visible. Try again in a while; if it keeps failing, tell the "
                "communicator."
            )
        ) from error


def _remove(
    action: str,
    *,
    item: Item,
    actor,
    expected_version: int | None,
    rules,
    message: str = "",
    reported_to_police: bool = False,
    note: str = "",
) -> Item:
    rules = _cited_rules(rules)
    message = (message or "").strip()
    item = _begin(item, actor, expected_version)
    transition_target(item, action)  # refuse before writing anything to the archive
    now = timezone.now()
    record = _archive(
        record_type="removed",
        channel=item.channel,
        content=removal_content(
            item,
            action=action,
            rules=rules,
            actor=actor,
            message=message,
            reported_to_police=reported_to_police,
            note=note,
            at=now,
        ),
        sender_id=item.sender_id,
        sender_name=item.sender_name,
        platform_created_at=item.platform_created_at,
        received_at=item.received_at,
        acted_at=now,
        action=action,
        rules=[str(rule) for rule in rules],
        actor=actor,
        item_id=item.pk,
        description=_("%(kind)s removed from %(channel)s")
        % {"kind": item.get_kind_display(), "channel": item.channel.display_name},
    )
    item.removed_at = now
    item.removed_by = actor
    item.removal_message = message
    item.reported_to_police = item.reported_to_police or bool(reported_to_police)
    item, _event = _change_state(
        item,
        action,
        actor,
        event_kind=ItemEvent.Kind.UNPUBLISHED if action == "unpublish" else ItemEvent.Kind.DELETED,
        note=note,
        changes={
            "rules": [rule.number for rule in rules],
            "message_to_writer": message,
            "reported_to_police": bool(reported_to_police),
            "archive_record": record.pk,
        },
        fields=["removed_at", "removed_by", "removal_message", "reported_to_police"],
    )
    item.removal_rules.set(rules)
    return item


@transaction.atomic
def item_unpublish(*, item: Item, actor, expected_version: int | None, rules, **options) -> Item:
    """Hide the item citing content rules; archived first (options: message, reported_to_police,
    note)."""
    return _remove(
        "unpublish",
        item=item,
        actor=actor,
        expected_version=expected_version,
        rules=rules,
        **options,
    )


@transaction.atomic
def item_delete(*, item: Item, actor, expected_version: int | None, rules, **options) -> Item:
    """Delete the item citing content rules; archived first."""
    return _remove(
        "delete", item=item, actor=actor, expected_version=expected_version, rules=rules, **options
    )


@transaction.atomic
def item_republish(*, item: Item, actor, expected_version: int | None, note: str = "") -> Item:
    """Make an unpublished item visible again; it returns to the queue, its record stays."""
    note = _required_text(note, "note", _("Say why the item is made visible again."))
    item = _begin(item, actor, expected_version)
    item, _event = _change_state(
        item, "republish", actor, event_kind=ItemEvent.Kind.REPUBLISHED, note=note
    )
    return item


@dataclass
class BulkResult:
    removed: list[int] = field(default_factory=list)
    # (item id, the reason it was refused)
    refused: list[tuple[int, str]] = field(default_factory=list)


def items_remove_bulk(
    *,
    selection: list[tuple[int, int]],
    actor,
    action: str,
    rules,
    message: str = "",
    reported_to_police: bool = False,
    note: str = "",
) -> BulkResult:
    """Remove several items citing the same rules: one transaction and one record per item.

    `selection` holds (item id, version seen) pairs. Each item is removed on
    its own, exactly as `item_unpublish` / `item_delete` would: an item that
    changed, is held by someone else or cannot be archived is refused and
    reported, and the others are still removed.
    """
    if action not in ("unpublish", "delete"):
        raise ValueError(f"Unknown bulk action {action!r}")
    rules = _cited_rules(rules)
    if not selection:
        raise ValidationError({"items": _("Choose at least one item.")})
    if len(selection) > BULK_MAX_ITEMS:
        raise ValidationError(
            {"items": _("Choose at most %(count)d items at a time.") % {"count": BULK_MAX_ITEMS}}
        )
    service = item_unpublish if action == "unpublish" else item_delete
    result = BulkResult()
    items = Item.objects.in_bulk([item_id for item_id, _version in selection])
    for item_id, version in selection:
        item = items.get(item_id)
        if item is None:
            result.refused.append((item_id, _("The item does not exist.")))
            continue
        try:
            service(
                item=item,
                actor=actor,
                expected_version=version,
                rules=rules,
                message=message,
                reported_to_police=reported_to_police,
                note=note,
            )
        except ServiceError as error:
            result.refused.append((item_id, error.message))
        else:
            result.removed.append(item_id)
    return result


# --- Reports, advice and comments ---------------------------------------------------------------


def _communicators():
    return list(
        get_user_model().objects.filter(groups__name=roles.COMMUNICATOR, is_active=True).distinct()
    )


def _emails(users) -> list[str]:
    return sorted({user.email for user in users if user.email})


@transaction.atomic
def item_report_bullying(*, item: Item, actor, expected_version: int | None, note: str) -> Item:
    """Tell the nearest manager of the channel's unit about bullying seen on the channel.

    If the unit (and its ancestors) has no manager, the communicators are told.
    """
    note = _required_text(note, "note", _("Describe what you have seen."))
    item = _begin(item, actor, expected_version)
    managers = deciding_managers(item.channel.unit)
    recipients = _emails(managers) or _emails(_communicators())
    changes, fields = {"recipients": recipients, "to_managers": bool(_emails(managers))}, []
    _take(item, actor, changes, fields)
    _save(item, fields)
    event = _event(item, ItemEvent.Kind.BULLYING_REPORTED, actor, note=note, changes=changes)
    _notify_on_commit(event)
    return item


@transaction.atomic
def item_ask_advice(
    *, item: Item, actor, expected_version: int | None, of: str, question: str
) -> ItemComment:
    """Ask the nearest manager or the communicators how to handle the item.

    The question is the first comment of the item's conversation; the
    addressees are e-mailed and answer there.
    """
    question = _required_text(question, "question", _("Write your question."))
    if of not in (ItemComment.AddressedTo.MANAGER, ItemComment.AddressedTo.COMMUNICATOR):
        raise ValidationError({"of": _("Choose whom to ask.")})
    item = _begin(item, actor, expected_version)
    if of == ItemComment.AddressedTo.MANAGER:
        recipients = _emails(deciding_managers(item.channel.unit))
        if not recipients:
            raise ServiceError(
                _("The channel's unit has no manager with an e-mail address; ask the communicator.")
            )
    else:
        recipients = _emails(_communicators())
    comment = ItemComment.objects.create(item=item, author=actor, addressed_to=of, text=question)
    changes, fields = {"to": of, "recipients": recipients, "comment": comment.pk}, []
    _take(item, actor, changes, fields)
    _save(item, fields)
    event = _event(item, ItemEvent.Kind.ADVICE_REQUESTED, actor, note=question, changes=changes)
    _notify_on_commit(event)
    return comment


@transaction.atomic
def item_comment(*, item: Item, actor, text: str) -> ItemComment:
    """Write in the item's conversation (an answer to a question, a remark).

    Not an action on the item: it needs no claim and does not change the
    version. Earlier writers in the conversation are e-mailed.
    """
    text = _required_text(text, "text", _("Write the comment."))
    if not permissions.user_can_comment_on_item(actor, item):
        raise NotPermitted(_("You cannot comment on this item."))
    item = lock(Item, item.pk)
    earlier = {comment.author for comment in item.comments.select_related("author")}
    recipients = _emails(user for user in earlier if user.pk != actor.pk)
    comment = ItemComment.objects.create(item=item, author=actor, text=text)
    event = _event(
        item,
        ItemEvent.Kind.COMMENTED,
        actor,
        note=text,
        changes={"comment": comment.pk, "recipients": recipients},
    )
    _notify_on_commit(event)
    return comment


def item_event_notify(*, event_id: int) -> int:
    """Send the e-mail of an event once; a redelivered task sends nothing. Returns the count."""
    from moderation.notifications import item_event_messages

    with transaction.atomic():
        event = (
            ItemEvent.objects.select_for_update(of=("self",))
            .select_related("item__channel__platform", "item__channel__unit", "actor")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.notified_at is not None:
            return 0
        messages = item_event_messages(event)
        for message in messages:
            message.send()
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
        return len(messages)


# Events whose e-mail could not be queued are queued again by the sweep, for this long.
RENOTIFY_AFTER_MINUTES = 5
RENOTIFY_WITHIN_DAYS = 7
RENOTIFY_BATCH_SIZE = 100


def item_events_renotify(*, now=None) -> int:
    """Queue again the e-mails of events not yet notified (broker down, worker lost)."""
    from datetime import timedelta

    from moderation.notifications import EVENT_TEMPLATES

    now = now or timezone.now()
    ids = list(
        ItemEvent.objects.filter(
            kind__in=list(EVENT_TEMPLATES),
            notified_at__isnull=True,
            created_at__lt=now - timedelta(minutes=RENOTIFY_AFTER_MINUTES),
            created_at__gt=now - timedelta(days=RENOTIFY_WITHIN_DAYS),
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:RENOTIFY_BATCH_SIZE]
    )
    for event_id in ids:
        _delay_notify(event_id)
    return len(ids)
