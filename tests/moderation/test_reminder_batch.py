"""Reminder e-mails are queued in batches, and each e-mail of a batch stands on its own.

The sweep puts one message on the broker per `reminders.EMAIL_BATCH_SIZE` e-mails
(BENCHMARKS.md, 5.: one message per e-mail was most of a large sweep's time). These
tests publish to a real broker, kombu's in-memory transport, and read back what was put
on it; the tasks then run from those messages in this process.

One question received on Tuesday 2025-03-11 at 10:00 on the page channel (handler:
`employee`) is past its escalation on Thursday at 10:05: the sweep then sends one e-mail
to the handler and one to each communicator, so the number of communicators sets the
number of e-mails.
"""

import logging
import math
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from kombu.transport.memory import Channel as MemoryChannel

from core import roles
from moderation import reminders, services
from moderation.models import ItemKind, ReminderEmail
from moderation.reminder_tasks import reminder_email_batch_task, reminder_email_send_task
from smedje_social.celery import app
from tests.conftest import reset_celery_connections
from tests.factories import UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RECEIVED = datetime(2025, 3, 11, 10, tzinfo=STOCKHOLM)
ESCALATION = datetime(2025, 3, 13, 10, 5, tzinfo=STOCKHOLM)
# The second question, a day later, escalates a working day later.
ESCALATION_NEXT = datetime(2025, 3, 14, 10, 5, tzinfo=STOCKHOLM)


@pytest.fixture
def broker():
    """This process publishes to kombu's in-memory broker; `broker.point(url)` elsewhere."""
    keys = ("broker_url", "broker_transport_options", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}

    def point(url: str):
        app.conf.broker_url = url
        app.conf.broker_transport_options = {}
        app.conf.task_always_eager = False
        reset_celery_connections(app)

    point("memory://")
    MemoryChannel.queues.clear()
    point.memory = lambda: point("memory://")
    yield point
    MemoryChannel.queues.clear()
    for key, value in saved.items():
        app.conf[key] = value
    reset_celery_connections(app)


def take_messages() -> list[tuple[str, list]]:
    """(task name, args) of every message on the default queue, taken off it."""
    taken = []
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(app.conf.task_default_queue, no_ack=True)) is not None:
            args, _kwargs, _embed = message.decode()
            taken.append((message.headers["task"], args))
    return taken


def run(messages, *, throw=False):
    """Run each message's task in this process, as a worker would."""
    for name, args in messages:
        app.tasks[name].apply(args=args, throw=throw)


def communicators(count: int, prefix: str = "kommunikator") -> list:
    """`count` more communicators (besides the `communicator` fixture)."""
    return [
        UserFactory(username=f"{prefix}{number}", roles=[roles.COMMUNICATOR])
        for number in range(count)
    ]


@pytest.fixture
def question(page_channel, employee):
    def register(*, at=RECEIVED, text="Svarar ni?"):
        with time_machine.travel(at, tick=False):
            return services.item_register_manually(
                channel=page_channel,
                actor=employee,
                data={"kind": ItemKind.COMMENT, "text": text, "expects_answer": True},
            )

    return register


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """One sweep at `at`; its commit callbacks (the queueing) run."""

    def sweep_at(at):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return reminders.reminders_sweep()

    return sweep_at


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- Queueing: one message per batch -------------------------------------------------------


