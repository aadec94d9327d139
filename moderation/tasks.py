"""Celery tasks of the moderation app: thin, idempotent, keyed by primary keys."""

from celery import shared_task
from django.db import OperationalError

from moderation import services

# A database that is briefly unreachable (restart, failover): try again after
# 30 s, 60 s, … (bounded); the periodic sweep catches anything still pending.
PARSE_MAX_RETRIES = 5
PARSE_RETRY_COUNTDOWN = 30

# The registry copy: a few quick retries, then the sweep every five minutes.
REGISTRATION_MAX_RETRIES = 3
REGISTRATION_RETRY_COUNTDOWN = 60

EMAIL_RETRY = {"autoretry_for": (OSError,), "max_retries": 5, "retry_backoff": 30}


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=PARSE_MAX_RETRIES)
def delivery_parse_task(self, delivery_id: int) -> None:
    """Parse one stored webhook delivery into items; a redelivered task does nothing."""
    try:
        services.delivery_parse(delivery_id=delivery_id)
    except OperationalError as error:
        raise self.retry(
            exc=error, countdown=PARSE_RETRY_COUNTDOWN * (self.request.retries + 1)
        ) from error


@shared_task(ignore_result=True)
def requeue_pending_deliveries_task() -> int:
    """Queue again deliveries that were stored but never parsed (broker down, worker lost)."""
    return services.deliveries_requeue_pending()


@shared_task(
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=REGISTRATION_MAX_RETRIES,
    soft_time_limit=60,
    time_limit=90,
)
def registration_send_task(self, registration_id: int):
    """E-mail a registered item to the registry mailbox; a sent one is not sent again.

    A failure is recorded on the registration (shown on the item) and retried
    a few times; after that the periodic sweep sends it again.
    """
    registration = services.registration_send(registration_id=registration_id)
    failed = registration is not None and registration.status == "failed"
    if failed and self.request.retries < self.max_retries:
        # Run eagerly (tests), the retry is returned and run at once by apply() instead of
        # raising into the caller's commit hook; on a worker, retry() raises as usual.
        return self.retry(
            countdown=REGISTRATION_RETRY_COUNTDOWN * (self.request.retries + 1),
            throw=not self.request.is_eager,
        )


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90, **EMAIL_RETRY)
def item_event_notify_task(event_id: int) -> int:
    """Send the e-mail of a forward, bullying report, advice request or comment, once."""
    return services.item_event_notify(event_id=event_id)


@shared_task(ignore_result=True)
def resend_registrations_task() -> int:
    """The sweep: registry copies still pending or failed, and e-mails never queued."""
    return services.registrations_resend() + services.item_events_renotify()
