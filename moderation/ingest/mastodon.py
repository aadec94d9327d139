"""Parse Mastodon webhook payloads into events.

Formats, as documented by Mastodon:

* "Webhooks" (admin documentation): the server POSTs
  ``{"event": "<name>", "created_at": "<ISO 8601>", "object": {…}}`` signed with
  ``X-Hub-Signature``. Events are ``account.approved``, ``account.created``,
  ``account.updated``, ``report.created``, ``report.updated``,
  ``status.created`` and ``status.updated``; only the two status events are
  parsed into items, the rest are returned as unhandled.
* "Status" entity (REST API entities) as the ``object`` of status events:
  ``id``, ``uri``, ``url``, ``created_at``, ``edited_at``, ``content`` (HTML),
  ``spoiler_text``, ``visibility`` (``public`` / ``unlisted`` / ``private`` /
  ``direct``), ``in_reply_to_id``, ``in_reply_to_account_id``, ``reblog``,
  ``account`` (Account entity: ``id``, ``username``, ``acct``,
  ``display_name``, ``url``, ``uri``), ``mentions`` (``id``, ``username``,
  ``url``, ``acct``) and ``media_attachments`` (``url``, ``remote_url``).

Mastodon sends status webhooks for statuses of the server's own (local)
accounts only, so they reach us when the municipality's account lives on a
server whose administrators registered our endpoint.

Whether a status concerns the municipality is decided against
``account_uris``: the registered accounts' profile URLs, ActivityPub URIs or
server-local account ids. A status is addressed to one of them when it replies
to it or mentions it; the matched value, exactly as given in ``account_uris``,
becomes the event's ``account_id``. Anything else is returned with an
``unhandled_reason``, never dropped, and malformed input never raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from .events import (
    Action,
    Kind,
    ParsedEvent,
    as_dict,
    as_id,
    as_text,
    digest,
    looks_like_question,
    make_event_key,
    parse_iso_datetime,
)

logger = logging.getLogger(__name__)

_STATUS_EVENTS: dict[str, Action] = {"status.created": "add", "status.updated": "edit"}


def parse_mastodon_payload(
    payload: object, account_uris: Collection[str] = ()
) -> list[ParsedEvent]:
    """Parse one decoded Mastodon webhook body into events; never raises.

    Always returns exactly one event: a webhook delivery carries one object.
    """
    if not isinstance(payload, dict):
        return [_unhandled({"payload": payload}, "payload is not a JSON object", "malformed")]

    event_name = payload.get("event")
    action = _STATUS_EVENTS.get(event_name) if isinstance(event_name, str) else None
    if action is None:
        return [
            _unhandled(
                payload, f"Mastodon event {event_name!r} is not handled", f"event-{event_name}"
            )
        ]

    status = payload.get("object")
    if not isinstance(status, dict):
        return [_unhandled(payload, "status object is missing or not a JSON object", "malformed")]
    return [_parse_status(payload, status, action, _AccountMatcher(account_uris))]


def _parse_status(
    payload: dict[str, Any], status: dict[str, Any], action: Action, matcher: _AccountMatcher
) -> ParsedEvent:
    status_id = as_id(status.get("id"))
    author = as_dict(status.get("account"))
    mentions = [as_dict(mention) for mention in _as_list(status.get("mentions"))]
    in_reply_to_id = as_id(status.get("in_reply_to_id"))
    in_reply_to_account_id = as_id(status.get("in_reply_to_account_id"))
    visibility = status.get("visibility")

    own_account = matcher.match(author.get("uri"), author.get("url"), author.get("id"))
    replied_to = _match_reply_target(matcher, in_reply_to_account_id, mentions)
    addressed_to = replied_to or _match_mentions(matcher, mentions)

    reason = None
    account_id = addressed_to
    if isinstance(status.get("reblog"), dict):
        reason = "boost (reblog) is not handled"
    elif own_account is not None:
        reason = "own status"
        account_id = own_account
    elif addressed_to is None:
        reason = "not addressed to a registered account"
    elif status_id is None:
        reason = "status without id"

    kind: Kind
    post_external_id = None
    if visibility == "direct":
        kind = "direct_message"
    elif replied_to is not None:
        # A reply to one of the municipality's own statuses is a comment on it.
        kind = "comment"
        post_external_id = in_reply_to_id
    elif in_reply_to_id is not None:
        # Somewhere else in a thread, but mentioning the municipality.
        kind = "reply"
    else:
        kind = "visitor_post"

    text = html_to_text(as_text(status.get("content")) or "")
    spoiler = as_text(status.get("spoiler_text"))
    if spoiler and spoiler.strip():
        # The content warning is part of what the person published.
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    attachments = _media_urls(status.get("media_attachments"))

    created_at_raw = status.get("created_at")
    edited_at_raw = status.get("edited_at")
    created_at: datetime | None = parse_iso_datetime(created_at_raw)
    # The status's uri is global across the fediverse; its id only on one server.
    status_ref = as_id(status.get("uri")) or status_id
    if action == "edit":
        # edited_at changes with every edit; status.updated can also fire for
        # changes that are not edits (edited_at unchanged or null), so the
        # content digest keeps those apart without splitting real redeliveries.
        event_key = make_event_key(
            "mastodon",
            "status",
            status_ref,
            "edit",
            as_text(edited_at_raw),
            digest([text, list(attachments), visibility]),
        )
        created_at = parse_iso_datetime(edited_at_raw) or created_at
    else:
        event_key = make_event_key("mastodon", "status", status_ref, "add", as_text(created_at_raw))
    if status_ref is None:
        event_key = make_event_key("mastodon", "status", "-", action, digest(payload))

    return ParsedEvent(
        platform="mastodon",
        account_id=account_id,
        event_key=event_key,
        action=action,
        kind=kind,
        external_id=status_id,
        parent_external_id=in_reply_to_id,
        post_external_id=post_external_id,
        sender_id=as_id(author.get("id")),
        sender_name=_display_name(author),
        text=text,
        attachments=attachments,
        created_at=created_at,
        expects_answer=reason is None and (kind == "direct_message" or looks_like_question(text)),
        raw=payload,
        unhandled_reason=reason,
    )


def _match_reply_target(
    matcher: _AccountMatcher, in_reply_to_account_id: str | None, mentions: list[dict[str, Any]]
) -> str | None:
    if in_reply_to_account_id is None:
        return None
    direct = matcher.match(in_reply_to_account_id)
    if direct is not None:
        return direct
    # The status only names the replied-to account by server-local id, but
    # Mastodon always mentions that account too, with its profile URL.
    for mention in mentions:
        if as_id(mention.get("id")) == in_reply_to_account_id:
            return matcher.match(mention.get("url"), mention.get("id"))
    return None


def _match_mentions(matcher: _AccountMatcher, mentions: list[dict[str, Any]]) -> str | None:
    for mention in mentions:
        matched = matcher.match(mention.get("url"), mention.get("id"))
        if matched is not None:
            return matched
    return None


def _display_name(account: dict[str, Any]) -> str | None:
    display_name = as_text(account.get("display_name"))
    if display_name and display_name.strip():
        return display_name
    handle = as_text(account.get("acct")) or as_text(account.get("username"))
    return f"@{handle}" if handle else None


def _media_urls(attachments: object) -> tuple[str, ...]:
    urls: list[str] = []
    for attachment in _as_list(attachments):
        attachment = as_dict(attachment)
        # url is null while a remote file is not yet fetched; remote_url is then
        # the only address there is.
        url = as_text(attachment.get("url")) or as_text(attachment.get("remote_url"))
        if url and url.strip() and url not in urls:
            urls.append(url)
    return tuple(urls)


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _unhandled(raw: dict[str, Any], reason: str, label: str) -> ParsedEvent:
    return ParsedEvent(
        platform="mastodon",
        account_id=None,
        event_key=make_event_key("mastodon", label, digest(raw)),
        action="unknown",
        kind="unknown",
        raw=raw,
        unhandled_reason=reason,
    )


# --- matching registered accounts -------------------------------------------

# Mastodon's own URL layout: the profile page https://host/@name and the
# ActivityPub actor https://host/users/name name the same account.
_PROFILE_URL = re.compile(r"^(https?://[^/]+)/@([^/@]+)$")
_ACTOR_URI = re.compile(r"^(https?://[^/]+)/users/([^/]+)$")


def _normalise(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip().lower().rstrip("/")
    return text or None


class _AccountMatcher:
    """Look up status URLs/URIs/ids among the registered accounts."""

    def __init__(self, account_uris: Collection[str]) -> None:
        # A single string is a common slip for a one-element collection;
        # iterating it would register every character as an account.
        uris: Iterable[object] = (account_uris,) if isinstance(account_uris, str) else account_uris
        self._lookup: dict[str, str] = {}
        try:
            configured = list(uris)
        except TypeError:
            configured = []
        for original in configured:
            normalised = _normalise(original)
            if normalised is None or not isinstance(original, str):
                continue
            for form in (normalised, *self._alternate_forms(normalised)):
                self._lookup.setdefault(form, original)

    @staticmethod
    def _alternate_forms(normalised: str) -> tuple[str, ...]:
        if profile := _PROFILE_URL.match(normalised):
            return (f"{profile[1]}/users/{profile[2]}",)
        if actor := _ACTOR_URI.match(normalised):
            return (f"{actor[1]}/@{actor[2]}",)
        return ()

    def match(self, *candidates: object) -> str | None:
        for candidate in candidates:
            normalised = _normalise(candidate)
            if normalised is not None and normalised in self._lookup:
                return self._lookup[normalised]
        return None


# --- HTML to plain text -----------------------------------------------------


class _TextExtractor(HTMLParser):
    """Collect text, turning <br> into a line break and </p> into a blank line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(content: str) -> str:
    """Plain text of a Mastodon status's HTML ``content``, entities unescaped.

    Link markup such as ``<span class="invisible">https://</span>`` is kept as
    text, which reassembles the full URL the person wrote.
    """
    extractor = _TextExtractor()
    try:
        extractor.feed(content)
        extractor.close()
    except Exception:
        # html.parser is lenient, but has raised on odd markup in some Python
        # releases; the parser must never fail a delivery, so keep what was
        # collected up to that point. The content itself is not logged.
        logger.warning("Could not parse all of a Mastodon status's HTML", exc_info=True)
    text = "".join(extractor.parts)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()
