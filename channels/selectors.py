"""Reads of the register that are not a question of who may see what.

The annual review: every published channel is confirmed by its unit once per
period (setting CHANNEL_REVIEW_PERIOD_DAYS, default 365); publishing counts as
the first confirmation. Channels whose last confirmation is older than the
period are flagged to the communicator.
"""

import dataclasses
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone

from channels.addresses import normalize
from channels.models import Channel, ChannelStatus

DEFAULT_REVIEW_PERIOD_DAYS = 365


def review_period() -> timedelta:
    return timedelta(
        days=getattr(settings, "CHANNEL_REVIEW_PERIOD_DAYS", DEFAULT_REVIEW_PERIOD_DAYS)
    )


def review_cutoff(now: datetime | None = None, period: timedelta | None = None) -> datetime:
    """Confirmations before this time are too old."""
    return (now or timezone.now()) - (period if period is not None else review_period())


def review_due_condition(cutoff: datetime) -> Q:
    """Published and not confirmed since `cutoff`; never confirmed at all counts as due."""
    return Q(status=ChannelStatus.PUBLISHED) & (
        Q(last_confirmed_at__lt=cutoff) | Q(last_confirmed_at__isnull=True)
    )


def channels_due_for_review(now: datetime | None = None, period: timedelta | None = None):
    """Published channels not confirmed within the period, the longest overdue first."""
    return (
        Channel.objects.filter(review_due_condition(review_cutoff(now, period)))
        .with_related()
        .order_by(F("last_confirmed_at").asc(nulls_first=True), "display_name", "pk")
    )


def is_due_for_review(channel: Channel, cutoff: datetime) -> bool:
    """The test of review_due_condition, for a channel already loaded."""
    return channel.status == ChannelStatus.PUBLISHED and (
        channel.last_confirmed_at is None or channel.last_confirmed_at < cutoff
    )


# --- Finding a channel by part of its name (the filters of long channel lists) ---------------

# A text that matches more channels than this lists none of them by name: the
# records of all of them are shown (search), or the text must be narrowed (export).
CHANNEL_MATCHES_LISTED = 20

# "Name (Platform)": how the field shows a chosen channel, so that it can be typed too.
_LABEL = re.compile(r"^(?P<name>.*\S)\s*\((?P<platform>[^()]+)\)$")


def folded(text: str) -> str:
    """`text` as it is compared with a channel's label: spaces collapsed, any case."""
    return " ".join(text.split()).casefold()


def channels_matching(text: str):
    """Channels whose name, address or handle contains `text`, in any case.

    Also the channel that an address names in any way it can be written
    (`https://www.facebook.com/Exempelby/` finds `facebook.com/exempelby`) and
    the channel written as the field shows a chosen one, "Name (Platform)".
    Channels of every status: the archive keeps the records of closed ones.
    """
    text = text.strip()
    handle = text.lstrip("@") or text
    condition = (
        Q(display_name__icontains=text)
        | Q(address__icontains=handle)
        | Q(normalized_address__icontains=handle)
    )
    if canonical := normalize(text):
        condition |= Q(normalized_address=canonical)
    if label := _LABEL.match(text):
        condition |= Q(display_name__iexact=label["name"], platform__name__iexact=label["platform"])
    return Channel.objects.filter(condition)


@dataclasses.dataclass(frozen=True)
class ChannelMatches:
    """What a form's channel filter stands for once the form is cleaned."""

    text: str = ""  # the text searched for; empty when a channel was named by its number
    channels: tuple = ()  # the channels found, at most CHANNEL_MATCHES_LISTED
    more: bool = False  # more channels match than are listed

    @property
    def chosen(self) -> Channel | None:
        """The one channel the filter stands for, if it is one."""
        return self.channels[0] if len(self.channels) == 1 and not self.more else None

    def channel_ids(self) -> list[int]:
        """The ids of every channel the filter stands for (one query more when many match).

        A list, never a subquery: PostgreSQL estimates a few rows for any
        `ILIKE '%…%'`, and for a text that matches thousands of channels it then
        walked the records channel by channel (3–5 s on the national-scale
        data); with the ids it takes the usual plans (10–20 ms).
        """
        if self.more:
            return list(channels_matching(self.text).values_list("pk", flat=True))
        return [channel.pk for channel in self.channels]

    def links(self, data, *, text_name: str, id_name: str) -> list[tuple[Channel, str]]:
        """Each listed match of several, with the query string of the form's `data`
        that names it alone by `id_name` (the text, the number and the page left out).
        None when the filter is one channel, or more match than are listed."""
        if self.chosen is not None or self.more:
            return []
        links = []
        for channel in self.channels:
            query = QueryDict(mutable=True)
            for key in data:
                if key not in (text_name, id_name, "sida"):
                    query.setlist(
                        key, data.getlist(key) if hasattr(data, "getlist") else [data[key]]
                    )
            query[id_name] = str(channel.pk)
            links.append((channel, query.urlencode()))
        return links
