"""A Celery worker killed (SIGKILL) in the middle of a task: the work is done once.

Tasks are acknowledged late (CELERY_TASK_ACKS_LATE): a message taken by a worker
that dies stays in Redis as unacknowledged and is delivered again once it is older
than the visibility timeout (CELERY_VISIBILITY_TIMEOUT, an hour in production; one
second for the restarted worker here, which looks for such messages every second).

The first worker stops at a chosen point of the task (tests/integration/pause_hook.py,
switched on through tests/worker_settings.py) and is killed there; a second worker,
started afterwards, gets the message again:

* parsing a delivery, after its items were written and it was marked parsed, before
  the commit: the transaction dies with the worker, and the second parse makes
  exactly one item;
* the reminder sweep, after its rows were claimed and before the commit: the second
  sweep claims each step once and sends one e-mail per person;
* sending a batch of reminder e-mails, just before the first goes to the mail server:
  the design is "at most once" (moderation/reminders.py, "Never twice"), so the second
  delivery of the batch finds that e-mail taken and skips it (its row keeps `sent_at`
  empty and no duplicate goes out), and sends the batch's other e-mail once.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from moderation import services
from moderation.models import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemKind,
    ItemReminder,
    ItemVersion,
    ReminderEmail,
)
from moderation.reminder_tasks import reminder_sweep_task
from moderation.reminders import reminders_sweep
from tests.conftest import sent_messages
from tests.integration.conftest import kill, wait_for
from tests.moderation.conftest import payload_bytes

pytestmark = [pytest.mark.redis, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

COMMENT_ID = "712398456123987_1583920475830291"


@pytest.fixture
def workers(postgres, redis_server, start_celery_worker, tmp_path):
    """start(pause_at=…, when=…) a worker on a private Redis; mail goes to files."""
    server = redis_server()
    mail_dir = tmp_path / "mail"
    marker = tmp_path / "paused"

    def start(*, pause_at: str | None = None, when: str = "after"):
        env = {
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "EMAIL_URL": f"filemail:///{mail_dir}",
            # Messages taken by the killed worker are taken again a second after.
            "CELERY_VISIBILITY_TIMEOUT": "1",
            "FAULTS_RESTORE_EVERY_SECOND": "1",
        }
        if pause_at:
            env |= {
                "FAULTS_PAUSE_AT": pause_at,
                "FAULTS_PAUSE_WHEN": when,
                "FAULTS_PAUSE_MARKER": str(marker),
                # The killed worker must not hand its own message back to itself.
                "CELERY_VISIBILITY_TIMEOUT": "3600",
                "FAULTS_RESTORE_EVERY_SECOND": "0",
            }
        return start_celery_worker(broker=server.url(), extra_env=env)

    start.mail_dir = mail_dir
    start.marker = marker
    return start


def open_transactions() -> int:
    """Other connections to the test database that hold a transaction open right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def kill_when_paused(workers, worker, *, in_transaction: bool):
    wait_for(
        workers.marker.exists, seconds=60, what="The worker reaching the pause", log=worker.log
    )
    # In the middle for real: the worker's writes are made and not committed.
    assert open_transactions() == (1 if in_transaction else 0)
    kill(worker)
    workers.marker.unlink()


def test_a_parse_killed_before_its_commit_is_done_once_after_restart(
    workers, page_channel, post_meta
):
    # Paused after the delivery is marked parsed, its items written: only the commit is left.
    first = workers(pause_at="moderation.models:Delivery.save")

    assert post_meta(payload_bytes("fb_feed_comment_add.json")).status_code == 200
    kill_when_paused(workers, first, in_transaction=True)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert not Item.objects.exists()  # written, never committed

    second = workers()
    wait_for(
        lambda: Delivery.objects.get().status == DeliveryStatus.PARSED,
        seconds=90,
        what="The parse delivered again to the new worker",
        log=second.log,
    )
    assert Item.objects.filter(external_id=COMMENT_ID).count() == 1
    assert Item.objects.count() == 1
    assert ItemVersion.objects.count() == 1
    assert Delivery.objects.get().attempts == 2
    assert "delivery_parse_task" in second.log()


@pytest.fixture
def overdue(page_channel, employee):
    """A question that came a week ago: its due time and its escalation have passed."""
    with time_machine.travel(timezone.now() - timedelta(days=7), tick=False):
        return services.item_register_manually(
            channel=page_channel,
            actor=employee,
            data={"kind": ItemKind.COMMENT, "text": "Svarar ni?", "expects_answer": True},
        )


def test_a_reminder_sweep_killed_before_its_commit_is_done_once_after_restart(
    workers, overdue, employee, communicator
):
    first = workers(pause_at="moderation.reminders:_claim_batch")

    reminder_sweep_task.delay()
    kill_when_paused(workers, first, in_transaction=True)
    assert not ItemReminder.objects.exists()  # claimed, never committed

    second = workers()
    wait_for(
        lambda: ReminderEmail.objects.filter(sent_at__isnull=False).count() == 2,
        seconds=90,
        what="The sweep delivered again, and its e-mails",
        log=second.log,
    )
    # Another sweep finds everything claimed and sent.
    reminder_sweep_task.delay()
    wait_for(
        lambda: second.log().count("reminder_sweep_task") >= 4,  # received + succeeded, twice
        seconds=60,
        what="A second sweep",
        log=second.log,
    )
    assert sorted(ItemReminder.objects.values_list("step", flat=True)) == ["due", "escalation"]
    assert ReminderEmail.objects.count() == 2
    recipients = sorted(message["To"] for message in sent_messages(workers.mail_dir))
    assert recipients == sorted([employee.email, communicator.email])


def test_a_reminder_e_mail_killed_while_sending_is_never_sent_twice(
    workers, overdue, employee, communicator
):
    first = workers(pause_at="django.core.mail.message:EmailMessage.send", when="before")
    # The sweep runs here (as `send_reminders` does); the worker sends the e-mails.
    assert reminders_sweep().emails == 2
    # Taking the e-mail is committed before the mail server is contacted.
    kill_when_paused(workers, first, in_transaction=False)
    # Both e-mails went in one message, which the killed worker had taken.
    assert first.log().count("reminder_email_batch_task[") == 1  # received, never done

    taken = ReminderEmail.objects.get(sending_started_at__isnull=False)
    assert taken.sent_at is None and taken.attempts == 1
    other = ReminderEmail.objects.exclude(pk=taken.pk).get()

    second = workers()
    # The one message of the batch (both e-mails), taken before the kill, reaches the new
    # worker.
    wait_for(
        lambda: second.log().count("reminder_email_batch_task[") >= 2,  # received + succeeded
        seconds=90,
        what="The e-mail batch on the new worker",
        log=second.log,
    )
    wait_for(
        lambda: ReminderEmail.objects.get(pk=other.pk).sent_at is not None,
        seconds=30,
        what="The other e-mail",
        log=second.log,
    )

    taken.refresh_from_db()
    assert taken.sent_at is None  # it may have gone out: not sent again (at most once)
    assert taken.attempts == 1
    messages = sent_messages(workers.mail_dir)
    assert [message["To"] for message in messages] == [other.recipient.email]
    assert ItemReminder.objects.count() == 2
    assert {employee.email, communicator.email} == {taken.recipient.email, other.recipient.email}