def test_queueing_3_or_30_emails_costs_one_message_and_the_same_queries(
    broker, question, sweep, employee, communicator, django_assert_max_num_queries
):
    communicators(1)  # 2 communicators and the handler: 3 e-mails
    question()
    with django_assert_max_num_queries(40) as few:
        assert sweep(ESCALATION).emails == 3
    messages_of_3 = take_messages()
    run(messages_of_3)

    communicators(27, prefix="fler")  # 29 communicators and the handler: 30 e-mails
    question(at=RECEIVED + timedelta(days=1), text="Och nu?")
    with django_assert_max_num_queries(40) as many:
        assert sweep(ESCALATION_NEXT).emails == 30
    messages_of_30 = take_messages()

    assert len(many.captured_queries) == len(few.captured_queries)
    assert [name for name, _ in messages_of_3] == [reminder_email_batch_task.name]
    assert [name for name, _ in messages_of_30] == [reminder_email_batch_task.name]
    # Each e-mail of the run is in exactly one message.
    (ids_of_30,) = [args[0] for _, args in messages_of_30]
    assert sorted(ids_of_30) == sorted(
        ReminderEmail.objects.filter(created_at__gte=ESCALATION_NEXT).values_list("pk", flat=True)
    )

    run(messages_of_30)

    # The handler once per run (two runs), each communicator once per run they were in.
    assert sent_to().count(employee.email) == 2
    assert sent_to().count(communicator.email) == 2
    assert len(mail.outbox) == 33
    assert not ReminderEmail.objects.filter(sent_at__isnull=True).exists()


def test_more_emails_than_a_batch_make_one_message_per_batch(
    broker, question, sweep, communicator, monkeypatch
):
    monkeypatch.setattr(reminders, "EMAIL_BATCH_SIZE", 4)
    communicators(9)  # 10 communicators and the handler: 11 e-mails
    question()

    assert sweep(ESCALATION).emails == 11

    messages = take_messages()
    assert [len(args[0]) for _, args in messages] == [4, 4, 3]
    ids = [pk for _, args in messages for pk in args[0]]
    assert sorted(ids) == sorted(ReminderEmail.objects.values_list("pk", flat=True))
    assert len(messages) == math.ceil(len(ids) / 4)


def test_emails_lost_while_the_broker_was_down_are_queued_again_in_batches(
    broker, question, sweep, employee, caplog
):
    communicators(28)  # 29 communicators and the handler: 30 e-mails
    question()
    with socket.socket() as probe:  # a port nothing listens on: the broker is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    broker(f"redis://127.0.0.1:{port}/0")

    with caplog.at_level(logging.WARNING):
        assert sweep(ESCALATION).emails == 30

    # One attempt to publish, not thirty, each waiting for the broker's timeout.
    assert caplog.text.count("Could not queue moderation.reminder_tasks.") == 1
    assert "30 reminder e-mails not queued" in caplog.text
    assert not ReminderEmail.objects.filter(sending_started_at__isnull=False).exists()

    broker.memory()  # the broker is back; the next sweep after the retry delay
    result = sweep(ESCALATION + timedelta(minutes=20))

    assert result.requeued == 30
    messages = take_messages()
    assert len(messages) == 1
    run(messages)
    assert len(mail.outbox) == 30
    assert sent_to().count(employee.email) == 1
    assert sweep(ESCALATION + timedelta(minutes=40)).requeued == 0
    assert take_messages() == []


# --- Sending a batch: each e-mail on its own -------------------------------------------------


@pytest.fixture
def batch(broker, question, sweep, communicator):
    """Four e-mails created and queued in one message: the handler's and three escalations."""
    communicators(2)
    question()
    sweep(ESCALATION)
    (message,) = take_messages()
    assert len(message[1][0]) == 4
    return message


REFUSED = ConnectionRefusedError("mail server says no")


def refusing(addresses, *, times=None, error=REFUSED):
    """A mail server (locmem backend) that refuses messages to `addresses`, `times` times."""
    calls = []
    send = EmailBackend.send_messages

    def send_messages(self, messages):
        to = messages[0].to[0]
        calls.append(to)
        if to in addresses and (times is None or calls.count(to) <= times):
            raise error
        return send(self, messages)

    send_messages.calls = calls
    return send_messages


