"""The benchmark harness (`make bench`): what it refuses, and the data it seeds.

The figures themselves are never asserted (they are printed to BENCHMARKS.md);
these tests keep the harness honest: it refuses SQLite before touching
anything, the quick run never touches the configured database, and the
records it loads in bulk form a hash chain that `archive_verify` accepts.
"""

import random
import subprocess
import sys

import pytest
from django.utils import timezone

from archive.models import ChainHead, Record
from archive.services.verification import verify_chain
from bench import config
from tests.archive.test_disposal import postgres_only
from tests.conftest import REPO


def test_sqlite_is_refused_with_a_clear_message():
    with pytest.raises(config.BenchConfigError, match="PostgreSQL only") as caught:
        config.check_database_url("sqlite:///var/smedje-social.sqlite3")
    assert "DATABASE_URL=postgres://" in str(caught.value)


def test_make_bench_on_sqlite_exits_before_doing_anything(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "runs on PostgreSQL only" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_redis_is_required():
    with pytest.raises(config.BenchConfigError, match="needs Redis"):
        config.resolve(quick=False, environ={"REDIS_URL": "memory://"})


def test_the_quick_run_uses_its_own_database_on_the_same_server():
    database, redis = config.resolve(
        quick=True, environ={"DATABASE_URL": "postgres://u:p@db.example:5433/smedje_social"}
    )
    assert database == "postgres://u:p@db.example:5433/smedje_social_quick"
    assert redis == config.DEFAULT_REDIS_URL
    assert config.resolve(quick=False, environ={})[0] == config.DEFAULT_DATABASE_URL
    assert config.resolve(quick=True, environ={})[0].endswith("/smedje_bench_quick")


@pytest.mark.postgres
@pytest.mark.django_db
def test_bulk_loaded_records_continue_the_hash_chain(channel, employee):
    """Records written with COPY chain exactly as record_create chains them."""
    from archive.services.records import record_create
    from bench import seed

    postgres_only()
    record_create(record_type="removed", channel=channel, content={"text": "before"})
    rows = [{"id": channel.pk, "unit_id": channel.unit_id}]
    seed.append_records(
        count=30,
        expired=False,
        channels=rows,
        users={seed.HANDLER: employee.pk},
        now=timezone.now(),
        rng=random.Random(1),
    )
    seed.append_records(
        count=5,
        expired=True,
        channels=rows,
        users={seed.HANDLER: employee.pk},
        now=timezone.now(),
        rng=random.Random(2),
    )
    after = record_create(record_type="removed", channel=channel, content={"text": "after"})
    assert after.sequence == 37
    assert ChainHead.objects.get(name="records").sequence == 37
    assert Record.objects.count() == 37
    result = verify_chain()
    assert result.ok, result.message
    assert result.checked == 37
