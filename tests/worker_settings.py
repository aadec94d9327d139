"""Test settings for a Celery worker process whose e-mail the test reads from files.

smedje_social.settings.test keeps mail in memory, which a separate worker process cannot
share; this module takes EMAIL_URL (e.g. filemail:////tmp/x, Django's file backend via
django-environ) on top of it. Used as DJANGO_SETTINGS_MODULE in a worker's environment.
"""

from smedje_social.settings.test import *  # noqa: F403
from smedje_social.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, env

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))

# The fault tests stop the worker at a chosen point of a task (tests/integration/pause_hook.py).
if env("FAULTS_PAUSE_AT", default=""):
    import tests.integration.pause_hook  # noqa: F401

# The fault tests restart a killed worker: it looks for the messages the dead one took
# (older than CELERY_VISIBILITY_TIMEOUT) every second, not only when it starts.
if env.bool("FAULTS_RESTORE_EVERY_SECOND", default=False):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