def test_one_refused_email_is_retried_alone_and_the_others_sent_once(
    batch, employee, communicator, monkeypatch, caplog
):
    server = refusing({communicator.email}, times=1)
    monkeypatch.setattr(EmailBackend, "send_messages", server)

    # Run from the queued message; apply() runs the task's retry at once.
    with caplog.at_level(logging.INFO, logger="celery.app.trace"):
        run([batch])
    run([batch])  # the message delivered a second time

    assert "Retry in 60s" in caplog.text
    assert len(mail.outbox) == 4
    assert len(set(sent_to())) == 4
    # The refused one twice (refused, then its retry), every other one once.
    assert server.calls.count(communicator.email) == 2
    assert len(server.calls) == 5
    refused = ReminderEmail.objects.get(recipient=communicator)
    assert (refused.attempts, refused.last_error) == (2, "")
    assert set(ReminderEmail.objects.values_list("attempts", flat=True)) == {1, 2}
    assert not ReminderEmail.objects.filter(sent_at__isnull=True).exists()


def test_an_email_the_server_keeps_refusing_is_left_for_the_sweep_alone(
    batch, broker, sweep, communicator, monkeypatch
):
    monkeypatch.setattr(EmailBackend, "send_messages", refusing({communicator.email}))
    # The last retry fails quietly, as on a worker.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)

    run([batch])

    assert len(mail.outbox) == 3
    assert communicator.email not in sent_to()
    refused = ReminderEmail.objects.get(recipient=communicator)
    # The task's own attempts: 1 + EMAIL_MAX_RETRIES; released, not sent.
    assert (refused.attempts, refused.sending_started_at, refused.sent_at) == (4, None, None)
    assert "mail server says no" in refused.last_error
    assert ReminderEmail.objects.filter(sent_at__isnull=False).count() == 3
    assert set(ReminderEmail.objects.exclude(pk=refused.pk).values_list("attempts", flat=True)) == {
        1
    }

    # A later sweep queues that one again, and only that one.
    sweep(ESCALATION + timedelta(minutes=20))
    assert [args for _, args in take_messages()] == [[[refused.pk]]]


def test_an_email_that_cannot_be_built_does_not_stop_the_others(
    batch, broker, sweep, communicator, caplog
):
    # An address no mail can be written to (a header injection): not a mail server error.
    type(communicator).objects.filter(pk=communicator.pk).update(email="kerstin@example.se\nBcc: x")

    with caplog.at_level(logging.ERROR, logger="moderation.reminders"):
        run([batch])

    assert len(mail.outbox) == 3
    broken = ReminderEmail.objects.get(recipient=communicator)
    assert (broken.attempts, broken.sending_started_at, broken.sent_at) == (1, None, None)
    assert broken.last_error
    assert f"Reminder e-mail {broken.pk} failed" in caplog.text
    # Not retried by the task (it would fail the same way); the sweep takes it up again.
    assert take_messages() == []
    sweep(ESCALATION + timedelta(minutes=20))
    assert [args for _, args in take_messages()] == [[[broken.pk]]]


def test_a_batch_out_of_time_releases_the_email_being_sent_and_retries_the_rest(batch, monkeypatch):
    ids = batch[1][0]
    second = ReminderEmail.objects.select_related("recipient").get(pk=ids[1])
    server = refusing({second.recipient.email}, times=1, error=SoftTimeLimitExceeded())
    monkeypatch.setattr(EmailBackend, "send_messages", server)

    result = reminders.reminder_emails_send(email_ids=ids)

    assert result.sent == ids[:1]
    assert result.retry == ids[1:]
    second.refresh_from_db()
    assert (second.attempts, second.sending_started_at) == (1, None)
    assert not ReminderEmail.objects.filter(pk__in=ids[2:], attempts__gt=0).exists()

    run([batch])  # the retry, as the task would queue it (here: the whole message again)

    assert len(mail.outbox) == 4
    assert len(set(sent_to())) == 4


def test_the_single_email_task_of_earlier_versions_still_sends_once(batch, employee):
    """Messages queued before an upgrade name the old task; it still works."""
    email = ReminderEmail.objects.get(recipient=employee)

    name = "moderation.reminder_tasks.reminder_email_send_task"
    assert reminder_email_send_task.name == name
    assert name in app.tasks
    reminder_email_send_task.apply(args=[email.pk])
    run([batch])

    assert sent_to().count(employee.email) == 1
    assert len(mail.outbox) == 4
