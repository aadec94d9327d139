"""Test settings for a Celery worker process whose e-mail the test reads from files.

smedje_social.settings.test keeps mail in memory, which a separate worker process cannot
share; this module takes EMAIL_URL (e.g. filemail:////tmp/x, Django's file backend via
django-environ) on top of it. Used as DJANGO_SETTINGS_MODULE in a worker's environment.
"""

from smedje_social.settings.test import *  # noqa: F403
from smedje_social.settings.test import env

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
