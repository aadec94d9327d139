"""Measurements 3 to 6, run in the harness's own process or in a fresh one.

The queue page and the archive search go through Django's test client, so
the time is the server's (middleware, view, queries, template) without a
network. The export and the disposal run in a fresh Python process each
(`python -m bench.steps <name>`), whose peak resident memory (VmHWM) is the
figure: nothing else has grown that process before.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.report import Figure
from bench.servers import ROOT, peak_rss_mb, rss_mb

QUEUE_MAX_P95_MS = 100.0
QUEUE_MAX_QUERIES = 15
SEARCH_MAX_P95_MS = 100.0
EXPORT_MAX_MB = 200.0
SWEEP_MAX_SECONDS = 1.0
DISPOSAL_MIN_RATE = 5000.0


class StepError(Exception):
    pass


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _client(username) -> Client:
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="sv")
    client.force_login(_user(username))
    return client


def _percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _timed_gets(client, paths, samples):
    """(times in ms, query counts) of `samples` GETs cycling through `paths`, after a warm-up."""
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            raise StepError(f"{path} answered {response.status_code}")
    times, queries = [], []
    for n in range(samples):
        path = paths[n % len(paths)]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise StepError(f"{path} answered {response.status_code}")
        queries.append(len(captured))
    return times, queries


# --- 3. the handler's queue ---------------------------------------------------------------


def queue_page(*, scale, log=print) -> list[Figure]:
    from bench.seed import HANDLER
    from moderation.models import Item

    handler = _user(HANDLER)
    in_queue = Item.objects.open().for_handler(handler).count()
    client = _client(HANDLER)
    times, queries = _timed_gets(client, ["/moderering/"], scale.samples)
    p50, p95 = statistics.median(times), _percentile(times, 0.95)
    log(f"queue: {in_queue} items, p50 {p50:.1f} ms, p95 {p95:.1f} ms, {max(queries)} queries")
    return [
        Figure("open items in the handler's queue", in_queue, "items", None, None, "queue"),
        Figure("queue page p50", p50, "ms", None, None, "queue"),
        Figure(
            "queue page p95",
            p95,
            "ms",
            f"<= {QUEUE_MAX_P95_MS:g}",
            p95 <= QUEUE_MAX_P95_MS,
            "queue",
        ),
        Figure(
            "queue page queries",
            max(queries),
            "queries",
            f"<= {QUEUE_MAX_QUERIES}",
            max(queries) <= QUEUE_MAX_QUERIES,
            "queue",
        ),
    ]


# --- 4. archive search and export -------------------------------------------------------------


SEARCHES = ("vattenläcka", "kulturnatten", "badhuset", "snöröjningen cykelvägen")


def archive_search(*, scale, log=print) -> list[Figure]:
    from urllib.parse import urlencode

    from archive.models import Record
    from bench.seed import REGISTRARS

    total = Record.objects.count()
    client = _client(REGISTRARS[0])
    paths = ["/arkiv/sok/?" + urlencode({"q": term}) for term in SEARCHES]
    times, queries = _timed_gets(client, paths, scale.samples * 2)
    p50, p95 = statistics.median(times), _percentile(times, 0.95)
    per_term = {
        term: statistics.median(times[n :: len(SEARCHES)]) for n, term in enumerate(SEARCHES)
    }
    log(f"search: {total} records, p50 {p50:.1f} ms, p95 {p95:.1f} ms, per term {per_term}")
    figures = [
        Figure("records searched", total, "records", None, None, "archive"),
        Figure("full-text search p50", p50, "ms", None, None, "archive"),
        Figure(
            "full-text search p95",
            p95,
            "ms",
            f"<= {SEARCH_MAX_P95_MS:g}",
            p95 <= SEARCH_MAX_P95_MS,
            "archive",
        ),
        Figure("full-text search queries", max(queries), "queries", None, None, "archive"),
    ]
    figures += [
        Figure(f"search '{term}' p50", value, "ms", None, None, "archive")
        for term, value in per_term.items()
    ]
    return figures


def _in_subprocess(name: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.steps", name],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise StepError(f"step {name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def archive_export(*, scale, log=print) -> list[Figure]:
    figures = []
    for name, label in (("export_bundle", "bundle"), ("export_sip", "E-ARK package")):
        data = _in_subprocess(name)
        log(f"{name}: {data}")
        figures += [
            Figure(
                f"export of {data['records']} records to a {label}",
                data["seconds"],
                "s",
                None,
                None,
                "archive",
                note=data.get("note", ""),
            ),
            Figure(
                f"{label} export peak memory (process)",
                data["peak_mb"],
                "MB",
                f"<= {EXPORT_MAX_MB:g}",
                data["peak_mb"] <= EXPORT_MAX_MB,
                "archive",
            ),
            Figure(
                f"{label} export memory growth over the idle process",
                data["peak_mb"] - data["baseline_mb"],
                "MB",
                None,
                None,
                "archive",
            ),
        ]
    return figures


def _export_bundle() -> dict:
    from archive.models import Record
    from archive.services.requests import request_attach_records, request_close, request_create
    from bench.seed import REGISTRARS, export_channel

    actor = _user(REGISTRARS[0])
    channel = export_channel()
    records = Record.objects.filter(channel=channel).only("pk", "hash")
    request = request_create(
        actor=actor,
        data={"received_via": "email", "description": "Benchmark: every record of one channel."},
    )
    request_attach_records(request=request, actor=actor, records=records)
    baseline = rss_mb(os.getpid())
    started = time.perf_counter()
    from archive.services.requests import request_export

    body, _name = request_export(request=request, actor=actor, kind="bundle")
    seconds = time.perf_counter() - started
    count = request.request_records.count()
    request_close(request=request, actor=actor, outcome="Benchmark")
    return {
        "records": count,
        "seconds": seconds,
        "bytes": len(body),
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(os.getpid()),
    }


def _export_sip() -> dict:
    from django.conf import settings

    from archive.services.exports import Selection, sip_write
    from bench.seed import REGISTRARS, export_channel

    actor = _user(REGISTRARS[0])
    selection = Selection(channel=export_channel())
    baseline = rss_mb(os.getpid())
    with tempfile.TemporaryFile() as handle:
        started = time.perf_counter()
        manifest = sip_write(handle, selection=selection, actor=actor)
        seconds = time.perf_counter() - started
        size = handle.tell()
    del manifest
    return {
        "records": selection.records().count(),
        "seconds": seconds,
        "bytes": size,
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(os.getpid()),
        "note": "with a PDF of each record" if settings.ARCHIVE_EXPORT_PDF else "JSON only",
    }


# --- 5. the reminder sweep ----------------------------------------------------------------------


def prepare_reminders(scale) -> int:
    """Every open item's next step in a month, except `reminder_due` of them: due a minute ago."""
    from moderation.models import ItemReminder, ReminderEmail

    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {ReminderEmail._meta.db_table}, {ItemReminder._meta.db_table} CASCADE"
        )
        cursor.execute(
            "UPDATE moderation_item SET next_reminder_step = 'before', "
            "next_reminder_at = now() + interval '30 days' "
            "WHERE state = 'open' AND expects_answer AND due_at IS NOT NULL "
            "AND (next_reminder_at IS NULL OR next_reminder_at <= now() + interval '20 days')"
        )
        cursor.execute(
            "UPDATE moderation_item SET next_reminder_step = 'before', "
            "next_reminder_at = now() - interval '1 minute' WHERE id IN ("
            " SELECT id FROM moderation_item WHERE state = 'open' AND expects_answer"
            " AND due_at IS NOT NULL ORDER BY id DESC LIMIT %s)",
            [scale.reminder_due],
        )
        cursor.execute("SELECT count(*) FROM moderation_item WHERE state = 'open'")
        return cursor.fetchone()[0]


