"""The reminder sweep: each step to the right people, grouped, and never twice.

A question is registered on Tuesday 2025-03-11 at 10:00 on the page channel, whose
handler is `employee` (Anna). With the default one-working-day target:

* before (3/4 of 9 h)  Tuesday 16:45    → the handlers
* due                  Wednesday 10:00  → the handlers and the substitute of an absent one
* escalation (+9 h)    Thursday 10:00   → the communicators

Tasks run eagerly in the test process; the e-mail tasks are queued after commit, so
each sweep runs inside django_capture_on_commit_callbacks.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.services.channels import channel_set_handlers
from moderation import reminders, services
from moderation.models import (
    ContentRule,
    Item,
    ItemKind,
    ItemReminder,
    ItemSource,
    ReminderEmail,
    ReminderStep,
)
from moderation.reminder_tasks import reminder_email_send_task
from moderation.services.absences import absence_create
from moderation.services.actions import item_answer, item_forward, item_leave, item_unpublish
from moderation.services.items import ItemContent, item_capture

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=STOCKHOLM)


RECEIVED = local(2025, 3, 11, 10)
BEFORE_DUE = local(2025, 3, 11, 16, 30)
BEFORE = local(2025, 3, 11, 16, 50)
DUE = local(2025, 3, 12, 10, 5)
ESCALATION = local(2025, 3, 13, 10, 5)


@pytest.fixture
def question(page_channel, employee):
    """Register a question on a channel at a moment (default: RECEIVED, page channel)."""

    def register(*, at=RECEIVED, channel=None, actor=None, text="Hur bokar jag en bana?"):
        with time_machine.travel(at, tick=False):
            return services.item_register_manually(
                channel=channel or page_channel,
                actor=actor or employee,
                data={"kind": ItemKind.COMMENT, "text": text, "expects_answer": True},
            )

    return register


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run one sweep at `at`; the e-mail tasks it queues run unless execute=False."""

    def run(at, *, execute=True):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=execute),
        ):
            return reminders.reminders_sweep()

    return run


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def link(item):
    return f"http://127.0.0.1:8000{item.get_absolute_url()}"


# --- Each step to the right people -----------------------------------------------------------


def test_nothing_is_sent_before_three_quarters_of_the_target(question, sweep):
    question()

    result = sweep(BEFORE_DUE)

    assert mail.outbox == []
    assert not ItemReminder.objects.exists()
    assert result.emails == 0


def test_before_the_target_the_handlers_are_reminded(question, sweep, employee):
    item = question()

    result = sweep(BEFORE)

    assert recipients() == [employee.email]
    assert link(item) in mail.outbox[0].body
    assert result.claimed[ReminderStep.BEFORE] == 1
    reminder = ItemReminder.objects.get()
    assert (reminder.item, reminder.step) == (item, ReminderStep.BEFORE)
    assert reminder.dispatched_at is not None
    assert ReminderEmail.objects.get().sent_at is not None
    item.refresh_from_db()
    assert (item.next_reminder_step, item.next_reminder_at) == ("due", item.due_at)


def test_at_the_target_the_handlers_are_reminded_again(question, sweep, employee):
    question()
    sweep(BEFORE)
    mail.outbox.clear()

    sweep(DUE)

    assert recipients() == [employee.email]
    assert set(ItemReminder.objects.values_list("step", flat=True)) == {"before", "due"}


def test_past_the_target_the_communicators_get_an_escalation(
    question, sweep, communicator, employee
):
    item = question()
    sweep(BEFORE)
    sweep(DUE)
    mail.outbox.clear()

    sweep(local(2025, 3, 13, 9, 55))
    assert mail.outbox == []  # not yet a working day past the target

    sweep(ESCALATION)

    assert recipients() == [communicator.email]
    assert link(item) in mail.outbox[0].body
    assert "/oversikt/kommunikator/" in mail.outbox[0].body
    assert "/oversikt/mina-arenden/" not in mail.outbox[0].body  # not their own items
    item.refresh_from_db()
    assert (item.next_reminder_step, item.next_reminder_at) == ("", None)


