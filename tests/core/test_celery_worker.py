"""A real Celery worker process runs tasks and the periodic schedule.

Once on the zero-setup filesystem broker (no server) and once on Redis.
The worker uses the test database, so these tests need committed data
(`transactional_db`).
"""

import time

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat_task

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, *, seconds: float, what: str, worker):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {seconds} s. Worker log:\n{worker.log()}")


def test_filesystem_broker_runs_a_task_and_stores_its_result(start_celery_worker):
    worker = start_celery_worker(broker="filesystem")

    result = heartbeat_task.delay()

    recorded = result.get(timeout=60)
    assert Heartbeat.objects.get().beat_at.isoformat() == recorded
    assert "heartbeat_task" in worker.log()


def test_filesystem_broker_fires_the_periodic_schedule(start_celery_worker):
    worker = start_celery_worker(
        broker="filesystem", beat=True, extra_env={"HEARTBEAT_INTERVAL": "1"}
    )

    wait_for(lambda: Heartbeat.objects.exists(), seconds=60, what="A heartbeat", worker=worker)
    first = Heartbeat.objects.get().beat_at
    wait_for(
        lambda: Heartbeat.objects.get().beat_at > first,
        seconds=30,
        what="A second heartbeat",
        worker=worker,
    )


@pytest.mark.redis
def test_redis_worker_runs_a_task_and_stores_its_result(start_celery_worker, redis_url):
    import redis

    worker = start_celery_worker(broker=redis_url)

    result = heartbeat_task.delay()

    recorded = result.get(timeout=60)
    assert Heartbeat.objects.get().beat_at.isoformat() == recorded
    stored = redis.Redis.from_url(redis_url).get(f"celery-task-meta-{result.id}")
    assert stored is not None and recorded.encode() in stored
    assert "heartbeat_task" in worker.log()


@pytest.mark.redis
def test_redis_beat_fires_the_periodic_schedule(start_celery_worker, redis_url):
    worker = start_celery_worker(broker=redis_url, beat=True, extra_env={"HEARTBEAT_INTERVAL": "1"})
    wait_for(lambda: Heartbeat.objects.exists(), seconds=60, what="A heartbeat", worker=worker)
