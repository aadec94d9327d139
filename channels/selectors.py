"""Reads of the register that are not a question of who may see what.

The annual review: every published channel is confirmed by its unit once per
period (setting CHANNEL_REVIEW_PERIOD_DAYS, default 365); publishing counts as
the first confirmation. Channels whose last confirmation is older than the
period are flagged to the communicator.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

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
