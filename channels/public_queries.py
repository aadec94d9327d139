"""Reads of the public side of the register: the web pages, the API and the feed.

Everything a citizen may see goes through `published_channels()`: only
published channels, never the private contacts. The functions return
querysets or small values so that the views stay thin and so that every
list has a fixed number of queries whatever the register's size.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from channels.addresses import detect_platform, normalize
from channels.models import (
    Channel,
    ChannelEvent,
    ChannelStatus,
    Platform,
    PoliticalLink,
    RegisterState,
)
from core.models import Unit

# The longest address or handle the verification accepts; the stored
# addresses are at most 500 characters, so anything longer cannot match.
MAX_ADDRESS_LENGTH = 500

# What `sortera` / the sort choice means, as ORDER BY. Each ends with the
# primary key so that pages never overlap or skip a channel.
SORT_ORDERS = {
    "namn": ("display_name", "pk"),
    "enhet": ("unit__name", "display_name", "pk"),
    "plattform": ("platform__position", "platform__name", "display_name", "pk"),
}
DEFAULT_SORT = "namn"

# Platforms whose accounts have bare handles (``@name``); a handle given
# without a platform is looked up on each of them.
HANDLE_PLATFORMS = ("facebook", "instagram", "linkedin", "youtube", "x", "tiktok")


class VerifyStatus:
    OFFICIAL = "official"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verification:
    """The answer to "is this account official?"."""

    url: str
    normalized: str
    status: str
    channel: Channel | None = None
    # Other official channels found for a bare handle looked up on every platform.
    also: list[Channel] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.status == VerifyStatus.OFFICIAL

    @property
    def closed_since(self) -> date | None:
        if self.status != VerifyStatus.CLOSED or self.channel is None:
            return None
        return closed_since(self.channel)


def closed_since(channel: Channel) -> date | None:
    """The day the municipality's presence ended: the reported date, or the closing day."""
    if channel.closure_date:
        return channel.closure_date
    if channel.closed_at:
        return timezone.localdate(channel.closed_at)
    return None


def register_version() -> str:
    """A value that changes whenever what the public register shows changes.

    The database keeps it (`RegisterState`: triggers on the channels, their
    events, the units and the platforms), so this is one lookup by primary
    key, cheap enough for every public request (BENCHMARKS.md, 1.). "none"
    until the first change after the table was emptied.
    """
    # Written out: it runs on every public request, and the ORM's query building
    # cost more CPU than the query itself.
    sql = f"SELECT version FROM {RegisterState._meta.db_table} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [RegisterState.ID])
        row = cursor.fetchone()
    return "none" if row is None else str(row[0])


# This process's last reading of the version, and the monotonic time it was read.
_last_reading: tuple[str, float] | None = None
_now = time.monotonic


def recent_register_version() -> str:
    """`register_version` as this process read it at most REGISTER_VERSION_MAX_AGE seconds ago.

    Reading it is a database round trip, which was a quarter of the cost of a
    public page answered from the cache (BENCHMARKS.md, 1.). So a change shows
    on the public pages and in the API for anonymous visitors at most that long
    (1 s by default) after its commit; 0 reads it every time.
    """
    global _last_reading
    max_age = settings.REGISTER_VERSION_MAX_AGE
    now = _now()
    reading = _last_reading
    if max_age > 0 and reading is not None and 0 <= now - reading[1] < max_age:
        return reading[0]
    version = register_version()
    _last_reading = (version, now)
    return version


def forget_register_version() -> None:
    """Read the version afresh on the next request (tests)."""
    global _last_reading
    _last_reading = None


def request_register_version(request) -> str:
    """The register's version for this request, read once (its ETag and caches share it).

    An anonymous visitor gets `recent_register_version`; someone with a session
    (an employee who may have just changed the register) the version as it is.
    """
    if not hasattr(request, "_register_version"):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            request._register_version = register_version()
        else:
            request._register_version = recent_register_version()
    return request._register_version


def political_links_version() -> str:
    """Like `register_version`, for the political links page."""
    state = PoliticalLink.objects.aggregate(
        last=Max("updated_at"), count=Count("pk"), active=Count("pk", filter=Q(is_active=True))
    )
    last = state["last"].isoformat() if state["last"] else "-"
    return f"{last}:{state['count']}:{state['active']}"


