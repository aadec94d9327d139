"""Settings of the benchmark: the production settings, with what a benchmark needs on top.

Everything else is production as shipped (DEBUG off, PostgreSQL, Redis, the
manifest static storage, HTTPS behind a proxy: the harness sends
``X-Forwarded-Proto: https`` as the TLS-terminating proxy would).
"""

from smedje_social.settings.production import *  # noqa: F403
from smedje_social.settings.production import BASE_DIR, DATABASES, REST_FRAMEWORK, env

# The project's URLs plus one bench-only view that returns a constant: the
# ceiling the public pages are compared with. Kept out of the product URLconf.
ROOT_URLCONF = "bench.urls"

# The public API is rate-limited per client address (API_THROTTLE_ANON, 120 a
# minute). wrk is one client address sending thousands of requests a second,
# so the throttle is switched off here: the benchmark measures the pages, not
# the 429 answers. BENCHMARKS.md says so.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}

# Reminder e-mail is counted, never sent anywhere.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# collectstatic of the bench goes under var/, away from a deployment's files.
STATIC_ROOT = BASE_DIR / "var" / "bench" / "static"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "bench" / "media"))

# Quiet logs: the per-batch progress lines of the services would drown the figures.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# The same database settings as production (persistent connections included).
DATABASES = DATABASES
