"""Celery tasks of the moderation app: thin, idempotent, keyed by primary keys."""

from celery import shared_task
from django.db import OperationalError

from moderation import services

# A database that is briefly unreachable (restart, failover): try again after
# 30 s, 60 s, … (bounded); the periodic sweep catches anything still pending.
PARSE_MAX_RETRIES = 5
PARSE_RETRY_COUNTDOWN = 30


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
