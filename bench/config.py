"""Where the benchmark runs: its database, Redis and scale, read from the environment.

This module is imported before Django is set up, so that a wrong database is
refused before anything else happens.
"""

import dataclasses
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/smedje_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
# The secret the harness signs its Meta webhook payloads with.
META_APP_SECRET = "bench-meta-app-secret"  # noqa: S105 - a test secret, bench only


class BenchConfigError(Exception):
    """The environment cannot run the benchmark; the message says why."""


@dataclasses.dataclass(frozen=True)
class Scale:
    """How much data is seeded, and how long the load runs."""

    name: str
    units: int
    channels: int
    items: int
    open_share: float
    handler_queue: int
    records: int
    expired_records: int
    export_records: int
    reminder_due: int
    wrk_seconds: int
    ingest_seconds: int
    ingest_max_deliveries: int
    changes_per_delivery: int = 50
    ingest_connections: int = 8
    wrk_connections: int = 32
    samples: int = 30

    def marker(self) -> dict:
        """What the seed marker row records: the sizes (not the durations)."""
        fields = (
            "units",
            "channels",
            "items",
            "open_share",
            "handler_queue",
            "records",
            "expired_records",
            "export_records",
            "reminder_due",
        )
        return {name: getattr(self, name) for name in fields}


FULL = Scale(
    name="full",
    units=290,
    channels=14_500,
    items=1_000_000,
    open_share=0.10,
    handler_queue=5_000,
    records=1_000_000,
    expired_records=100_000,
    export_records=10_000,
    reminder_due=1_000,
    wrk_seconds=20,
    ingest_seconds=20,
    # Senders stop at this many deliveries (50,000 items) even within 20 s:
    # the webhook answers far faster than items are parsed, and the figure is
    # the time until the last item is parsed.
    ingest_max_deliveries=1_000,
)

QUICK = Scale(
    name="quick",
    units=12,
    channels=300,
    items=6_000,
    open_share=0.10,
    handler_queue=200,
    records=3_000,
    expired_records=300,
    export_records=200,
    reminder_due=50,
    wrk_seconds=2,
    ingest_seconds=3,
    ingest_max_deliveries=40,
    changes_per_delivery=50,
    samples=5,
)


def check_database_url(url: str) -> str:
    """The PostgreSQL URL to use; anything else is refused with a clear message."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in POSTGRES_SCHEMES:
        raise BenchConfigError(
            f"The benchmark runs on PostgreSQL only, and DATABASE_URL is {url!r} "
            f"({scheme or 'no scheme'}). SQLite cannot show how the product behaves at "
            "national scale. Set DATABASE_URL=postgres://user@host:5432/smedje_bench "
            "(the default) and run `make bench` again."
        )
    path = urlsplit(url).path.strip("/")
    if not path:
        raise BenchConfigError(f"DATABASE_URL {url!r} names no database.")
    return url


def check_redis_url(url: str) -> str:
    if urlsplit(url).scheme.lower() not in {"redis", "rediss"}:
        raise BenchConfigError(
            f"The benchmark needs Redis (broker, cache): REDIS_URL is {url!r}. "
            "Set REDIS_URL=redis://127.0.0.1:6379/10 (the default)."
        )
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.strip("/")


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database, to create or drop the bench database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def quick_url(url: str) -> str:
    """The quick run's own database on the same server: `<name>_quick`, (re)created."""
    parts = urlsplit(url)
    name = database_name(url)
    if not name.endswith("_quick"):
        name = f"{name}_quick"
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def resolve(*, quick: bool, environ=None) -> tuple[str, str]:
    """(DATABASE_URL, REDIS_URL) for this run, checked.

    The quick run never touches the database DATABASE_URL names: it drops and
    creates `<name>_quick` on the same server.
    """
    environ = os.environ if environ is None else environ
    database_url = check_database_url(environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if quick:
        database_url = quick_url(database_url)
    return database_url, check_redis_url(environ.get("REDIS_URL") or DEFAULT_REDIS_URL)


def django_environment(database_url: str, redis_url: str) -> dict:
    """The environment of the harness and of the servers it starts: production settings."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "META_APP_SECRET": META_APP_SECRET,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