def test_an_absent_handlers_substitute_gets_the_reminder_at_the_target(
    question, sweep, employee, other_employee, kultur_channel, communicator
):
    # Bertil shares the culture channel with Anna, so he may substitute for her.
    channel_set_handlers(
        channel=kultur_channel, actor=communicator, handlers=[other_employee, employee]
    )
    with time_machine.travel(local(2025, 3, 10, 9), tick=False):
        absence_create(
            user=employee,
            actor=employee,
            starts_at=local(2025, 3, 10, 8),
            ends_at=local(2025, 3, 21, 17),
            substitute=other_employee,
        )
    question()

    sweep(BEFORE)
    assert recipients() == [employee.email]  # before the target: the handlers only
    mail.outbox.clear()

    sweep(DUE)

    assert recipients() == [employee.email, other_employee.email]
    substitute_mail = next(m for m in mail.outbox if m.to == [other_employee.email])
    assert "Hur bokar jag en bana?" not in substitute_mail.subject
    assert ReminderEmail.objects.filter(recipient=other_employee).count() == 1


def test_a_sweep_that_runs_late_sends_the_latest_step_to_each(
    question, sweep, employee, communicator
):
    question()

    result = sweep(ESCALATION)  # the scheduler was down for two days

    assert recipients() == [employee.email, communicator.email]
    assert set(ItemReminder.objects.values_list("step", flat=True)) == {"due", "escalation"}
    assert result.claimed == {"due": 1, "escalation": 1}


def test_each_person_gets_one_email_per_run_listing_all_their_items(
    question, sweep, employee, other_employee, kultur_channel, communicator
):
    channel_set_handlers(
        channel=kultur_channel, actor=communicator, handlers=[other_employee, employee]
    )
    items = [
        question(at=RECEIVED),
        question(at=RECEIVED + timedelta(minutes=5), text="Och i helgen?"),
        question(at=RECEIVED, channel=kultur_channel, actor=other_employee),
    ]

    sweep(BEFORE + timedelta(minutes=10))

    assert recipients() == [employee.email, other_employee.email]
    anna = next(m for m in mail.outbox if m.to == [employee.email])
    assert all(link(item) in anna.body for item in items)
    bertil = next(m for m in mail.outbox if m.to == [other_employee.email])
    assert link(items[2]) in bertil.body and link(items[0]) not in bertil.body
    assert "3" in anna.subject


# --- The clock stops -------------------------------------------------------------------------


def _answer(item, actor):
    item_answer(item=item, actor=actor, expected_version=item.version, text="Via webben.")


def _forward(item, actor):
    item_forward(item=item, actor=actor, expected_version=item.version, to_email="bad@example.se")


def _leave(item, actor):
    item_leave(item=item, actor=actor, expected_version=item.version)


def _unpublish(item, actor):
    item_unpublish(
        item=item,
        actor=actor,
        expected_version=item.version,
        rules=[ContentRule.objects.order_by("pk").first()],
    )


@pytest.mark.parametrize("action", [_answer, _forward, _leave, _unpublish])
def test_answering_forwarding_leaving_or_removing_stops_the_clock(
    question, sweep, employee, action, django_capture_on_commit_callbacks
):
    item = question()
    with time_machine.travel(RECEIVED + timedelta(hours=1), tick=False):
        action(Item.objects.get(pk=item.pk), employee)
    mail.outbox.clear()

    sweep(ESCALATION)

    assert mail.outbox == []
    assert not ItemReminder.objects.exists()
    assert not reminders.overdue_items(ESCALATION).exists()


def test_an_item_back_in_the_queue_after_an_answer_is_not_reminded_about(question, sweep, employee):
    item = question()
    with time_machine.travel(RECEIVED + timedelta(hours=1), tick=False):
        _answer(item, employee)
    # Back to open as the queue does after an edit on the platform.
    Item.objects.filter(pk=item.pk).update(state="open")

    sweep(ESCALATION)

    assert mail.outbox == []
    item.refresh_from_db()
    assert item.next_reminder_at is None  # the sweep stopped its clock for good


def test_an_item_answered_after_the_claim_is_left_out_of_the_email(question, sweep, employee):
    item = question()
    sweep(BEFORE, execute=False)  # claimed and e-mail created; the task has not run yet
    with time_machine.travel(BEFORE + timedelta(minutes=1), tick=False):
        _answer(item, employee)

    reminder_email_send_task.delay(ReminderEmail.objects.get().pk)

    assert mail.outbox == []
    assert ReminderEmail.objects.get().sent_at is not None  # nothing left to say


# --- Never twice -----------------------------------------------------------------------------


def test_repeated_runs_send_nothing_twice(question, sweep, employee):
    question()

    for minutes in (0, 1, 5, 10):
        sweep(BEFORE + timedelta(minutes=minutes))

    assert recipients() == [employee.email]
    assert ItemReminder.objects.count() == 1


