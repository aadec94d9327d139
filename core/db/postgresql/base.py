"""Django's PostgreSQL backend, with the health check skipped for a connection in use.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of
every request on a persistent connection: a round trip that cost the public
register about a twelfth of its throughput (BENCHMARKS.md, 1.). A connection
that finished a request without a database error less than
`HEALTH_CHECK_AFTER_IDLE` seconds ago is taken to be alive; one that has been
idle longer (the database may have restarted meanwhile) is checked as before.
A connection that breaks anyway fails its request (answered 503) and is
closed at the request's end, as Django does after any database error.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_AFTER_IDLE = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    used_at = None

    def connect(self):
        super().connect()
        self.used_at = None

    def close_if_unusable_or_obsolete(self):
        # Called when a request (or a Celery task) starts and when it ends; at the
        # end, health_check_done says the connection was used, errors_occurred
        # whether it failed.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.used_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.used_at is not None
            and time.monotonic() - self.used_at < HEALTH_CHECK_AFTER_IDLE
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
