"""`make bench`: seed (or reuse) the national-scale database, measure, write the figures.

    python -m bench            # full scale: DATABASE_URL (default .../smedje_bench)
    python -m bench --quick    # small data in <DATABASE_URL's name>_quick, recreated

The full run writes bench/results.json and the generated section of
BENCHMARKS.md; the quick run writes var/bench/quick/ only, so CI never
overwrites the committed figures. Missed targets are figures, not failures:
the exit status is non-zero only when the harness itself breaks (a server
error, a failed request, an item lost or duplicated, a step that did nothing).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from bench import config

ROOT = Path(__file__).resolve().parent.parent


def log(message: str):
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def _admin_connection(database_url: str):
    import environ
    import psycopg2

    settings = environ.Env.db_url_config(config.maintenance_url(database_url))
    connection = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    connection.autocommit = True
    return connection


def prepare_database(database_url: str, *, recreate: bool):
    name = config.database_name(database_url)
    connection = _admin_connection(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and recreate:
                log(f"dropping database {name}")
                cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                log(f"creating database {name}")
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, short load, own database")
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed again")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated measurements (load,ingest,queue,search,export,reminders,disposal)",
    )
    parser.add_argument("--output", default="", help="where results.json goes")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    parser.add_argument("--verify-chain", action="store_true", help="verify the hash chain too")
    args = parser.parse_args(argv)
    try:
        database_url, redis_url = config.resolve(quick=args.quick)
    except config.BenchConfigError as error:
        print(f"make bench: {error}", file=sys.stderr)
        return 2
    scale = config.QUICK if args.quick else config.FULL
    os.environ.update(config.django_environment(database_url, redis_url))
    prepare_database(database_url, recreate=args.quick or args.reseed)

    import django

    django.setup()
    try:
        return _run(args, scale)
    except Exception:
        traceback.print_exc()
        log("the harness failed")
        return 1


def _run(args, scale) -> int:
    from django.core.management import call_command

    from bench import ingest, load, report, seed, steps
    from bench.servers import Servers

    started = time.perf_counter()
    log("migrating and collecting static files")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    marker = seed.seeded_scale()
    if marker is None:
        from moderation.models import Item

        if Item.objects.exists():
            raise RuntimeError(
                "The database holds items but no seed marker (an interrupted seed?): "
                "run again with --reseed (make bench RESEED=1)."
            )
        log(f"seeding the {scale.name} data set")
        seed.seed(scale, log=log)
        marker = seed.seeded_scale()
    elif marker["scale"] != scale.marker():
        raise RuntimeError(
            f"The database was seeded with {marker['scale']}, not {scale.marker()}: "
            "run again with --reseed (make bench RESEED=1)."
        )
    else:
        log(f"reusing the data seeded {marker['seeded_at']:%Y-%m-%d %H:%M}")
    if args.seed_only:
        return 0
    only = set(filter(None, args.only.split(",")))

    def wanted(name):
        return not only or name in only

    figures = [
        report.Figure("seeding time", marker["seconds"], "s", None, None, "seed"),
    ]
    # What earlier runs consumed is put back: expired records and a clean ingest.
    expired = seed.expired_records_count()
    if expired < scale.expired_records and wanted("disposal"):
        import random

        from django.utils import timezone

        log(f"topping up expired records: {expired} -> {scale.expired_records}")
        seed.append_records(
            count=scale.expired_records - expired,
            expired=True,
            channels=seed.channel_rows(),
            users=seed.bench_users(),
            now=timezone.now(),
            rng=random.Random(),
        )
    ingest.cleanup(ingest.ingest_accounts().values())
    seed.vacuum_churned(log)

    log_dir = ROOT / "var" / "bench" / scale.name / "logs"
    servers = Servers(dict(os.environ), log_dir)
    log("starting gunicorn and two Celery workers")
    servers.start()
    try:
        if wanted("load"):
            figures += load.run(
                servers,
                scale=scale,
                verify_address=_verify_address(),
                search="Förvaltning 042",
                log=log,
            )
        if wanted("ingest"):
            figures += ingest.run(servers, scale=scale, log=log)
        if wanted("queue"):
            figures += steps.queue_page(scale=scale, log=log)
        if wanted("search"):
            figures += steps.archive_search(scale=scale, log=log)
        if wanted("export"):
            figures += steps.archive_export(scale=scale, log=log)
        if wanted("reminders"):
            figures += steps.reminder_sweep(scale=scale, log=log)
            time.sleep(1)  # the workers send the sweep's e-mail
        servers.sample()
    finally:
        servers.stop()
    if wanted("disposal"):
        figures += steps.disposal(scale=scale, log=log)
    for name, key in (("gunicorn worker", "gunicorn"), ("Celery worker", "celery")):
        value = servers.peaks.get(key)
        if value is not None:
            figures.append(
                report.Figure(
                    f"peak RSS of a {name}", value, "MB", "<= 150", value <= 150, "memory"
                )
            )
    if args.verify_chain or args.quick:
        from archive.services.verification import verify_chain

        result = verify_chain()
        log(f"hash chain: {result}")
        if not getattr(result, "ok", True):
            raise RuntimeError(f"the hash chain does not verify: {result}")
    machine_info = report.machine()
    extra = {"mode": scale.name, "seconds": round(time.perf_counter() - started, 1)}
    if args.output:
        output = Path(args.output)
    elif args.quick:
        output = ROOT / "var" / "bench" / "quick" / "results.json"
    else:
        output = ROOT / "bench" / "results.json"
    report.write_json(
        output, machine_info=machine_info, scale=scale.marker(), figures=figures, extra=extra
    )
    section = report.results_markdown(
        machine_info=machine_info, scale=scale.marker(), figures=figures, extra=extra
    )
    if args.quick or args.output:
        output.with_suffix(".md").write_text(section + "\n")
    else:
        report.write_markdown(ROOT / "BENCHMARKS.md", section)
    missed = [f.name for f in figures if f.met is False]
    log(f"done in {extra['seconds']} s; figures in {output}")
    log("targets missed: " + (", ".join(missed) if missed else "none"))
    return 0


def _verify_address() -> str:
    from channels.models import Channel

    channel = Channel.objects.published().order_by("pk")[Channel.objects.count() // 2]
    return channel.address.replace("https://www.", "")