def _warm_up_sweeper():
    """What a worker that has swept before has: the holiday calendar and a broker connection.

    The sweep runs every few minutes in a long-lived Celery worker; the first sweep
    of a process also builds the calendar (0.2-0.3 s) and connects to Redis, which
    would otherwise be timed here as part of every sweep.
    """
    from moderation.reminders import reminders_sweep
    from smedje_social.celery import app

    reminders_sweep()
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=1)


def reminder_sweep(*, scale, log=print) -> list[Figure]:
    from moderation.reminders import reminders_sweep

    _warm_up_sweeper()
    open_items = prepare_reminders(scale)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = reminders_sweep()
        seconds = time.perf_counter() - started
    claimed = sum(result.claimed.values())
    log(f"sweep: {open_items} open, {claimed} claimed in {seconds:.2f} s, {len(captured)} queries")
    if claimed < scale.reminder_due:
        raise StepError(f"the sweep claimed {claimed} of {scale.reminder_due} due reminders")
    return [
        Figure("open items", open_items, "items", None, None, "reminders"),
        Figure("reminder steps claimed", claimed, "reminders", None, None, "reminders"),
        Figure("reminder e-mails", result.emails, "e-mails", None, None, "reminders"),
        Figure(
            "sweep time",
            seconds,
            "s",
            f"<= {SWEEP_MAX_SECONDS:g}",
            seconds <= SWEEP_MAX_SECONDS,
            "reminders",
        ),
        Figure("sweep queries", len(captured), "queries", None, None, "reminders"),
    ]


