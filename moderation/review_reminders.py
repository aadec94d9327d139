"""The annual review of channels: reminders, the managers' step, and the flag.

Each published channel is confirmed by its handlers once per review period
(CHANNEL_REVIEW_PERIOD_DAYS, channels.selectors); the period counts from the last
confirmation, or from publication, which is the first one. Confirming
(`channel_confirm_review`) records who and when and so starts a new period.

=========  ==================================================  ===========================
step       when (D = start of the period + the period)          to whom
=========  ==================================================  ===========================
notice     from D - CHANNEL_REVIEW_NOTICE_DAYS (a month)       the channel's handlers
due        from D                                              the channel's handlers
managers   from D + CHANNEL_REVIEW_MANAGERS_AFTER_DAYS         the unit's managers
flag       from D + CHANNEL_REVIEW_FLAG_AFTER_DAYS             the communicators' dashboard
=========  ==================================================  ===========================

The steps' windows do not overlap: a channel is reminded of the step whose window it is
in, so a channel that is already past its date when it is first seen gets "due", not a
"month before". Each step is claimed as a `ReviewReminder` row, unique per channel,
period and step, before any e-mail: the same machinery as the response-time reminders
(moderation/reminders.py), one e-mail per person per run.

The sweep runs daily (beat) and from ``manage.py send_reminders``. Each step's read is
one query on published channels (status index) with NOT EXISTS on the row, in batches of
BATCH_SIZE; a claimed channel leaves the next batch's read, so the loop ends.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from channels.models import Channel
from channels.permissions import deciding_manager_ids
from channels.selectors import review_period
from moderation.models import ReminderEmail, ReviewReminder, ReviewStep
from moderation.reminders import dispatch_claims, handler_ids_by_channel

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCHES = 50

STEPS = (ReviewStep.NOTICE, ReviewStep.DUE, ReviewStep.MANAGERS)


def review_date(period_start: datetime) -> datetime:
    """The date the channel should be confirmed by."""
    return period_start + review_period()


def _days(setting: str) -> timedelta:
    return timedelta(days=getattr(settings, setting))


def _windows(now: datetime) -> dict[str, tuple[datetime | None, datetime]]:
    """For each step, the range (exclusive, inclusive] of period starts now in its window."""
    due_start = now - review_period()  # periods starting at or before this are due
    managers_start = due_start - _days("CHANNEL_REVIEW_MANAGERS_AFTER_DAYS")
    return {
        ReviewStep.NOTICE: (due_start, due_start + _days("CHANNEL_REVIEW_NOTICE_DAYS")),
        ReviewStep.DUE: (managers_start, due_start),
        ReviewStep.MANAGERS: (None, managers_start),
    }


def _published_with_period():
    return Channel.objects.published().annotate(
        period_start=Coalesce("last_confirmed_at", "published_at")
    )


def channels_in_step(step: str, now: datetime):
    """Published channels in `step`'s window whose reminder for the period is not claimed."""
    after, until = _windows(now)[step]
    channels = _published_with_period().filter(period_start__lte=until)
    if after is not None:
        channels = channels.filter(period_start__gt=after)
    claimed = ReviewReminder.objects.filter(
        channel=OuterRef("pk"), period_start=OuterRef("period_start"), step=step
    )
    return channels.exclude(Exists(claimed)).order_by("pk")


def channels_not_reviewed(now: datetime | None = None):
    """Published channels still not confirmed CHANNEL_REVIEW_FLAG_AFTER_DAYS after their date.

    What the communicators' dashboard and weekly summary flag, the longest overdue first.
    """
    now = now or timezone.now()
    cutoff = now - review_period() - _days("CHANNEL_REVIEW_FLAG_AFTER_DAYS")
    return (
        _published_with_period()
        .filter(period_start__lte=cutoff)
        .select_related("unit", "platform")
        .order_by(F("period_start").asc(), "display_name", "pk")
    )


@dataclass
class ReviewSweepResult:
    run: uuid.UUID
    claimed: Counter = field(default_factory=Counter)
    emails: int = 0

    def __str__(self):
        steps = ", ".join(f"{step}: {self.claimed[step]}" for step in STEPS)
        return f"run {self.run}: claimed {steps}; e-mails {self.emails}"


def _claim_batch(*, step: str, run: uuid.UUID, now: datetime) -> int:
    channels = list(channels_in_step(step, now)[:BATCH_SIZE])
    claimed_at = timezone.now()
    ReviewReminder.objects.bulk_create(
        [
            ReviewReminder(
                channel=channel,
                period_start=channel.period_start,
                step=step,
                run=run,
                claimed_at=claimed_at,
            )
            for channel in channels
        ],
        ignore_conflicts=True,
    )
    return len(channels)


def review_recipients(rows) -> dict[int, list]:
    """{user id: [ReviewReminder, …]}: handlers for notice and due, managers after that."""
    handlers = handler_ids_by_channel({row.channel_id for row in rows})
    managers_of_unit = deciding_manager_ids(
        {row.channel.unit_id for row in rows if row.step == ReviewStep.MANAGERS}
    )
    by_user = defaultdict(list)
    for row in rows:
        if row.step == ReviewStep.MANAGERS:
            users = managers_of_unit[row.channel.unit_id]
        else:
            users = handlers.get(row.channel_id, [])
        for user_id in users:
            by_user[user_id].append(row)
    return by_user


def review_reminders_sweep(*, now: datetime | None = None) -> ReviewSweepResult:
    """One run of the annual review: claim each step that has come, then send."""
    now = now or timezone.now()
    result = ReviewSweepResult(run=uuid.uuid4())
    for step in STEPS:
        for number in range(1, MAX_BATCHES + 1):
            with transaction.atomic():
                found = _claim_batch(step=step, run=result.run, now=now)
            if not found:
                break
            logger.info(
                "Review sweep %s: %s batch %d, %d channels", result.run, step, number, found
            )
    result.claimed = Counter(
        ReviewReminder.objects.filter(run=result.run).values_list("step", flat=True)
    )
    result.emails = dispatch_claims(
        model=ReviewReminder,
        kind=ReminderEmail.Kind.REVIEW,
        run=result.run,
        related="review_reminders",
        parent="channel__unit",
        recipients_of=review_recipients,
    )
    logger.info("Review sweep done: %s", result)
    return result
