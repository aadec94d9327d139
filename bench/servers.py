"""The processes under test: gunicorn and two Celery workers, and their peak memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN_WORKERS = 3
CELERY_WORKERS = 2
FORWARDED = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def peak_rss_mb(pid: int) -> float | None:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    kb = _status_kb(pid, "VmHWM")
    return None if kb is None else kb / 1024


def rss_mb(pid: int) -> float | None:
    kb = _status_kb(pid, "VmRSS")
    return None if kb is None else kb / 1024


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


class Servers:
    """gunicorn (production settings) and CELERY_WORKERS Celery workers, started and stopped."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.port = free_port()
        self.gunicorn: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.peaks: dict[str, float] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.gunicorn = self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "smedje_social.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(GUNICORN_WORKERS),
                "--backlog",
                "2048",
                "--graceful-timeout",
                "5",
            ],
        )
        for number in range(1, CELERY_WORKERS + 1):
            self.workers.append(
                self._spawn(
                    f"celery-{number}",
                    [
                        str(BIN / "celery"),
                        "-A",
                        "smedje_social",
                        "worker",
                        "--pool=solo",
                        f"--hostname=bench{number}@%h",
                        "--loglevel=WARNING",
                        "--without-mingle",
                        "--without-gossip",
                        "--without-heartbeat",
                    ],
                )
            )
        self._wait_http()
        self._wait_workers()

    def _wait_http(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_dir / 'gunicorn.log'}")
            try:
                request = urllib.request.Request(  # noqa: S310 - http URL of the local server
                    self.base_url + "/bench/konstant/", headers=FORWARDED
                )
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - http URL of the local server
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within a minute")

    def _wait_workers(self, timeout=90.0):
        from smedje_social.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker in self.workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a Celery worker exited; see {self.log_dir}")
            replies = app.control.ping(timeout=1.0) or []
            names = {name for reply in replies for name in reply}
            if sum(1 for name in names if name.startswith("bench")) >= CELERY_WORKERS:
                return
        raise RuntimeError("the Celery workers did not answer within 90 s")

    def gunicorn_workers(self) -> list[int]:
        return children(self.gunicorn.pid) if self.gunicorn else []

    def sample(self):
        """Record the high-water marks now (a worker restarted later keeps its predecessor's)."""
        for pid in self.gunicorn_workers():
            value = peak_rss_mb(pid)
            if value is not None:
                self.peaks["gunicorn"] = max(self.peaks.get("gunicorn", 0.0), value)
        for worker in self.workers:
            value = peak_rss_mb(worker.pid)
            if value is not None:
                self.peaks["celery"] = max(self.peaks.get("celery", 0.0), value)

    def stop(self):
        processes = [p for p in [self.gunicorn, *self.workers] if p is not None]
        for process in processes:
            if process.poll() is None:
                self.sample()
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