def etag_for(*parts) -> str:
    """A short opaque validator from the values a response depends on."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode())
    return digest.hexdigest()[:32]


def published_channels(
    *,
    q: str = "",
    unit: Unit | None = None,
    platform: Platform | None = None,
    sort: str = DEFAULT_SORT,
):
    """Published channels with unit and platform, filtered and in a stable order."""
    channels = Channel.objects.published().with_related()
    if unit is not None:
        channels = channels.filter(unit=unit)
    if platform is not None:
        channels = channels.filter(platform=platform)
    q = q.strip()
    if q:
        channels = channels.filter(
            Q(display_name__icontains=q)
            | Q(address__icontains=q)
            | Q(normalized_address__icontains=q)
            | Q(unit__name__icontains=q)
            | Q(purpose__icontains=q)
        )
    return channels.order_by(*SORT_ORDERS.get(sort, SORT_ORDERS[DEFAULT_SORT]))


def units_with_published_channels():
    """The units a citizen can filter by: those that have a published channel."""
    return Unit.objects.filter(channels__status=ChannelStatus.PUBLISHED).distinct().order_by("name")


def platforms():
    return Platform.objects.order_by("position", "name")


def published_channel(pk: int) -> Channel | None:
    return Channel.objects.published().with_related().filter(pk=pk).first()


def _candidates(text: str, platform: Platform | None) -> list[str]:
    """The canonical forms the input can stand for.

    A full address is read by its own host. A bare handle (``@name``) names
    an account on the given platform, or, without one, on any platform with
    handles: then every reading is tried.
    """
    detected = detect_platform(text)
    if detected:
        return [value] if (value := normalize(text, detected)) else []
    if platform is not None:
        return [value] if (value := normalize(text, platform.kind)) else []
    if value := normalize(text):
        return [value]
    found = []
    for kind in HANDLE_PLATFORMS:
        value = normalize(text, kind)
        if value and value not in found:
            found.append(value)
    return found


def verify_address(text: str, *, platform: Platform | None = None) -> Verification | None:
    """Whether an address or handle is an official channel; None if it is no address.

    Published channels answer "official"; otherwise the most recently closed
    channel with that address answers "closed"; otherwise "unknown". One query.
    """
    text = text.strip()
    candidates = _candidates(text, platform)
    if not candidates:
        return None
    matches = list(
        Channel.objects.with_related()
        .filter(
            normalized_address__in=candidates,
            status__in=[ChannelStatus.PUBLISHED, ChannelStatus.CLOSED],
        )
        .order_by("platform__position", "platform__name", "-closed_at", "pk")
    )
    official = [c for c in matches if c.status == ChannelStatus.PUBLISHED]
    if official:
        channel = official[0]
        return Verification(
            url=text,
            normalized=channel.normalized_address,
            status=VerifyStatus.OFFICIAL,
            channel=channel,
            also=official[1:],
        )
    closed = sorted(
        (c for c in matches if c.status == ChannelStatus.CLOSED),
        key=lambda c: c.closed_at,
        reverse=True,
    )
    if closed:
        channel = closed[0]
        return Verification(
            url=text,
            normalized=channel.normalized_address,
            status=VerifyStatus.CLOSED,
            channel=channel,
        )
    # A bare handle read on every platform has no one canonical form.
    normalized = candidates[0] if len(candidates) == 1 else ""
    return Verification(url=text, normalized=normalized, status=VerifyStatus.UNKNOWN)


def active_political_links():
    """Shown political links, in party order, for `{% regroup %}` by party."""
    return PoliticalLink.objects.filter(is_active=True).order_by("party", "person", "pk")


# The feed lists this many of the newest public changes.
FEED_LENGTH = 50


def public_events(limit: int = FEED_LENGTH):
    """The newest changes of the public register, newest first, with their channels."""
    return (
        ChannelEvent.objects.filter(public=True)
        .select_related("channel__platform", "channel__unit")
        .order_by("-created_at", "-pk")[:limit]
    )
