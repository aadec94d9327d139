"""The weekly summary to communicators, and the one beat schedule."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail

from moderation import services
from moderation.models import ItemKind, ReminderEmail
from moderation.reminder_tasks import weekly_summary_task
from moderation.weekly_summary import summary_figures, week_label
from tests.factories import UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 17, 7, tzinfo=STOCKHOLM)


@pytest.fixture
def summary(django_capture_on_commit_callbacks):
    def run(at):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return weekly_summary_task.delay().get()

    return run


def test_each_communicator_gets_the_summary_once_a_week(summary, communicator, employee):
    from core import roles

    second = UserFactory(username="kalle", roles=[roles.COMMUNICATOR])

    assert summary(MONDAY) == 2
    assert summary(MONDAY + timedelta(minutes=5)) == 0  # a second beat, a redelivery
    assert summary(MONDAY + timedelta(days=2)) == 0  # same ISO week

    assert sorted(m.to[0] for m in mail.outbox) == sorted([communicator.email, second.email])
    assert set(ReminderEmail.objects.values_list("period", flat=True)) == {"2025-W12"}

    assert summary(MONDAY + timedelta(days=7)) == 2
    assert len(mail.outbox) == 4


def test_the_summary_lists_new_and_closed_channels_overdue_items_and_unreviewed(
    make_channel, communicator, employee, summary
):
    from channels.services.channels import channel_close

    with time_machine.travel(MONDAY - timedelta(days=400), tick=False):
        old = make_channel(display_name="Gamla kanalen")
    with time_machine.travel(MONDAY - timedelta(days=3), tick=False):
        new = make_channel(display_name="Nya kanalen")
        closing = make_channel(display_name="Stängda kanalen")
        channel_close(channel=closing, actor=communicator)
        services.item_register_manually(
            channel=new,
            actor=employee,
            data={"kind": ItemKind.COMMENT, "text": "Hallå?", "expects_answer": True},
        )

    figures = summary_figures(MONDAY)
    assert figures["week"] == "2025-W12"
    assert new in figures["new_channels"] and old not in figures["new_channels"]
    assert figures["closed_channels"] == [closing]
    assert figures["overdue_count"] == 1
    assert figures["overdue_by_channel"] == [{"channel": new, "count": 1}]
    assert figures["not_reviewed"] == [old]

    summary(MONDAY)
    body = mail.outbox[0].body
    for name in ("Nya kanalen", "Stängda kanalen", "Gamla kanalen"):
        assert name in body


def test_week_label_is_the_local_iso_week():
    # Sunday 23:30 in Stockholm is still week 11 though it is Monday nowhere yet.
    assert week_label(datetime(2025, 3, 16, 23, 30, tzinfo=STOCKHOLM)) == "2025-W11"
    assert week_label(datetime(2025, 12, 29, 8, tzinfo=STOCKHOLM)) == "2026-W01"


def test_one_schedule_holds_every_periodic_task(settings):
    from smedje_social.celery import app, declare_schedule

    app.loader.import_default_modules()  # what a worker does: autodiscover the tasks
    declare_schedule(app)
    schedule = app.conf.beat_schedule

    assert {
        "heartbeat",
        "archive-verify-chain",
        "archive-disposal",
        "reminder-sweep",
        "channel-review-reminders",
        "weekly-summary",
    } <= set(schedule)
    assert schedule["reminder-sweep"]["task"] == "moderation.reminder_tasks.reminder_sweep_task"
    assert schedule["reminder-sweep"]["schedule"] == settings.REMINDER_SWEEP_INTERVAL
    weekly = schedule["weekly-summary"]["schedule"]
    assert isinstance(weekly, crontab) and weekly.day_of_week == {1}
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
