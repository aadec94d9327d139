"""docs/backup.md, followed to the letter: after a restore, `archive_verify` passes.

The backup is taken with the documented `pg_dump -Fc --no-owner`, restored with the
documented `pg_restore --no-owner --exit-on-error` into an empty database, and the
archive's hash chain is verified there by the management command in its own
process, as an operator would run it. A record changed in the restored copy is
then named by the same command, so the check is shown to look at the data.
"""

import os
import shutil
import subprocess
import sys

import pytest
from django.db import connection

from archive.models import Record
from tests.conftest import REPO, missing_service


def _postgres_tools():
    if connection.vendor != "postgresql":
        missing_service("backup and restore are documented for PostgreSQL only")
    for tool in ("pg_dump", "pg_restore", "createdb", "dropdb", "psql"):
        if shutil.which(tool) is None:
            missing_service(f"{tool} is not installed")


def _pg(*command, database=None):
    settings = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": settings["HOST"] or "127.0.0.1",
        "PGPORT": str(settings["PORT"] or 5432),
        "PGUSER": settings["USER"] or "postgres",
    }
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = settings["PASSWORD"]
    args = [*command, database] if database else list(command)
    return subprocess.run(args, env=env, capture_output=True, text=True, check=True)


def _archive_verify(database: str):
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{database}"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "smedje_social.settings.test",
        "DATABASE_URL": url,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "archive_verify"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_archive_verify_passes_after_a_documented_restore(make_record, tmp_path):
    _postgres_tools()
    records = [make_record() for _ in range(5)]
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "smedje_social.dump"

    _pg("pg_dump", "-Fc", "--no-owner", "-f", str(dump), database=source)
    _pg("pg_restore", "--list", str(dump))  # the documented check of the copy
    _pg("dropdb", "--if-exists", database=restored)
    _pg("createdb", database=restored)
    try:
        _pg("pg_restore", "--no-owner", "--exit-on-error", "-j", "2", "-d", restored, str(dump))

        verified = _archive_verify(restored)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        table = Record._meta.db_table
        count = _pg("psql", "-tAc", f"SELECT count(*) FROM {table}", "-d", restored)  # noqa: S608
        assert int(count.stdout) == len(records)

        # A record altered in the copy is found, and named.
        altered = records[2]
        _pg(
            "psql",
            "-c",
            f"UPDATE {table} SET text = 'Ändrad i efterhand' WHERE id = {altered.pk}",  # noqa: S608
            "-d",
            restored,
        )
        tampered = _archive_verify(restored)
        assert tampered.returncode == 1
        assert str(altered.sequence) in tampered.stderr or str(altered.pk) in tampered.stderr
    finally:
        _pg("dropdb", "--if-exists", database=restored)
