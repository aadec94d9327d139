from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from channels import notifications
from channels.models import ApplicationEvent, ChannelEvent

# SMTP failures and a busy database are passing faults: retry a bounded number
# of times with growing pauses; the event stays unnotified until a send succeeds.
EMAIL_RETRY = {
    "autoretry_for": (OSError, OperationalError),
    "max_retries": 5,
    "retry_backoff": 30,
}


def _send_once(model, event_id, build):
    """Send the event's e-mails unless they went out already (a redelivered task)."""
    with transaction.atomic():
        event = model.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.notified_at is not None:
            return 0
        messages = build(event)
        for message in messages:
            message.send()
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
        return len(messages)


@shared_task(**EMAIL_RETRY)
def application_event_notify_task(event_id: int) -> int:
    return _send_once(ApplicationEvent, event_id, notifications.application_event_messages)


@shared_task(**EMAIL_RETRY)
def channel_event_notify_task(event_id: int) -> int:
    return _send_once(ChannelEvent, event_id, notifications.channel_event_messages)


@shared_task(ignore_result=True)
def renotify_events_task() -> int:
    """The sweep: e-mails of events that could not be queued (broker down)."""
    from channels.services.renotify import events_renotify

    return events_renotify()
