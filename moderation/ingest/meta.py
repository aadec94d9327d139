"""Parse Meta (Facebook Page and Instagram) webhook payloads into events.

Formats, as documented by Meta:

* Graph API "Webhooks for Pages" and the "Page" webhooks reference, field
  ``feed``: ``{"object": "page", "entry": [{"id": <page id>, "time": …,
  "changes": [{"field": "feed", "value": {"item", "verb", "comment_id",
  "post_id", "parent_id", "from": {"id", "name"}, "message", "created_time",
  "post", "photo", "video", …}}]}]}``. ``created_time`` is Unix seconds.
* Messenger Platform "Webhook Events Reference" (``messages``,
  ``message_echoes``, ``message_edits``, ``message_reactions``,
  ``message_reads``, ``message_deliveries``, ``messaging_postbacks``): entries
  carry ``messaging`` (or ``standby`` under the handover protocol) lists of
  ``{"sender": {"id"}, "recipient": {"id"}, "timestamp": <ms>, "message": {"mid",
  "text", "attachments": [{"type", "payload": {"url"}}], "is_echo"}}`` or
  ``message_edit`` / ``reaction`` / ``read`` / ``delivery`` / ``postback``.
* Instagram Platform "Webhooks" and "Webhook Notification Examples", fields
  ``comments`` and ``live_comments`` (``value``: ``id``, ``text``,
  ``from: {id, username}``, ``media: {id, media_product_type}``, ``parent_id``
  for replies) and ``mentions`` (``value``: ``media_id``, ``comment_id``); and
  Instagram messaging, which uses the Messenger ``messaging`` shape plus
  ``is_deleted`` for unsent messages.

Rules of the road:

* Every change and every messaging event becomes exactly one event, handled or
  not; nothing is dropped. The entry ``id`` (page id or Instagram account id)
  is the event's ``account_id``.
* Malformed input never raises. A body that is not an object, an unknown
  ``object``, an ``entry`` that is not a list, an entry or change of the wrong
  type: each yields one event with ``action="unknown"`` and an
  ``unhandled_reason``. Only a body with literally nothing in it (``entry: []``,
  or entries whose ``changes``/``messaging`` lists are empty) yields ``[]``.
* Anything that is not an Instagram body is reported with platform
  ``"facebook"``, the only other platform Meta's parser knows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .events import (
    Action,
    Kind,
    ParsedEvent,
    Platform,
    as_dict,
    as_id,
    as_text,
    datetime_from_epoch,
    digest,
    looks_like_question,
    make_event_key,
)

# Page feed verbs. Meta's enum also has "edit" and "delete"; they are folded in
# with "edited" and "remove" because they mean the same to a moderator.
_FEED_VERBS: dict[str, Action] = {
    "add": "add",
    "edited": "edit",
    "edit": "edit",
    "remove": "remove",
    "delete": "remove",
    "hide": "hide",
    "unhide": "unhide",
}

# Feed items that are someone posting on the page's timeline. "photo" and
# "video" are what Meta sends when the post is a bare photo or video.
_POST_ITEMS = frozenset({"post", "status", "photo", "video"})

_INSTAGRAM_COMMENT_FIELDS = frozenset({"comments", "live_comments"})

# Messaging webhook fields. The App Dashboard's "Test" button (and some
# Instagram setups) deliver these as entry.changes[] whose value has the
# messaging-event shape, instead of entry.messaging[].
_MESSAGING_FIELDS = frozenset(
    {
        "messages",
        "message_echoes",
        "message_edits",
        "message_reactions",
        "message_reads",
        "message_deliveries",
        "messaging_postbacks",
        "messaging_seen",
    }
)

# Messaging event types that carry no content for the moderation queue.
_NON_CONTENT_MESSAGING = {
    "read": "read receipt",
    "delivery": "delivery receipt",
    "reaction": "message reaction",
    "postback": "postback",
    "referral": "referral",
    "optin": "opt-in",
    "account_linking": "account linking",
    "pass_thread_control": "handover",
    "take_thread_control": "handover",
    "request_thread_control": "handover",
    "policy_enforcement": "policy enforcement",
}


def parse_meta_payload(payload: object) -> list[ParsedEvent]:
    """Parse one decoded Meta webhook body into events; never raises."""
    if not isinstance(payload, dict):
        return [
            _unhandled(
                "facebook",
                None,
                {"payload": payload},
                "payload is not a JSON object",
                label="malformed",
            )
        ]

    obj = payload.get("object")
    if obj == "page":
        platform: Platform = "facebook"
    elif obj == "instagram":
        platform = "instagram"
    else:
        return [
            _unhandled(
                "facebook",
                None,
                payload,
                f"webhook object {obj!r} is not handled",
                label="object",
            )
        ]

    entries = payload.get("entry")
    if not isinstance(entries, list):
        return [
            _unhandled(platform, None, payload, "entry is missing or not a list", label="malformed")
        ]

    events: list[ParsedEvent] = []
    for entry in entries:
        events.extend(_parse_entry(platform, entry))
    return events


def _parse_entry(platform: Platform, entry: object) -> list[ParsedEvent]:
    if not isinstance(entry, dict):
        return [
            _unhandled(platform, None, {"entry": entry}, "entry is not a JSON object", "malformed")
        ]
    account_id = as_id(entry.get("id"))
    entry_time = entry.get("time")

    events: list[ParsedEvent] = []
    carries_something = False
    for list_key in ("changes", "messaging", "standby"):
        if list_key not in entry:
            continue
        carries_something = True
        items = entry[list_key]
        if not isinstance(items, list):
            events.append(
                _unhandled(
                    platform, account_id, entry, f"entry {list_key} is not a list", "malformed"
                )
            )
            continue
        for item in items:
            if list_key == "changes":
                events.append(_parse_change(platform, account_id, item, entry_time))
            else:
                # Standby events are messages that another app in the handover
                # protocol owns; they are still messages to the municipality.
                events.append(_parse_messaging(platform, account_id, item))

    if not carries_something:
        if "field" in entry and "value" in entry:
            # Meta's Instagram example shows field/value directly on the entry;
            # accept that shape too rather than losing the comment.
            events.append(_parse_change(platform, account_id, entry, entry_time))
        else:
            events.append(
                _unhandled(
                    platform,
                    account_id,
                    entry,
                    "entry carries no changes or messaging",
                    "malformed",
                )
            )
    return events


def _parse_change(
    platform: Platform, account_id: str | None, change: object, entry_time: object
) -> ParsedEvent:
    if not isinstance(change, dict):
        return _unhandled(
            platform, account_id, {"change": change}, "change is not a JSON object", "malformed"
        )
    # Only strings can name a field; anything else (even an unhashable list)
    # must fall through to "not handled" rather than break a set lookup.
    field = as_text(change.get("field"))
    value = change.get("value")
    if not isinstance(value, dict):
        return _unhandled(
            platform, account_id, change, "change value is not a JSON object", "malformed"
        )

    if field in _MESSAGING_FIELDS and "sender" in value:
        return _parse_messaging(platform, account_id, value, raw=change)
    if platform == "facebook" and field == "feed":
        return _parse_feed_change(account_id, change, value)
    if platform == "instagram" and field in _INSTAGRAM_COMMENT_FIELDS:
        return _parse_instagram_comment(account_id, change, value, entry_time)
    if platform == "instagram" and field == "mentions":
        return _parse_instagram_mention(account_id, change, value)
    return _unhandled(
        platform,
        account_id,
        change,
        f"field {change.get('field')!r} is not handled",
        label=f"field-{field}",
    )


# --- Facebook Page feed -----------------------------------------------------


def _parse_feed_change(
    account_id: str | None, change: dict[str, Any], value: dict[str, Any]
) -> ParsedEvent:
    item = as_text(value.get("item"))
    verb = value.get("verb")
    action = _FEED_VERBS.get(verb) if isinstance(verb, str) else None
    sender = as_dict(value.get("from"))
    sender_id = as_id(sender.get("id"))
    created_time = value.get("created_time")
    post_id = as_id(value.get("post_id"))

    if item == "comment":
        comment_id = as_id(value.get("comment_id"))
        parent_id = as_id(value.get("parent_id"))
        # A top-level comment's parent is the post itself; anything else is a
        # reply in a comment thread.
        kind: Kind = "reply" if parent_id and post_id and parent_id != post_id else "comment"
        reason = None
        if action is None:
            reason = f"feed verb {verb!r} is not handled"
        elif comment_id is None:
            reason = "comment without comment_id"
        elif sender_id is not None and sender_id == account_id:
            reason = "own comment"
        return _content_event(
            platform="facebook",
            account_id=account_id,
            key_noun="comment",
            external_id=comment_id,
            action=action,
            verb=verb,
            kind=kind,
            parent_external_id=parent_id,
            post_external_id=post_id,
            sender_id=sender_id,
            sender_name=as_text(sender.get("name")),
            text=as_text(value.get("message")),
            attachments=_feed_attachments(value, item),
            platform_time=created_time,
            raw=change,
            reason=reason,
        )

    if item in _POST_ITEMS:
        reason = None
        if action is None:
            reason = f"feed verb {verb!r} is not handled"
        elif post_id is None:
            reason = "post without post_id"
        elif sender_id is not None and sender_id == account_id:
            reason = "own post"
        return _content_event(
            platform="facebook",
            account_id=account_id,
            key_noun="post",
            external_id=post_id,
            action=action,
            verb=verb,
            kind="visitor_post",
            parent_external_id=None,
            post_external_id=post_id,
            sender_id=sender_id,
            sender_name=as_text(sender.get("name")),
            text=as_text(value.get("message")),
            attachments=_feed_attachments(value, item),
            platform_time=created_time,
            raw=change,
            reason=reason,
        )

    # Reactions, likes, shares, events, ratings…: kept, but not moderation items.
    return ParsedEvent(
        platform="facebook",
        account_id=account_id,
        event_key=make_event_key("facebook", f"feed-{item}", account_id, digest(change)),
        action=action or "unknown",
        kind="unknown",
        external_id=as_id(value.get("comment_id")) or post_id,
        parent_external_id=as_id(value.get("parent_id")),
        post_external_id=post_id,
        sender_id=sender_id,
        sender_name=as_text(sender.get("name")),
        text=as_text(value.get("message")),
        created_at=datetime_from_epoch(created_time),
        raw=change,
        unhandled_reason=f"feed item {value.get('item')!r} is not handled",
    )


def _feed_attachments(value: dict[str, Any], item: object) -> tuple[str, ...]:
    urls: list[object] = [value.get("photo"), value.get("video")]
    photos = value.get("photos")
    if isinstance(photos, list):
        urls.extend(photos)
    if item in ("photo", "video"):
        # For photo and video items Meta puts the media URL in "link"; on other
        # items "link" is a shared web page, not something the visitor uploaded.
        urls.append(value.get("link"))
    return _unique_urls(urls)


# --- Instagram comments and mentions ----------------------------------------


def _parse_instagram_comment(
    account_id: str | None, change: dict[str, Any], value: dict[str, Any], entry_time: object
) -> ParsedEvent:
    comment_id = as_id(value.get("id"))
    parent_id = as_id(value.get("parent_id"))
    media = as_dict(value.get("media"))
    media_id = as_id(media.get("id"))
    sender = as_dict(value.get("from"))
    sender_id = as_id(sender.get("id"))

    reason = None
    if comment_id is None:
        reason = "comment without id"
    elif sender_id is not None and sender_id == account_id:
        reason = "own comment"

    # Instagram only notifies about new comments (no verb, no edits) and gives no
    # comment time; entry.time, when Meta sent the notification, is the closest
    # thing. It is not used in the key because a redelivery may carry a new one.
    return _content_event(
        platform="instagram",
        account_id=account_id,
        key_noun="comment",
        external_id=comment_id,
        action="add",
        verb="add",
        kind="reply" if parent_id else "comment",
        parent_external_id=parent_id or media_id,
        post_external_id=media_id,
        sender_id=sender_id,
        sender_name=as_text(sender.get("username")),
        text=as_text(value.get("text")),
        attachments=(),
        platform_time=None,
        created_at=datetime_from_epoch(entry_time, unit="guess"),
        raw=change,
        reason=reason,
    )


def _parse_instagram_mention(
    account_id: str | None, change: dict[str, Any], value: dict[str, Any]
) -> ParsedEvent:
    media_id = as_id(value.get("media_id"))
    comment_id = as_id(value.get("comment_id"))
    # A mention lives on someone else's media: it is not on the municipality's
    # channel, so it is reported but not queued for moderation.
    return ParsedEvent(
        platform="instagram",
        account_id=account_id,
        event_key=make_event_key("instagram", "mention", account_id, media_id, comment_id),
        action="add",
        kind="unknown",
        external_id=comment_id or media_id,
        post_external_id=media_id,
        raw=change,
        unhandled_reason="mention on media the account does not own",
    )


# --- Messenger and Instagram messaging --------------------------------------


def _parse_messaging(
    platform: Platform,
    account_id: str | None,
    event: object,
    raw: dict[str, Any] | None = None,
) -> ParsedEvent:
    if not isinstance(event, dict):
        return _unhandled(
            platform,
            account_id,
            {"messaging": event},
            "messaging event is not a JSON object",
            "malformed",
        )
    raw = event if raw is None else raw
    sender_id = as_id(as_dict(event.get("sender")).get("id"))
    timestamp = event.get("timestamp")
    created_at = datetime_from_epoch(timestamp, unit="ms")
    from_self = sender_id is not None and sender_id == account_id

    if "message" in event:
        message = event["message"]
        if not isinstance(message, dict):
            return _unhandled(
                platform, account_id, raw, "message is not a JSON object", "malformed"
            )
        mid = as_id(message.get("mid"))
        action: Action = "remove" if message.get("is_deleted") is True else "add"
        reason = None
        if message.get("is_echo") is True or from_self:
            reason = "echo of own message"
        elif mid is None:
            reason = "message without mid"
        text = as_text(message.get("text"))
        if text is None and action == "add":
            text = ""
        return _message_event(
            platform=platform,
            account_id=account_id,
            event_key=make_event_key(platform, "message", mid, action),
            action=action,
            external_id=mid,
            parent_external_id=as_id(as_dict(message.get("reply_to")).get("mid")),
            sender_id=sender_id,
            text=text,
            attachments=_message_attachments(message.get("attachments")),
            created_at=created_at,
            raw=raw,
            reason=reason,
        )

    if "message_edit" in event:
        edit = event["message_edit"]
        if not isinstance(edit, dict):
            return _unhandled(
                platform, account_id, raw, "message_edit is not a JSON object", "malformed"
            )
        mid = as_id(edit.get("mid"))
        text = as_text(edit.get("text"))
        reason = None
        if from_self:
            reason = "edit of own message"
        elif mid is None:
            reason = "message edit without mid"
        # num_edit counts the edits of one message, so it separates a first and
        # second edit; the text digest covers platforms that omit it.
        edit_marker = as_id(edit.get("num_edit")) or as_id(timestamp)
        return _message_event(
            platform=platform,
            account_id=account_id,
            event_key=make_event_key(platform, "message", mid, "edit", edit_marker, digest(text)),
            action="edit",
            external_id=mid,
            parent_external_id=None,
            sender_id=sender_id,
            text=text,
            attachments=(),
            created_at=created_at,
            raw=raw,
            reason=reason,
        )

    for event_type, description in _NON_CONTENT_MESSAGING.items():
        if event_type in event:
            detail = as_dict(event.get(event_type))
            return ParsedEvent(
                platform=platform,
                account_id=account_id,
                event_key=make_event_key(platform, event_type, account_id, digest(raw)),
                action="unknown",
                kind="unknown",
                external_id=as_id(detail.get("mid")),
                sender_id=sender_id,
                created_at=created_at,
                raw=raw,
                unhandled_reason=f"{description} is not handled",
            )

    return _unhandled(
        platform, account_id, raw, "messaging event of unknown type", "messaging", created_at
    )


def _message_attachments(attachments: object) -> tuple[str, ...]:
    if not isinstance(attachments, list):
        return ()
    urls: list[object] = []
    for attachment in attachments:
        attachment = as_dict(attachment)
        # Media carry payload.url; link-share "fallback" attachments carry the
        # URL on the attachment itself.
        urls.append(as_dict(attachment.get("payload")).get("url"))
        urls.append(attachment.get("url"))
    return _unique_urls(urls)


# --- building events --------------------------------------------------------


def _content_event(
    *,
    platform: Platform,
    account_id: str | None,
    key_noun: str,
    external_id: str | None,
    action: Action | None,
    verb: object,
    kind: Kind,
    parent_external_id: str | None,
    post_external_id: str | None,
    sender_id: str | None,
    sender_name: str | None,
    text: str | None,
    attachments: tuple[str, ...],
    platform_time: object,
    raw: dict[str, Any],
    reason: str | None,
    created_at: datetime | None = None,
) -> ParsedEvent:
    """Build the event for a comment or post change (Facebook feed, Instagram)."""
    if text is None and action == "add":
        # The comment exists but has no text, e.g. a photo-only comment.
        text = ""
    key_parts: list[object] = [key_noun, external_id, action or f"verb-{verb}"]
    if platform_time is not None:
        key_parts.append(as_id(platform_time))
    if action == "edit":
        # Meta's created_time is not documented to change between edits, so the
        # new text tells a second edit from the first one.
        key_parts.append(digest(text))
    if external_id is None:
        # Without an id the key must still be stable and distinct per change.
        key_parts.append(digest(raw))
    if created_at is None:
        created_at = datetime_from_epoch(platform_time)
    handled = reason is None
    return ParsedEvent(
        platform=platform,
        account_id=account_id,
        event_key=make_event_key(platform, *key_parts),
        action=action or "unknown",
        kind=kind,
        external_id=external_id,
        parent_external_id=parent_external_id,
        post_external_id=post_external_id,
        sender_id=sender_id,
        sender_name=sender_name,
        text=text,
        attachments=attachments,
        created_at=created_at,
        expects_answer=handled and action in ("add", "edit") and looks_like_question(text),
        raw=raw,
        unhandled_reason=reason,
    )


def _message_event(
    *,
    platform: Platform,
    account_id: str | None,
    event_key: str,
    action: Action,
    external_id: str | None,
    parent_external_id: str | None,
    sender_id: str | None,
    text: str | None,
    attachments: tuple[str, ...],
    created_at: datetime | None,
    raw: dict[str, Any],
    reason: str | None,
) -> ParsedEvent:
    if external_id is None:
        event_key = make_event_key(platform, "message", "-", action, digest(raw))
    return ParsedEvent(
        platform=platform,
        account_id=account_id,
        event_key=event_key,
        action=action,
        kind="direct_message",
        external_id=external_id,
        parent_external_id=parent_external_id,
        sender_id=sender_id,
        text=text,
        attachments=attachments,
        created_at=created_at,
        # Direct messages are always answered (and registered) when they arrive
        # or change; a removal or our own echo needs no answer.
        expects_answer=reason is None and action in ("add", "edit"),
        raw=raw,
        unhandled_reason=reason,
    )


def _unhandled(
    platform: Platform,
    account_id: str | None,
    raw: dict[str, Any],
    reason: str,
    label: str,
    created_at: datetime | None = None,
) -> ParsedEvent:
    """An event for something that is kept and listed but not handled."""
    return ParsedEvent(
        platform=platform,
        account_id=account_id,
        event_key=make_event_key(platform, label, account_id, digest(raw)),
        action="unknown",
        kind="unknown",
        created_at=created_at,
        raw=raw,
        unhandled_reason=reason,
    )


def _unique_urls(values: list[object]) -> tuple[str, ...]:
    urls: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and value not in urls:
            urls.append(value)
    return tuple(urls)
