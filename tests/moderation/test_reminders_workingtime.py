"""Due times of arriving items, through the calendar built from settings.

Each item is registered through the service at a moment set with time_machine, so
`received_at` is that moment and `item_capture` gives the due time (one working day
by default: 9 h of 08:00-17:00 Europe/Stockholm, without Swedish holidays and eves).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from moderation import services
from moderation.models import ItemKind
from moderation.workinghours_settings import (
    calendar,
    default_response_target,
    due_at_for,
    escalation_delay,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")


def local(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=STOCKHOLM)


@pytest.fixture
def arrive(page_channel, employee):
    """Register a question on the page channel at `moment`; returns the item."""

    def register(moment, *, expects_answer=True, channel=None):
        with time_machine.travel(moment, tick=False):
            return services.item_register_manually(
                channel=channel or page_channel,
                actor=employee,
                data={
                    "kind": ItemKind.COMMENT,
                    "text": "När öppnar badhuset?",
                    "sender_name": "Frida Frågvis",
                    "expects_answer": expects_answer,
                },
            )

    return register


# --- The calendar from settings -------------------------------------------------------------


def test_defaults_are_office_hours_in_stockholm_with_swedish_holidays():
    cal = calendar()
    assert cal.tz.key == "Europe/Stockholm"
    assert (cal.day_start, cal.day_end) == (time(8), time(17))
    assert cal.weekdays == frozenset(range(5))
    assert default_response_target() == timedelta(hours=9)  # one working day
    assert escalation_delay() == timedelta(hours=9)
    assert not cal.is_working_day(date(2025, 6, 20))  # Midsummer Eve
    assert not cal.is_working_day(date(2025, 12, 24))  # Christmas Eve
    assert not cal.is_working_day(date(2025, 5, 29))  # Ascension Day


def test_the_calendar_follows_the_settings(settings):
    settings.WORKING_DAY_START = "07:30"
    settings.WORKING_DAY_END = "16:00"
    settings.WORKING_WEEKDAYS = [0, 1, 2, 3]
    settings.WORKING_EXTRA_DAYS_OFF = ["2025-05-30"]
    cal = calendar()
    assert (cal.day_start, cal.day_end) == (time(7, 30), time(16))
    assert not cal.is_working_day(date(2025, 6, 6))  # a Friday (and National Day)
    assert not cal.is_working_day(date(2025, 5, 30))  # the klämdag given as a day off
    # One working day is now 8.5 h, and so is the default target.
    assert default_response_target() == timedelta(hours=8, minutes=30)

    settings.RESPONSE_TARGET_WORKING_HOURS = 4
    settings.ESCALATION_AFTER_WORKING_HOURS = 2
    assert default_response_target() == timedelta(hours=4)
    assert escalation_delay() == timedelta(hours=2)


def test_without_eves_off_midsummer_eve_is_a_working_day(settings):
    settings.WORKING_EVES_OFF = False
    assert calendar().is_working_day(date(2025, 6, 20))


# --- Due times of arriving items ------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (local(2025, 3, 11, 10), local(2025, 3, 12, 10), "a working day later"),
        (local(2025, 3, 11, 20), local(2025, 3, 12, 17), "evening: counts from 08:00"),
        (local(2025, 3, 12, 6, 30), local(2025, 3, 12, 17), "early morning"),
        (local(2025, 3, 14, 15), local(2025, 3, 17, 15), "Friday afternoon: over the weekend"),
        (local(2025, 3, 15, 11), local(2025, 3, 17, 17), "Saturday"),
        (local(2025, 6, 19, 15), local(2025, 6, 23, 15), "before Midsummer Eve"),
        (local(2025, 6, 20, 14), local(2025, 6, 23, 17), "on Midsummer Eve (closed)"),
        (local(2025, 12, 23, 16), local(2025, 12, 29, 16), "over Christmas Eve to Boxing Day"),
        (local(2025, 5, 28, 10), local(2025, 5, 30, 10), "over Ascension Day"),
        (local(2025, 3, 28, 16), local(2025, 3, 31, 16), "over the change to summer time"),
        (local(2025, 10, 24, 12), local(2025, 10, 27, 12), "over the change to winter time"),
    ],
)
def test_an_arriving_question_is_due_one_working_day_later(arrive, received, due, why):
    item = arrive(received)

    assert item.received_at == received
    assert item.due_at == due, why
    assert item.next_reminder_step == "before"


def test_a_question_on_friday_afternoon_before_midsummer_is_due_on_the_next_working_day(
    arrive,
):
    # 2025-06-13 is an ordinary Friday; Midsummer Eve is the Friday after.
    item = arrive(local(2025, 6, 19, 14, 30))  # Thursday, the last working day that week

    assert item.due_at.date() == date(2025, 6, 23)  # Monday
    assert item.due_at == local(2025, 6, 23, 14, 30)


def test_summer_time_changes_shift_the_utc_offset_not_the_working_hours(arrive):
    spring = arrive(local(2025, 3, 28, 16))  # UTC+1 on arrival
    autumn = arrive(local(2025, 10, 24, 12))  # UTC+2 on arrival

    assert spring.due_at.astimezone(UTC) == datetime(2025, 3, 31, 14, tzinfo=UTC)  # UTC+2
    assert autumn.due_at.astimezone(UTC) == datetime(2025, 10, 27, 11, tzinfo=UTC)  # UTC+1


def test_the_first_reminder_is_at_three_quarters_of_the_target(arrive):
    item = arrive(local(2025, 3, 11, 10))

    # 9 h target: 6 h 45 min of working time after 10:00 is 16:45.
    assert item.next_reminder_at == local(2025, 3, 11, 16, 45)


def test_an_item_that_expects_no_answer_has_no_clock(arrive):
    item = arrive(local(2025, 3, 11, 10), expects_answer=False)

    assert item.due_at is None
    assert item.next_reminder_at is None
    assert item.next_reminder_step == ""


def test_the_channel_target_overrides_the_default(arrive, page_channel, communicator):
    from channels.services.channels import channel_update

    page_channel = channel_update(
        channel=page_channel,
        actor=communicator,
        data={"response_target": 4},
        expected_version=page_channel.version,
    )
    item = arrive(local(2025, 3, 11, 15), channel=page_channel)

    assert page_channel.response_target == 4
    assert item.due_at == local(2025, 3, 12, 10)  # 2 h on Tuesday, 2 h on Wednesday
    assert due_at_for(page_channel, local(2025, 3, 11, 15)) == item.due_at


def test_the_default_target_setting_applies_to_channels_without_their_own(arrive, settings):
    settings.RESPONSE_TARGET_WORKING_HOURS = 2

    item = arrive(local(2025, 3, 11, 16))

    assert item.due_at == local(2025, 3, 12, 9)
