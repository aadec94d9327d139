"""E-mails of application and channel events that could not be queued, queued again.

The services queue an event's e-mail after their commit (`common.on_commit_delay`).
With the broker down that fails and is logged, and the event keeps `notified_at`
empty; this sweep (beat, every five minutes) queues those e-mails again once the
broker is back. The task sends each event's e-mail once (`channels.tasks`), so an
e-mail queued twice still goes out once.
"""

from datetime import timedelta

from django.utils import timezone

from channels.models import ApplicationEvent, ChannelEvent
from core.queueing import delay_or_log

# The events whose e-mail the services queue; no other event sends any.
NOTIFIED_APPLICATION_KINDS = (
    ApplicationEvent.Kind.SUBMITTED,
    ApplicationEvent.Kind.APPROVED,
    ApplicationEvent.Kind.REJECTED,
    ApplicationEvent.Kind.RETURNED,
)
NOTIFIED_CHANNEL_KINDS = (ChannelEvent.Kind.CLOSURE_REPORTED,)

# Younger events may still be on their way; older ones are stale news.
RENOTIFY_AFTER = timedelta(minutes=5)
RENOTIFY_WITHIN = timedelta(days=7)
RENOTIFY_BATCH_SIZE = 100


def events_renotify(*, now=None) -> int:
    """Queue the e-mails of events not yet notified; returns how many were queued."""
    from channels.tasks import application_event_notify_task, channel_event_notify_task

    now = now or timezone.now()
    queued = 0
    for model, kinds, task in (
        (ApplicationEvent, NOTIFIED_APPLICATION_KINDS, application_event_notify_task),
        (ChannelEvent, NOTIFIED_CHANNEL_KINDS, channel_event_notify_task),
    ):
        ids = (
            model.objects.filter(
                kind__in=kinds,
                notified_at__isnull=True,
                created_at__lt=now - RENOTIFY_AFTER,
                created_at__gt=now - RENOTIFY_WITHIN,
            )
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:RENOTIFY_BATCH_SIZE]
        )
        for event_id in ids:
            if not delay_or_log(task, event_id):
                return queued  # the broker is still down: the next run tries again
            queued += 1
    return queued