def test_a_task_delivered_twice_sends_once(question, sweep, employee):
    question()
    sweep(BEFORE, execute=False)
    email = ReminderEmail.objects.get()

    reminder_email_send_task.delay(email.pk)
    reminder_email_send_task.delay(email.pk)
    assert reminders.reminder_email_send(email_id=email.pk) is False

    assert recipients() == [employee.email]
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_second_sweep_that_read_the_same_items_claims_nothing(
    question, sweep, employee, monkeypatch
):
    """Two beat processes: both read the item before either commits; the row decides."""
    item = question()
    stale = Item.objects.get(pk=item.pk)  # what the second sweep read
    sweep(BEFORE)
    assert recipients() == [employee.email]
    # The second sweep's read, as it was before the first committed: the item still at
    # "before" and no reminder row visible to it.
    Item.objects.filter(pk=item.pk).update(
        next_reminder_step=stale.next_reminder_step, next_reminder_at=stale.next_reminder_at
    )
    monkeypatch.setattr(
        reminders,
        "due_items",
        lambda now: Item.objects.filter(pk=item.pk).annotate(handled=reminders._handled()),
    )

    result = sweep(BEFORE + timedelta(minutes=1))

    assert result.claimed == {}
    assert result.emails == 0
    assert recipients() == [employee.email]
    assert ItemReminder.objects.count() == 1


def test_the_database_refuses_a_second_row_for_an_item_and_step(question):
    item = question()
    ItemReminder.objects.create(item=item, step=ReminderStep.BEFORE, run="0" * 32)

    with pytest.raises(IntegrityError), transaction.atomic():
        ItemReminder.objects.create(item=item, step=ReminderStep.BEFORE, run="1" * 32)


def test_claims_left_by_a_crashed_sweep_are_sent_by_a_later_one(
    question, sweep, employee, monkeypatch
):
    question()
    original = reminders.reminders_dispatch
    monkeypatch.setattr(reminders, "reminders_dispatch", _crash)
    with pytest.raises(RuntimeError):
        sweep(BEFORE)
    assert ItemReminder.objects.get().dispatched_at is None
    monkeypatch.setattr(reminders, "reminders_dispatch", original)

    sweep(BEFORE + timedelta(minutes=5))  # not yet stale: another sweep may be at it
    assert mail.outbox == []

    sweep(BEFORE + timedelta(minutes=20))

    assert recipients() == [employee.email]
    assert ItemReminder.objects.get().dispatched_at is not None


def _crash(**kwargs):
    raise RuntimeError("the worker died")


def test_an_email_whose_task_was_lost_is_queued_again(question, sweep, employee):
    question()
    sweep(BEFORE, execute=False)  # the task never reached a worker
    assert mail.outbox == []

    sweep(BEFORE + timedelta(minutes=5))
    assert mail.outbox == []  # too early to tell it was lost

    result = sweep(BEFORE + timedelta(minutes=20))

    assert result.requeued == 1
    assert recipients() == [employee.email]
    sweep(BEFORE + timedelta(minutes=40))
    assert recipients() == [employee.email]


def test_an_email_whose_sending_never_finished_is_not_sent_again(question, sweep, caplog, employee):
    question()
    sweep(BEFORE, execute=False)
    # A worker took it and died while talking to the mail server: it may have gone out.
    ReminderEmail.objects.update(sending_started_at=BEFORE, attempts=1)

    with caplog.at_level(logging.WARNING, logger="moderation.reminders"):
        sweep(BEFORE + timedelta(minutes=30))

    assert mail.outbox == []
    assert "never finished" in caplog.text


def test_a_mail_server_error_is_retried_and_the_email_sent_once(
    question, sweep, employee, monkeypatch, caplog
):
    from django.core.mail.backends.locmem import EmailBackend

    calls = []
    send = EmailBackend.send_messages

    def flaky(self, messages):
        calls.append(messages)
        if len(calls) == 1:
            raise ConnectionRefusedError("mail server down")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    question()
    sweep(BEFORE, execute=False)
    email = ReminderEmail.objects.get()

    # apply() runs the task's retry at once (a worker would wait for the countdown).
    with caplog.at_level(logging.INFO, logger="celery.app.trace"):
        result = reminder_email_send_task.apply(args=[email.pk], throw=False)
    reminder_email_send_task.apply(args=[email.pk], throw=False)  # a duplicate delivery

    assert "Retry in 60s" in caplog.text
    assert result.state == "SUCCESS"
    assert len(calls) == 2
    assert recipients() == [employee.email]
    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (2, "")
    assert email.sent_at is not None


