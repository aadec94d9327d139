"""Queue a Celery task without letting a broker outage fail the caller.

Work is queued after the transaction that records it has committed. When the
broker (Redis) is down, `.delay()` raises once its short timeouts and retries
(the Celery section of the settings) are spent; by then the request or the
service has done its work, so the error is logged and swallowed. What was not
queued is found again from the database by a periodic sweep (deliveries,
registry copies, item e-mails, reminders) once the broker is back.
"""

import logging

from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What `.delay()` raises when the broker cannot be reached.
BROKER_ERRORS = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def delay_or_log(task, *args) -> bool:
    """`task.delay(*args)`; False, logged, when the broker is unreachable."""
    try:
        task.delay(*args)
    except BROKER_ERRORS:
        logger.warning(
            "Could not queue %s%r; the broker is unreachable.", task.name, args, exc_info=True
        )
        return False
    return True
