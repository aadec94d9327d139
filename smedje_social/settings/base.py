"""Settings shared by every environment, read from the environment.

`local`, `test` and `production` import this module and change only what
differs. Every variable is documented in `.env.example` and the README.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# --- Core ---------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "core",
    "channels",
    "moderation",
    "archive",
]

MIDDLEWARE = [
    # Outermost, so that every response gets the headers, static files too.
    "core.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# --- Security headers (core/security.py adds CSP and Permissions-Policy) ---------

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

ROOT_URLCONF = "smedje_social.urls"
WSGI_APPLICATION = "smedje_social.wsgi.application"
ASGI_APPLICATION = "smedje_social.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

# Zero setup: a SQLite file under var/. Production sets DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smedje-social.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The zero-setup database is shared by the web server and the Celery
    # worker: write-ahead logging lets readers go on beside a writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing
    # with "database is locked" when two writers meet mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, health-checking a persistent connection only after it was idle
    # (core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------

# The throttling backend comes first: it refuses a locked-out login before the
# password is even checked (core/security.py).
AUTHENTICATION_BACKENDS = ["core.security.LoginThrottleBackend", "core.backends.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff pages time out after two hours without activity.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for
# one username from one address, that pair is locked out for the cool-off time
# and sees a Swedish page with status 429 and Retry-After. Another user, or the
# same user from elsewhere, is unaffected. A successful login clears the count.
# The address is REMOTE_ADDR, or behind proxies X-Forwarded-For (API_NUM_PROXIES).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The same client address as the rate limits and the API (API_NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_address"
# Usernames cut to the length axes' tables hold (see core.security.login_username).
AXES_USERNAME_CALLABLE = "core.security.login_username"

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Stockholm")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------

# EMAIL_URL, for example smtp+tls://user:password@smtp.example.se:587 ;
# the default prints mail to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds an SMTP connection may hang: without it a mail server that stops answering
# would hold a reminder batch task until its time limit, and a worker with it.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="smedje-social@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The municipality -----------------------------------------------------

# Nothing in the code names a particular municipality: these are data.
MUNICIPALITY_NAME = env("MUNICIPALITY_NAME", default="Exempelby kommun")
MUNICIPALITY_URL = env("MUNICIPALITY_URL", default="https://www.example.se")
# The authority's official registry mailbox (myndighetsbrevlåda).
REGISTRY_MAILBOX = env("REGISTRY_MAILBOX", default="registrator@example.se")
# Where the public can reach the communicator about the register.
CONTACT_EMAIL = env("CONTACT_EMAIL", default="kommunikation@example.se")

# --- Platform webhooks ------------------------------------------------------

META_APP_SECRET = env("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env("META_VERIFY_TOKEN", default="")
MASTODON_WEBHOOK_SECRET = env("MASTODON_WEBHOOK_SECRET", default="")

# --- Celery ---------------------------------------------------------------

# With REDIS_URL, Redis is broker and result store. Without it, kombu's
# filesystem transport under var/ lets a worker and beat run on one machine
# with no server at all (see smedje_social/celery.py).
REDIS_URL = env("REDIS_URL", default="")
CELERY_DATA_DIR = env.path("CELERY_DATA_DIR", default=str(VAR_DIR / "celery"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task taken by a worker that died (late acknowledgement) is delivered
        # again after this many seconds; longer than any task runs.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
        # A broker that refuses, hangs or cannot be reached fails a publish
        # within seconds instead of holding up the request that queues the task.
        "socket_connect_timeout": env.float("CELERY_BROKER_TIMEOUT", default=2.0),
        "socket_timeout": env.float("CELERY_BROKER_TIMEOUT", default=2.0),
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=2.0)
    CELERY_REDIS_SOCKET_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=2.0)
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
    }
else:
    for folder in ("queue", "processed", "results", "control"):
        Path(CELERY_DATA_DIR, folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(Path(CELERY_DATA_DIR, "queue")),
        "data_folder_out": str(Path(CELERY_DATA_DIR, "queue")),
        "processed_folder": str(Path(CELERY_DATA_DIR, "processed")),
        "control_folder": str(Path(CELERY_DATA_DIR, "control")),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{Path(CELERY_DATA_DIR, 'results')}"
CELERY_BEAT_SCHEDULE_FILENAME = str(Path(CELERY_DATA_DIR, "beat-schedule"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
CELERY_TASK_TIME_LIMIT = 6 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection after every task, whatever
# CONN_MAX_AGE says: one new PostgreSQL backend per task, which cost webhook parsing a
# fifth of its rate (BENCHMARKS.md, 2.). Given this count, the fixup closes them only
# every that many tasks; smedje_social/celery.py closes a connection that is older
# than CONN_MAX_AGE or broken before and after each task, as Django does around a request.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# Publishing while the broker is down: a short connect timeout and two quick
# retries, then the caller gets the error, logs it and answers anyway; the
# periodic sweeps queue the work again once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Nothing reads task results (the heartbeat task asks for its own); ignoring them
# spares each publish a subscription to the result store, which would otherwise
# retry for about twenty seconds when Redis is down.
CELERY_TASK_IGNORE_RESULT = True

# How often beat records a heartbeat, and how old it may be before /healthz
# reports the scheduler as stalled.
HEARTBEAT_INTERVAL = env.float("HEARTBEAT_INTERVAL", default=60.0)
HEARTBEAT_MAX_AGE = env.float("HEARTBEAT_MAX_AGE", default=5 * 60.0)

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# The address of this site as users reach it, for links in e-mail.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Open-data API ------------------------------------------------------------

# How stale, in seconds, the public register and API may be for anonymous visitors:
# each process reads the register's version at most this often (channels/public_queries.py).
REGISTER_VERSION_MAX_AGE = env.float("REGISTER_VERSION_MAX_AGE", default=1.0)

# The public read-only API (channels.api): plain JSON, no browsable HTML API,
# no authentication (token authentication comes with the ingestion API), and
# a per-address rate limit kept in the default cache.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["channels.api.throttling.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_THROTTLE_ANON", default="120/minute")},
    # Behind a reverse proxy, how many X-Forwarded-For entries to trust for
    # the client's address (unset: REMOTE_ADDR).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=None),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "channels.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smedje Social API",
    "DESCRIPTION": (
        "Open data from the municipality's register of official social-media channels "
        "(channels, verification), and the token-authenticated ingestion of items "
        "from other sources into the moderation queue."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

# CORS: anyone may read the open data from a browser; nothing else is shared.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/v1/(channels|verify).*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified"]

# Annual review: a published channel must be confirmed by its handlers this often.
CHANNEL_REVIEW_PERIOD_DAYS = env.int("CHANNEL_REVIEW_PERIOD_DAYS", default=365)

# --- Moderation: ingestion --------------------------------------------------

# Webhook bodies above this many bytes are refused with 413 and not stored
# (Meta batches many changes into one POST; 1 MiB leaves ample room).
WEBHOOK_MAX_BYTES = env.int("WEBHOOK_MAX_BYTES", default=1024 * 1024)
# Ingestion API (POST /api/v1/items) request bodies above this answer 413.
INGEST_MAX_BYTES = env.int("INGEST_MAX_BYTES", default=256 * 1024)
# Requests per ingestion token, e.g. "600/minute".
INGEST_THROTTLE_RATE = env("INGEST_THROTTLE_RATE", default="600/minute")

# --- Cache ----------------------------------------------------------------------

# API throttling, rate limits and the kept public pages (core/public_cache.py)
# use the default cache: shared across processes through Redis when it is
# configured, per process otherwise. CACHE_URL puts the cache on a Redis of its
# own, which may then evict keys under a memory limit without touching the
# Celery broker's queues.
CACHE_URL = env("CACHE_URL", default="") or REDIS_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "smedje-social",
        }
    }

# --- Rate limits ----------------------------------------------------------------

# Per client address, on pages a script could hammer (core/ratelimit.py), in
# DRF's format ("60/minute"; empty: no limit), counted in the default cache:
# the verification page (every request), and the POSTs of the login and
# password-reset forms (each counted on its own). Over the limit: 429 with
# Retry-After and a Swedish page. Behind a reverse proxy the address comes
# from X-Forwarded-For as far as API_NUM_PROXIES says, as for the API.
RATE_LIMIT_VERIFY = env("RATE_LIMIT_VERIFY", default="60/minute")
RATE_LIMIT_LOGIN = env("RATE_LIMIT_LOGIN", default="30/minute")

# --- Archive ------------------------------------------------------------------

# A disposal run must be signed off by a second person before it disposes of
# anything; the scheduler then only proposes runs and executes approved ones.
ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = env.bool("ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF", default=True)
# When the periodic tasks run (local time): chain verification and disposal.
ARCHIVE_VERIFY_HOUR = env.int("ARCHIVE_VERIFY_HOUR", default=2)
ARCHIVE_DISPOSAL_HOUR = env.int("ARCHIVE_DISPOSAL_HOUR", default=3)
# A request for public records is late when still open this many working days after receipt.
ARCHIVE_REQUEST_WORKING_DAYS = env.float("ARCHIVE_REQUEST_WORKING_DAYS", default=1)
# E-ARK packages: selections up to this many records are built while the
# registrar waits; larger ones by a Celery task with progress.
ARCHIVE_EXPORT_INLINE_LIMIT = env.int("ARCHIVE_EXPORT_INLINE_LIMIT", default=200)
# Whether packages carry a PDF rendering of each record next to its JSON.
ARCHIVE_EXPORT_PDF = env.bool("ARCHIVE_EXPORT_PDF", default=True)
# The organisation in the packages' METS header: archival creator (arkivbildare),
# organisation number and the submission agreement (leveransöverenskommelse).
ARCHIVE_ARCHIVAL_CREATOR = env("ARCHIVE_ARCHIVAL_CREATOR", default="")
ARCHIVE_ORGANISATION_NUMBER = env("ARCHIVE_ORGANISATION_NUMBER", default="")
ARCHIVE_SUBMISSION_AGREEMENT = env("ARCHIVE_SUBMISSION_AGREEMENT", default="")

# --- Response times, reminders and scheduled work (moderation/reminders.py) -----

# Office hours in which response targets are counted (moderation.workinghours_settings
# builds the calendar): local wall-clock times "HH:MM", weekdays 0 = Monday … 6 = Sunday,
# the public holidays of WORKING_HOLIDAY_COUNTRY (empty: none) and, with WORKING_EVES_OFF,
# Midsummer Eve, Christmas Eve and New Year's Eve; WORKING_EXTRA_DAYS_OFF lists further
# closed days as ISO dates (klämdagar), comma-separated.
WORKING_TIME_ZONE = env("WORKING_TIME_ZONE", default=TIME_ZONE)
WORKING_DAY_START = env("WORKING_DAY_START", default="08:00")
WORKING_DAY_END = env("WORKING_DAY_END", default="17:00")
WORKING_WEEKDAYS = env.list("WORKING_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4])
WORKING_HOLIDAY_COUNTRY = env("WORKING_HOLIDAY_COUNTRY", default="SE")
WORKING_EVES_OFF = env.bool("WORKING_EVES_OFF", default=True)
WORKING_EXTRA_DAYS_OFF = env.list("WORKING_EXTRA_DAYS_OFF", default=[])
# A channel's response target in working hours when the channel sets none; unset, one
# working day (the length of the office day above).
RESPONSE_TARGET_WORKING_HOURS = env.float("RESPONSE_TARGET_WORKING_HOURS", default=None)
# The handlers are reminded when this share of the target's working time is used.
REMINDER_BEFORE_TARGET_FRACTION = env.float("REMINDER_BEFORE_TARGET_FRACTION", default=0.75)
# The communicators get an escalation when the target is passed by this much working
# time; unset, one working day.
ESCALATION_AFTER_WORKING_HOURS = env.float("ESCALATION_AFTER_WORKING_HOURS", default=None)
# How often (seconds) beat runs the reminder sweep.
REMINDER_SWEEP_INTERVAL = env.float("REMINDER_SWEEP_INTERVAL", default=5 * 60.0)
# Reminders claimed but never turned into e-mail, and e-mail queued but never started,
# are taken up again by a sweep after this many minutes.
REMINDER_RETRY_AFTER_MINUTES = env.int("REMINDER_RETRY_AFTER_MINUTES", default=15)
# Annual review: the handlers are reminded this many days before the date and at the
# date, the unit's managers this many days after it, and from this many days after it
# the channel is flagged to the communicators as not reviewed.
CHANNEL_REVIEW_NOTICE_DAYS = env.int("CHANNEL_REVIEW_NOTICE_DAYS", default=30)
CHANNEL_REVIEW_MANAGERS_AFTER_DAYS = env.int("CHANNEL_REVIEW_MANAGERS_AFTER_DAYS", default=14)
CHANNEL_REVIEW_FLAG_AFTER_DAYS = env.int("CHANNEL_REVIEW_FLAG_AFTER_DAYS", default=28)
# When (local hour) the annual review runs daily and the weekly summary on Mondays.
CHANNEL_REVIEW_HOUR = env.int("CHANNEL_REVIEW_HOUR", default=6)
WEEKLY_SUMMARY_HOUR = env.int("WEEKLY_SUMMARY_HOUR", default=7)
