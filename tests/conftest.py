"""Shared fixtures: users per role, services, a real Celery worker, a browser.

Tests that need Redis, a Celery worker or Chromium carry a marker and skip
with a reason when the service is missing; with REQUIRE_SERVICES=1 (as in CI)
a missing service fails the test instead.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from email import message_from_string
from pathlib import Path
from urllib.parse import urlparse

import kombu.pools
import pytest
from django.db import connection

from core import roles
from tests.factories import UnitFactory, UserFactory

# Playwright's sync API runs an event loop in this thread; Django's ORM would
# otherwise refuse to run in the test body next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing_service(reason: str):
    """Skip, or fail when the run requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _forget_kept_answers():
    """Each test starts without another's cache: the kept public pages and API answers
    (core.public_cache, also held in this process's memory), throttle counts and rate
    limits. Their keys follow the data, but not the settings a test overrides."""
    from django.core.cache import cache

    from channels.public_queries import forget_register_version
    from core.public_cache import clear_local

    cache.clear()
    clear_local()
    forget_register_version()


# --- Users and units ------------------------------------------------------


@pytest.fixture(autouse=True)
def _role_groups(request):
    """Put back the role groups after a transactional test emptied the tables.

    The groups come from a data migration; a transactional test (browser,
    Celery worker) flushes every table when it ends, and Django recreates
    content types and permissions but not the groups.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.contrib.auth.models import Group

    if Group.objects.filter(name__in=roles.ROLES).count() < len(roles.ROLES):
        roles.sync_role_permissions(apps)


@pytest.fixture
def employee(db):
    return UserFactory(username="anna", first_name="Anna", last_name="Andersson")


@pytest.fixture
def other_employee(db):
    return UserFactory(username="bertil", first_name="Bertil", last_name="Berg")


@pytest.fixture
def manager(db):
    return UserFactory(username="cecilia", roles=[roles.MANAGER])


@pytest.fixture
def other_manager(db):
    return UserFactory(username="david", roles=[roles.MANAGER])


@pytest.fixture
def communicator(db):
    return UserFactory(username="kerstin", roles=[roles.COMMUNICATOR])


@pytest.fixture
def registrar(db):
    return UserFactory(username="rune", roles=[roles.REGISTRAR])


@pytest.fixture
def unit(manager):
    return UnitFactory(name="Biblioteket", slug="biblioteket", managers=[manager])


@pytest.fixture
def other_unit(other_manager):
    return UnitFactory(name="Fritidsgården", slug="fritidsgarden", managers=[other_manager])


# --- Redis and a real Celery worker -----------------------------------------


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        missing_service("REDIS_URL is not set (Redis tests need a server)")
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
            pass
    except OSError as error:
        missing_service(f"Redis at {url} is not reachable: {error}")
    return url


def database_url_for_subprocess() -> str:
    """A DATABASE_URL pointing a child process at the test database."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


def reset_celery_connections(app):
    """Forget the app's cached broker pools and result backend after a config change.

    kombu keeps global connection and producer pools per broker URL; both go,
    or the next publish to that URL fails with "Acquire on closed pool".
    """
    kombu.pools.reset()
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


class WorkerProcess:
    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def sent_messages(folder):
    """Every message Django's file e-mail backend wrote into `folder` (tests.worker_settings).

    A worker's e-mail is not in the test process's locmem outbox; the worker settings
    write it to files, several messages to a file, separated by a line of dashes.
    """
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                messages.append(message_from_string(chunk.strip()))
    return messages


@pytest.fixture
def start_celery_worker(tmp_path, settings):
    """Start `celery worker` (optionally with embedded beat) as a real process.

    The child uses the test database and the broker given (Redis, or the
    filesystem transport in a temporary folder); the test process is switched
    from eager execution to that broker for the duration of the test.
    """
    from smedje_social.celery import app

    started = []
    saved = {
        key: app.conf[key]
        for key in (
            "broker_url",
            "result_backend",
            "broker_transport_options",
            "task_always_eager",
        )
    }

    def start(*, broker: str, beat: bool = False, extra_env: dict | None = None):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "smedje_social.settings.test",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_DATA_DIR": str(tmp_path / "celery"),
            **(extra_env or {}),
        }
        if broker == "filesystem":
            env.pop("REDIS_URL", None)
            folder = tmp_path / "celery"
            for sub in ("queue", "processed", "results", "control"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            app.conf.broker_url = "filesystem://"
            app.conf.broker_transport_options = {
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                "control_folder": str(folder / "control"),
                "store_processed": False,
            }
            app.conf.result_backend = f"file://{folder / 'results'}"
        else:
            env["REDIS_URL"] = broker
            app.conf.broker_url = broker
            app.conf.result_backend = broker
            app.conf.broker_transport_options = {}
        app.conf.task_always_eager = False
        reset_celery_connections(app)
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smedje_social",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
        ]
        if beat:
            command += ["-B", "--schedule", str(tmp_path / "beat-schedule")]
        log_path = tmp_path / f"worker-{len(started)}.log"
        log = log_path.open("w")
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        worker = WorkerProcess(process, log_path)
        started.append(worker)
        deadline = time.monotonic() + 60
        while "ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"The Celery worker did not start:\n{worker.log()}")
            time.sleep(0.2)
        return worker

    yield start

    for worker in started:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
    for key, value in saved.items():
        app.conf[key] = value
    reset_celery_connections(app)


# --- Browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        missing_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class ForeignRequests(list):
    """Requests the page tried to send to another host than the live server."""


@pytest.fixture
def new_page(browser, live_server):
    """Open pages that may only talk to the live server; other hosts are blocked."""
    contexts = []
    own_host = urlparse(live_server.url).netloc

    def open_page(*, locale: str = "sv-SE"):
        context = browser.new_context(locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.foreign_requests = ForeignRequests()

        def guard(route):
            url = route.request.url
            if url.startswith(("data:", "blob:")) or urlparse(url).netloc == own_host:
                route.continue_()
            else:
                page.foreign_requests.append(url)
                route.abort()

        page.route("**/*", guard)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def axe():
    """Run axe-core (WCAG 2.1 A and AA rules) on a page; returns the violations."""
    from axe_playwright_python.sync_playwright import Axe

    checker = Axe()

    def run(page):
        results = checker.run(
            page,
            options={
                "runOnly": {
                    "type": "tag",
                    "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
                }
            },
        )
        return results.response["violations"]

    return run


def describe_violations(violations) -> str:
    return "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {[n['target'] for n in v['nodes'][:3]]})"
        for v in violations
    )


@pytest.fixture
def login(live_server):
    def do_login(page, username: str, password: str = "correct horse battery staple"):
        page.goto(f"{live_server.url}/konto/logga-in/")
        page.get_by_label("Användarnamn").fill(username)
        page.get_by_label("Lösenord").fill(password)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()

    return do_login
