"""The sweep claims due items in bulk: its queries do not grow with the items that are due.

Questions are registered on the page channel (handler: `employee`) on Tuesday 2025-03-11
at 10:00; three quarters of the one-working-day target later, at 16:45, their "before"
step is due (see test_reminders_sweep.py).
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation import reminders, services
from moderation.models import Item, ItemKind, ItemReminder, ReminderEmail

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RECEIVED = datetime(2025, 3, 11, 10, tzinfo=STOCKHOLM)
BEFORE = datetime(2025, 3, 11, 16, 50, tzinfo=STOCKHOLM)
NEXT_DAY = timedelta(days=1)


@pytest.fixture
def questions(page_channel, employee):
    def register(count, *, at=RECEIVED):
        with time_machine.travel(at, tick=False):
            return [
                services.item_register_manually(
                    channel=page_channel,
                    actor=employee,
                    data={"kind": ItemKind.COMMENT, "text": f"Fråga {n}?", "expects_answer": True},
                )
                for n in range(count)
            ]

    return register


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    def sweep_at(at):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return reminders.reminders_sweep()

    return sweep_at


def test_claiming_3_or_33_due_items_costs_the_same_queries(
    questions, sweep, employee, django_assert_max_num_queries
):
    questions(3)
    with django_assert_max_num_queries(27) as three:
        assert sweep(BEFORE).claimed == {"before": 3}

    # A day later: 30 new questions at "before", the first 3 at "due".
    questions(30, at=RECEIVED + NEXT_DAY)
    with django_assert_max_num_queries(27) as thirty_three:
        assert sweep(BEFORE + NEXT_DAY).claimed == {"before": 30, "due": 3}

    assert len(thirty_three.captured_queries) == len(three.captured_queries)
    assert ItemReminder.objects.count() == 36
    assert [message.to for message in mail.outbox] == [[employee.email]] * 2


def test_due_items_beyond_a_batch_are_claimed_in_several_and_a_short_batch_ends_it(
    questions, sweep, employee, monkeypatch, caplog
):
    monkeypatch.setattr(reminders, "BATCH_SIZE", 2)
    items = questions(5)

    with (
        caplog.at_level(logging.INFO, logger="moderation.reminders"),
        CaptureQueriesContext(connection) as queries,
    ):
        result = sweep(BEFORE)

    assert result.claimed == {"before": 5}
    assert set(ItemReminder.objects.values_list("item", flat=True)) == {i.pk for i in items}
    # Batches of 2, 2 and 1: the short third one took the last due item, so no fourth read.
    assert "batch 3, claimed so far Counter({'before': 5})" in caplog.text
    reads = [q for q in queries.captured_queries if '"next_reminder_at" <=' in q["sql"]]
    assert len(reads) == 3
    assert ReminderEmail.objects.get().item_reminders.count() == 5
    assert [message.to for message in mail.outbox] == [[employee.email]]
    assert all(f"/{item.pk}/" in mail.outbox[0].body for item in items)

    # Nothing claimed twice by a later run.
    assert sweep(BEFORE + timedelta(minutes=5)).claimed == {}
    assert ItemReminder.objects.count() == 5


def test_a_step_another_sweep_claimed_meanwhile_is_not_counted_or_sent(
    questions, sweep, employee, monkeypatch
):
    """Two sweeps read the same items; the rows the other inserted first are theirs."""
    first, second = questions(2)
    # The other sweep claimed the first item's step after this one read it.
    ItemReminder.objects.create(item=first, step="before", run="0" * 32)
    both = Item.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    monkeypatch.setattr(
        reminders, "due_items", lambda now: both.annotate(handled=reminders._handled())
    )

    result = sweep(BEFORE)

    assert result.claimed == {"before": 1}
    mine = ItemReminder.objects.get(run=result.run)
    assert mine.item_id == second.pk
    email = ReminderEmail.objects.get(run=result.run)
    assert list(email.item_reminders.all()) == [mine]
