"""Fixtures of the fault and concurrency tests: real servers that the tests break.

Every test here runs in the PostgreSQL + Redis pass of `.ci/run`. It skips on the
zero-setup pass (no REDIS_URL, SQLite) and fails under REQUIRE_SERVICES=1 when a
service is missing (tests/conftest.py, `missing_service`).

A test that stops Redis never touches the shared server at REDIS_URL: it starts its
own `redis-server` on a free port (`redis_server`), which it may stop and start.
Subprocesses are killed in the finalizers, whatever the test's outcome.
"""

import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.db import connection

from tests.conftest import missing_service, reset_celery_connections

# The fixtures of the moderation tests: channels with the payloads' account ids.
from tests.moderation.conftest import (  # noqa: F401
    facebook,
    instagram,
    make_application,
    make_channel,
    page_channel,
    post_meta,
)


def wait_for(predicate, *, seconds: float, what: str, log=lambda: ""):
    """Poll until `predicate()` is true; fail with `what` and a log after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds} s.\n{log()}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres(db):
    """The database is PostgreSQL: these tests rely on its row locks and real connections."""
    if connection.vendor != "postgresql":
        missing_service("DATABASE_URL is not PostgreSQL (the fault tests need a real server)")


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self, binary, log_path):
        self.binary = binary
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.answers, seconds=20, what="redis-server starting", log=self.log)
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def redis_server(redis_url, tmp_path):
    """Start private redis-servers; needs REDIS_URL set (the Redis pass) like any Redis test."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("redis-server is not installed (apt-get install redis-server)")
    servers = []

    def start():
        server = RedisServer(binary, tmp_path / f"redis-{len(servers)}.log").start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def publish_to(settings):
    """Point this process's Celery app at a broker (no worker), as the web server would be."""
    from smedje_social.celery import app

    keys = ("broker_url", "result_backend", "broker_transport_options", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}

    def point(url: str):
        app.conf.broker_url = url
        app.conf.result_backend = url
        # The product's own timeouts and visibility (smedje_social/settings/base.py).
        app.conf.broker_transport_options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
        app.conf.task_always_eager = False
        reset_celery_connections(app)

    reset_celery_connections(app)
    yield point
    for key, value in saved.items():
        app.conf[key] = value
    reset_celery_connections(app)


def kill(worker):
    """SIGKILL: no shutdown handler runs, unacknowledged messages stay taken."""
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=20)
