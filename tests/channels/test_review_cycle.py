"""The annual review cycle: handlers a month before and at the date, then the unit's
managers, then the flag on the communicators' dashboard; confirming starts a new period.

The channel is published on 2024-03-01 at 10:00 (publishing is the first confirmation),
so with the default period of 365 days its review date is 2025-03-01 10:00.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from channels.permissions import deciding_manager_ids, deciding_managers
from channels.services.channels import channel_confirm_review
from moderation.models import ReminderEmail, ReviewReminder, ReviewStep
from moderation.review_reminders import (
    channels_not_reviewed,
    review_recipients,
    review_reminders_sweep,
)
from tests.factories import UnitFactory, UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=STOCKHOLM)


PUBLISHED = local(2024, 3, 1, 10)
REVIEW_DATE = local(2025, 3, 1, 10)


@pytest.fixture
def channel(make_channel):
    with time_machine.travel(PUBLISHED, tick=False):
        return make_channel(display_name="Biblioteket på Facebook")


@pytest.fixture
def review(django_capture_on_commit_callbacks):
    def run(at):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return review_reminders_sweep()

    return run


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_publishing_counts_as_the_first_confirmation(channel):
    assert channel.last_confirmed_at == PUBLISHED


def test_nothing_is_sent_until_a_month_before_the_date(channel, review):
    review(REVIEW_DATE - timedelta(days=31))

    assert mail.outbox == []
    assert not ReviewReminder.objects.exists()


def test_the_handlers_are_reminded_a_month_before(channel, review, employee):
    result = review(REVIEW_DATE - timedelta(days=29))

    assert recipients() == [employee.email]
    message = mail.outbox[0]
    assert channel.display_name in message.body
    assert f"/register/kanaler/{channel.pk}/" in message.body
    assert "2025-03-01" in message.body
    assert result.claimed == {ReviewStep.NOTICE: 1}


def test_the_full_cycle_handlers_then_managers_then_the_flag(
    channel, review, employee, manager, communicator
):
    review(REVIEW_DATE - timedelta(days=29))
    assert recipients() == [employee.email]
    mail.outbox.clear()

    review(REVIEW_DATE + timedelta(hours=1))
    assert recipients() == [employee.email]  # at the date: the handlers again
    mail.outbox.clear()

    review(REVIEW_DATE + timedelta(days=13))
    assert mail.outbox == []  # the managers' turn has not come

    review(REVIEW_DATE + timedelta(days=14, hours=1))
    assert recipients() == [manager.email]  # the unit's manager
    assert "Biblioteket på Facebook" in mail.outbox[0].body
    mail.outbox.clear()

    assert list(channels_not_reviewed(REVIEW_DATE + timedelta(days=27))) == []
    flagged = list(channels_not_reviewed(REVIEW_DATE + timedelta(days=28, hours=1)))
    assert flagged == [channel]

    review(REVIEW_DATE + timedelta(days=40))
    assert mail.outbox == []  # every step once
    assert sorted(ReviewReminder.objects.values_list("step", flat=True)) == [
        "due",
        "managers",
        "notice",
    ]
    assert not ReminderEmail.objects.filter(recipient=communicator).exists()


def test_repeated_runs_remind_once_per_step(channel, review, employee):
    for hours in (0, 1, 24, 48):
        review(REVIEW_DATE - timedelta(days=29) + timedelta(hours=hours))

    assert recipients() == [employee.email]
    assert ReviewReminder.objects.count() == 1


def test_a_channel_first_seen_after_its_date_gets_the_date_reminder_not_the_notice(
    channel, review, employee
):
    review(REVIEW_DATE + timedelta(days=2))

    assert recipients() == [employee.email]
    assert list(ReviewReminder.objects.values_list("step", flat=True)) == ["due"]


def test_confirming_records_who_and_when_and_starts_a_new_period(
    channel, review, employee, manager
):
    review(REVIEW_DATE + timedelta(days=1))
    mail.outbox.clear()
    confirmed_at = REVIEW_DATE + timedelta(days=3)
    with time_machine.travel(confirmed_at, tick=False):
        channel = channel_confirm_review(channel=channel, actor=employee)

    assert (channel.last_confirmed_at, channel.last_confirmed_by) == (confirmed_at, employee)
    review(REVIEW_DATE + timedelta(days=20))
    assert mail.outbox == []  # no managers' reminder for a confirmed channel
    assert list(channels_not_reviewed(REVIEW_DATE + timedelta(days=60))) == []

    # The new period's notice comes a month before the next date.
    review(confirmed_at + timedelta(days=365 - 31))
    assert mail.outbox == []
    review(confirmed_at + timedelta(days=365 - 29))
    assert recipients() == [employee.email]
    assert ReviewReminder.objects.filter(period_start=confirmed_at).count() == 1


def test_a_channel_confirmed_after_the_claim_is_left_out_of_the_email(
    channel, employee, django_capture_on_commit_callbacks
):
    from moderation.reminder_tasks import reminder_email_send_task

    with (
        time_machine.travel(REVIEW_DATE - timedelta(days=29), tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        review_reminders_sweep()
    with time_machine.travel(REVIEW_DATE - timedelta(days=28), tick=False):
        channel_confirm_review(channel=channel, actor=employee)

    reminder_email_send_task.delay(ReminderEmail.objects.get().pk)

    assert mail.outbox == []


def test_closed_and_unpublished_channels_are_not_reviewed(channel, review, communicator):
    from channels.services.channels import channel_unpublish

    with time_machine.travel(REVIEW_DATE - timedelta(days=40), tick=False):
        channel_unpublish(channel=channel, actor=communicator)

    review(REVIEW_DATE + timedelta(days=30))

    assert mail.outbox == []
    assert list(channels_not_reviewed(REVIEW_DATE + timedelta(days=30))) == []


def test_the_period_is_configurable(channel, review, settings, employee):
    settings.CHANNEL_REVIEW_PERIOD_DAYS = 180
    settings.CHANNEL_REVIEW_NOTICE_DAYS = 10

    review(PUBLISHED + timedelta(days=169))
    assert mail.outbox == []
    review(PUBLISHED + timedelta(days=171))
    assert recipients() == [employee.email]


def test_deciding_manager_ids_follow_the_same_rule_as_deciding_managers(unit, manager):
    retired = UserFactory(username="pensionar", is_active=False)
    child = UnitFactory(name="Filialen", slug="filialen", parent=unit)  # no managers
    grandchild = UnitFactory(name="Bokbussen", slug="bokbussen", parent=child)
    inactive_only = UnitFactory(name="Arkivet", slug="arkivet", parent=unit, managers=[retired])
    orphan = UnitFactory(name="Fristående", slug="fristaende")  # nobody decides

    units = [unit, child, grandchild, inactive_only, orphan]
    by_id = deciding_manager_ids({u.pk for u in units})

    assert by_id == {u.pk: [m.pk for m in deciding_managers(u)] for u in units}
    assert by_id[grandchild.pk] == [manager.pk]
    assert by_id[inactive_only.pk] == []  # its own (inactive) manager decides, not the parent's
    assert by_id[orphan.pk] == []


@pytest.mark.parametrize("units", [1, 5])
def test_the_managers_step_finds_managers_in_a_fixed_number_of_queries(
    units, unit, manager, make_channel, django_assert_max_num_queries
):
    # Units first: the manager caches which units they decide for.
    children = [
        UnitFactory(name=f"Enhet {n}", slug=f"enhet-{n}", parent=unit) for n in range(units)
    ]
    channels = [make_channel(unit=child) for child in children]
    rows = [
        ReviewReminder(channel=channel, step=ReviewStep.MANAGERS, period_start=PUBLISHED)
        for channel in channels
    ]
    # One query for the channels' handlers, two for the unit tree and its managers,
    # however many units the rows span.
    with django_assert_max_num_queries(3):
        by_user = review_recipients(rows)

    assert by_user == {manager.pk: rows}
