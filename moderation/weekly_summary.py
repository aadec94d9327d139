"""The weekly summary to each communicator: new channels, closures, overdue items and
channels not reviewed.

Beat runs `weekly_summary_dispatch` on Mondays. It inserts one `ReminderEmail` per active
communicator and ISO week; the unique constraint on (kind, period, recipient) makes a
second run in the same week (a second beat, the task delivered twice) add nothing. The
e-mails go out through the same task as the reminders, and their figures are read when
each is sent (`summary_figures`), each list cut at LIST_LIMIT entries.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from channels.models import Channel, ChannelStatus
from core.queueing import delay_or_log
from moderation.models import ReminderEmail
from moderation.reminders import communicator_ids, overdue_items
from moderation.review_reminders import channels_not_reviewed

LIST_LIMIT = 50
SUMMARY_DAYS = 7


def week_label(now: datetime) -> str:
    year, week, _ = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def summary_figures(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    since = now - timedelta(days=SUMMARY_DAYS)
    overdue = overdue_items(now)
    by_channel = list(
        overdue.values("channel_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "channel_id")[:LIST_LIMIT]
    )
    channels = Channel.objects.with_related().in_bulk([row["channel_id"] for row in by_channel])
    return {
        "week": week_label(now),
        "since": since,
        "new_channels": list(
            Channel.objects.published()
            .filter(published_at__gte=since)
            .with_related()
            .order_by("display_name", "pk")[:LIST_LIMIT]
        ),
        "closed_channels": list(
            Channel.objects.filter(status=ChannelStatus.CLOSED, closed_at__gte=since)
            .with_related()
            .order_by("display_name", "pk")[:LIST_LIMIT]
        ),
        "overdue_count": overdue.count(),
        "overdue_by_channel": [
            {"channel": channels[row["channel_id"]], "count": row["count"]} for row in by_channel
        ],
        "not_reviewed": list(channels_not_reviewed(now)[:LIST_LIMIT]),
    }


def weekly_summary_dispatch(*, now: datetime | None = None) -> int:
    """Create this week's summary for each communicator (once) and queue the sending."""
    from moderation.reminder_tasks import reminder_email_send_task

    now = now or timezone.now()
    week, run = week_label(now), uuid.uuid4()
    with transaction.atomic():
        ReminderEmail.objects.bulk_create(
            [
                ReminderEmail(
                    kind=ReminderEmail.Kind.SUMMARY, recipient_id=pk, run=run, period=week
                )
                for pk in communicator_ids()
            ],
            ignore_conflicts=True,
        )
        ids = list(
            ReminderEmail.objects.filter(kind=ReminderEmail.Kind.SUMMARY, run=run).values_list(
                "pk", flat=True
            )
        )
        for pk in ids:
            # Broker down: logged; `reminder_emails_requeue` queues it again later.
            transaction.on_commit(lambda pk=pk: delay_or_log(reminder_email_send_task, pk))
    return len(ids)