# --- 6. disposal ---------------------------------------------------------------------------


def disposal(*, scale, log=print) -> list[Figure]:
    data = _in_subprocess("disposal")
    log(f"disposal: {data}")
    if data["disposed"] < scale.expired_records:
        raise StepError(f"disposed of {data['disposed']} of {scale.expired_records} records")
    rate = data["disposed"] / data["execute_seconds"]
    return [
        Figure("records proposed", data["proposed"], "records", None, None, "disposal"),
        Figure("proposal time", data["propose_seconds"], "s", None, None, "disposal"),
        Figure("execution time", data["execute_seconds"], "s", None, None, "disposal"),
        Figure(
            "disposal rate",
            rate,
            "records/s",
            f">= {DISPOSAL_MIN_RATE:g}",
            rate >= DISPOSAL_MIN_RATE,
            "disposal",
        ),
        Figure("disposal peak memory (process)", data["peak_mb"], "MB", None, None, "disposal"),
        Figure(
            "disposal memory growth over the idle process",
            data["peak_mb"] - data["baseline_mb"],
            "MB",
            None,
            None,
            "disposal",
        ),
    ]


def _disposal() -> dict:
    from archive.services.disposal import (
        disposal_run_approve,
        disposal_run_execute,
        disposal_run_propose,
    )
    from bench.seed import REGISTRARS

    proposer, approver = _user(REGISTRARS[0]), _user(REGISTRARS[1])
    baseline = rss_mb(os.getpid())
    started = time.perf_counter()
    run = disposal_run_propose(actor=proposer, comment="Benchmark")
    propose_seconds = time.perf_counter() - started
    run = disposal_run_approve(run=run, actor=approver)
    started = time.perf_counter()
    run = disposal_run_execute(run=run, actor=approver)
    execute_seconds = time.perf_counter() - started
    return {
        "proposed": run.candidate_count,
        "disposed": run.disposed_count,
        "propose_seconds": propose_seconds,
        "execute_seconds": execute_seconds,
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(os.getpid()),
    }


STEPS = {"export_bundle": _export_bundle, "export_sip": _export_sip, "disposal": _disposal}


def main(argv):
    import django

    django.setup()
    data = STEPS[argv[1]]()
    print("BENCH_JSON " + json.dumps(data, default=str))


if __name__ == "__main__":
    main(sys.argv)
