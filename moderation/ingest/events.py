"""Normalised events produced by the platform webhook parsers.

The parsers in :mod:`moderation.ingest.meta` and :mod:`moderation.ingest.mastodon`
turn one decoded webhook body into a list of :class:`ParsedEvent`. They are pure
functions: no Django, no database, no network. Storing the raw POST, deduplicating
on ``event_key`` and turning events into moderation items is the caller's job.

Events the parsers do not handle (a reaction, a read receipt, an unknown field, a
malformed entry) are still returned with ``unhandled_reason`` set, because the
municipality must be able to show what arrived on its channels even when nothing
was done with it.

This module also holds the small helpers both parsers share: id and time
coercion, the event-key builder and the "does this expect an answer" heuristic.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Platform = Literal["facebook", "instagram", "mastodon"]
Action = Literal["add", "edit", "remove", "hide", "unhide", "unknown"]
Kind = Literal["comment", "reply", "direct_message", "visitor_post", "unknown"]

# Event keys end up in a unique database column; anything longer is folded into
# a digest so that a pathological id can never make the key unstorable.
EVENT_KEY_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedEvent:
    """One thing that happened on a platform, in platform-neutral terms.

    ``text`` is ``None`` when the event carries no text at all (a removal, a
    hide, a receipt), and ``""`` when the item exists but has no text (a
    photo-only comment), so that a consumer never blanks stored content by
    applying a removal. ``created_at`` is the time the platform gives for this
    event (the creation time for additions, the edit time for edits when the
    platform provides one), always timezone-aware UTC, or ``None``.
    """

    platform: Platform
    account_id: str | None
    event_key: str
    action: Action
    kind: Kind
    external_id: str | None = None
    parent_external_id: str | None = None
    post_external_id: str | None = None
    sender_id: str | None = None
    sender_name: str | None = None
    text: str | None = None
    attachments: tuple[str, ...] = ()
    created_at: datetime | None = None
    expects_answer: bool = False
    # The payload fragment is a plain dict so it can be stored as JSON as is;
    # it is left out of equality and hashing because dicts are unhashable.
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    unhandled_reason: str | None = None

    @property
    def is_handled(self) -> bool:
        return self.unhandled_reason is None


# --- value coercion --------------------------------------------------------
# Webhook bodies are untrusted input: every accessor below returns None rather
# than raising when a value has an unexpected type.


def as_dict(value: object) -> dict[str, Any]:
    """Return ``value`` if it is a dict, otherwise an empty dict."""
    return value if isinstance(value, dict) else {}


def as_id(value: object) -> str | None:
    """Coerce a platform id to a non-empty string.

    Meta documents ids as numeric strings but some fields (``app_id``,
    ``num_edit``) arrive as JSON numbers, so integers are accepted too. Booleans
    are rejected explicitly because ``bool`` is a subclass of ``int``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def as_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def datetime_from_epoch(
    value: object, *, unit: Literal["s", "ms", "guess"] = "s"
) -> datetime | None:
    """Convert a Unix timestamp (number or numeric string) to an aware UTC datetime.

    ``unit="guess"`` is for Meta's ``entry.time``, which is milliseconds on
    Messenger entries and seconds on Instagram change entries: any value beyond
    the year 5138 in seconds is taken to be milliseconds.
    """
    if isinstance(value, bool):
        return None
    number: float
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return parse_iso_datetime(value)
    else:
        return None
    if unit == "ms" or (unit == "guess" and abs(number) >= 1e11):
        number = number / 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_iso_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 string (as Mastodon sends) to an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # Mastodon always sends "Z"; a naive value can only be UTC as well.
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# --- event keys -------------------------------------------------------------


def digest(value: object, length: int = 16) -> str:
    """A short, stable SHA-256 digest of any JSON-like value.

    Used to tell apart two edits with different text and to key events that have
    no id of their own. JSON with sorted keys makes it independent of key order.
    """
    try:
        encoded = json.dumps(
            value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
    except (TypeError, ValueError, RecursionError):
        # Non-string keys or similar oddities cannot come out of json.loads, but
        # the parsers promise never to raise, so fall back to repr.
        encoded = repr(value)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _key_part(part: object) -> str:
    if part is None or part == "":
        return "-"
    text = str(part)
    # Messenger mids and Mastodon URIs contain ":"; escaping it (and the escape
    # character itself) keeps every key unambiguous.
    return text.replace("%", "%25").replace(":", "%3A")


def make_event_key(platform: str, *parts: object) -> str:
    """Join key parts as ``platform:part:part…``; missing parts become ``-``."""
    key = ":".join([platform, *(_key_part(part) for part in parts)])
    if len(key) > EVENT_KEY_MAX_LENGTH:
        full_digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        key = f"{platform}:sha256:{full_digest}"
    return key


# --- "does this expect an answer" -------------------------------------------

QUESTION_WORDS = (
    "vad",
    "var",
    "när",
    "hur",
    "varför",
    "vem",
    "vilken",
    "vilket",
    "vilka",
    "kan",
    "får",
    "finns",
    "är",
    "har",
    "ska",
)

# Leading @mentions and punctuation are skipped, because a Mastodon reply always
# starts with "@kommunen" and people often open with a quote mark or emoji.
_QUESTION_START = re.compile(
    r"^(?:[\W_]*@[\w.@-]+)*[\W_]*(?:" + "|".join(QUESTION_WORDS) + r")\b",
    re.IGNORECASE,
)


def looks_like_question(text: str | None) -> bool:
    """Guess whether a comment expects an answer from the municipality.

    The guidelines ask that "direct comments that probably expect an answer are
    always answered promptly"; this is deliberately simple and errs towards
    flagging: a question mark anywhere, or a Swedish question word first.
    """
    if not text:
        return False
    return "?" in text or _QUESTION_START.match(text) is not None