def test_attempts_are_bounded(question, sweep, monkeypatch, django_capture_on_commit_callbacks):
    from django.core.mail.backends.locmem import EmailBackend

    from smedje_social.celery import app

    def down(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    # The eager retries run nested; let the last one fail quietly, as on a worker.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    question()
    sweep(BEFORE, execute=False)
    email = ReminderEmail.objects.get()

    # The task's own retries: 1 + EMAIL_MAX_RETRIES attempts, then it gives up.
    result = reminder_email_send_task.apply(args=[email.pk], throw=False)
    assert result.state == "FAILURE"
    email.refresh_from_db()
    assert (email.attempts, email.sending_started_at, email.sent_at) == (4, None, None)
    assert "mail server down" in email.last_error

    # A later sweep queues it once more; that is the last attempt.
    with (
        time_machine.travel(BEFORE + timedelta(minutes=20), tick=False),
        django_capture_on_commit_callbacks() as queued,
    ):
        assert reminders.reminder_emails_requeue() == 1
    assert len(queued) == 1
    reminder_email_send_task.apply(args=[email.pk], throw=False)
    with time_machine.travel(BEFORE + timedelta(hours=2), tick=False):
        assert reminders.reminder_emails_requeue() == 0

    email.refresh_from_db()
    assert email.attempts == reminders.EMAIL_MAX_ATTEMPTS
    assert email.sent_at is None
    assert mail.outbox == []


# --- Catching up, the command ---------------------------------------------------------------


def test_a_remark_edited_into_a_question_gets_a_due_time_in_the_next_sweep(
    page_channel, sweep, employee
):
    def capture(text, expects_answer, edited=False):
        return item_capture(
            channel=page_channel,
            content=ItemContent(
                kind=ItemKind.COMMENT, external_id="c1", text=text, expects_answer=expects_answer
            ),
            source=ItemSource.API,
            edited=edited,
        )

    with time_machine.travel(RECEIVED, tick=False):
        item = capture("Fint väder.", False).item
    with time_machine.travel(RECEIVED + timedelta(hours=1), tick=False):
        capture("Fint väder. Är badet öppet?", True, edited=True)
    item.refresh_from_db()
    assert (item.expects_answer, item.due_at) == (True, None)

    result = sweep(BEFORE)

    item.refresh_from_db()
    assert result.clocks_started == 1
    assert item.due_at == local(2025, 3, 12, 10)
    assert recipients() == [employee.email]


def test_send_reminders_runs_one_sweep(question, employee, django_capture_on_commit_callbacks):
    from io import StringIO

    question()
    out = StringIO()
    with (
        time_machine.travel(BEFORE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_reminders", stdout=out)

    assert "before: 1" in out.getvalue()
    assert recipients() == [employee.email]


# --- Cost --------------------------------------------------------------------------------------


def _not_yet_due(channel, count):
    """`count` questions received now, due tomorrow: bulk, as the volume is the point."""
    now = timezone.now()
    items = []
    for number in range(count):
        item = Item(
            channel=channel,
            kind=ItemKind.COMMENT,
            external_id=f"later-{number}",
            text="Senare",
            expects_answer=True,
            source=ItemSource.API,
            received_at=now,
        )
        reminders.response_clock_start(item)
        items.append(item)
    Item.objects.bulk_create(items, batch_size=500)


@pytest.mark.parametrize("waiting", [200, 2000])
def test_the_sweeps_queries_do_not_depend_on_items_not_yet_due(
    question, sweep, page_channel, waiting, django_assert_max_num_queries
):
    for minutes in range(5):
        question(text=f"Fråga {minutes}", at=RECEIVED + timedelta(minutes=minutes))
    with time_machine.travel(BEFORE + timedelta(minutes=10), tick=False):
        _not_yet_due(page_channel, waiting)

    # 24 queries whatever the number waiting, with SQLite's savepoints (tests run inside a
    # transaction): the catch-up read (3 with savepoint and release); one claim batch:
    # read, insert, the batch's new rows, update (6), and no second batch (the first was
    # short); dispatch: read, handlers, absences, users, e-mails, links, mark (9); requeue:
    # ids and the uncertain count (2); the e-mail task: take, load, its reminders, mark
    # sent (4). Headroom of 3.
    with django_assert_max_num_queries(27):
        result = sweep(BEFORE + timedelta(minutes=10))

    assert result.claimed == {"before": 5}
    assert len(mail.outbox) == 1
