"""The test suite: SQLite by default, PostgreSQL when DATABASE_URL is set."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-use-000000000000"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Every request reads the register's version, so a change shows at once; the tests of
# the per-process reading (tests/channels/test_public_response_cache.py) set it.
REGISTER_VERSION_MAX_AGE = 0

# A file rather than an in-memory database, so that a real Celery worker
# started by the integration tests sees the same data; one per test run, so
# that two runs on one machine do not lock each other out.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-smedje-social-{os.getpid()}.sqlite3")
    }

# Unit tests run tasks in-process; the integration tests start real workers
# with CELERY_TASK_ALWAYS_EAGER=0 in their environment.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

META_APP_SECRET = "test-meta-app-secret"
META_VERIFY_TOKEN = "test-meta-verify-token"
MASTODON_WEBHOOK_SECRET = "test-mastodon-secret"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Each test process counts API throttling on its own; a shared Redis cache
# would carry counts from one test into the next.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Limits far above what the suite sends, so that no test is throttled by the
# requests of the tests before it; tests of the limits set their own rates.
RATE_LIMIT_VERIFY = "100000/minute"
RATE_LIMIT_LOGIN = "100000/minute"
