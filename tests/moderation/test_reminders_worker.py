"""A real Celery worker with embedded beat against Redis sends a reminder end to end.

The worker is a separate process on the test database (so the data is committed,
`transaction=True`); it writes its mail with Django's file backend, configured through
EMAIL_URL=filemail://…, and the test reads the files.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from moderation import services
from moderation.models import ItemKind, ItemReminder, ReminderEmail
from tests.conftest import reset_celery_connections, sent_messages

pytestmark = [pytest.mark.redis, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_broker_pools():
    from smedje_social.celery import app

    reset_celery_connections(app)
    yield
    reset_celery_connections(app)


def wait_for(predicate, *, seconds, what, worker):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {seconds} s. Worker log:\n{worker.log()}")


def test_beat_and_a_worker_remind_and_escalate_once(
    fresh_broker_pools,
    start_celery_worker,
    redis_url,
    tmp_path,
    page_channel,
    employee,
    communicator,
):
    # A question that arrived a week ago: its target and the escalation have both passed.
    with time_machine.travel(timezone.now() - timedelta(days=7), tick=False):
        item = services.item_register_manually(
            channel=page_channel,
            actor=employee,
            data={"kind": ItemKind.COMMENT, "text": "Svarar ni?", "expects_answer": True},
        )
    mail_dir = tmp_path / "mail"

    worker = start_celery_worker(
        broker=redis_url,
        beat=True,
        extra_env={
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "REMINDER_SWEEP_INTERVAL": "2",
            "EMAIL_URL": f"filemail:///{mail_dir}",
        },
    )

    wait_for(
        lambda: len(sent_messages(mail_dir)) >= 2,
        seconds=90,
        what="The handler's reminder and the communicators' escalation",
        worker=worker,
    )
    time.sleep(6)  # three more sweeps: nothing more may go out

    messages = sent_messages(mail_dir)
    assert sorted(m["To"] for m in messages) == [employee.email, communicator.email]
    assert all(item.get_absolute_url() in m.get_payload() for m in messages)
    assert sorted(ItemReminder.objects.values_list("step", flat=True)) == ["due", "escalation"]
    assert ReminderEmail.objects.filter(sent_at__isnull=False).count() == 2
    assert "reminder_sweep_task" in worker.log()
