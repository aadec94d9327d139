"""Tests for working-time arithmetic (response targets in Swedish office hours)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from holidays.countries.sweden import Sweden
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import workinghours
from moderation.workinghours import STOCKHOLM, WorkingCalendar, public_days_off

CAL = WorkingCalendar()
DAY = timedelta(hours=9)
HOUR = timedelta(hours=1)


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=STOCKHOLM)


# -- reference implementations: slow, obviously correct day-by-day walks -------------------


def _clock(t: time) -> timedelta:
    return datetime.combine(date.min, t) - datetime.combine(date.min, time())


def ref_between(cal: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    start, end = start.astimezone(cal.tz), end.astimezone(cal.tz)
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            since = start.time() if day == start.date() else time.min
            until = end.time() if day == end.date() else time.max
            lo, hi = max(since, cal.day_start), min(until, cal.day_end)
            if hi > lo:
                total += _clock(hi) - _clock(lo)
        day += timedelta(1)
    return total if end > start else timedelta(0)


def ref_add(cal: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    current = cal.next_working_moment(start)
    day, clock = current.date(), _clock(current.time())
    while True:
        if cal.is_working_day(day):
            available = _clock(cal.day_end) - clock
            if duration <= available:
                wall = datetime.combine(day, time()) + clock + duration
                return wall.replace(tzinfo=cal.tz)
            duration -= available
        day += timedelta(1)
        clock = _clock(cal.day_start)


# -- calendar: which days are working days -------------------------------------------------


def test_public_days_off_sweden_2026() -> None:
    assert public_days_off("SE", 2026) == {
        date(2026, 1, 1),  # Nyårsdagen
        date(2026, 1, 6),  # Trettondedag jul
        date(2026, 4, 3),  # Långfredagen
        date(2026, 4, 5),  # Påskdagen
        date(2026, 4, 6),  # Annandag påsk
        date(2026, 5, 1),  # Första maj
        date(2026, 5, 14),  # Kristi himmelsfärdsdag
        date(2026, 5, 24),  # Pingstdagen
        date(2026, 6, 6),  # Nationaldagen
        date(2026, 6, 19),  # Midsommarafton (de facto)
        date(2026, 6, 20),  # Midsommardagen
        date(2026, 10, 31),  # Alla helgons dag
        date(2026, 12, 24),  # Julafton (de facto)
        date(2026, 12, 25),  # Juldagen
        date(2026, 12, 26),  # Annandag jul
        date(2026, 12, 31),  # Nyårsafton (de facto)
    }


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 6, 19),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 31),
        date(2025, 6, 6),
        date(2026, 6, 6),  # Saturday
        date(2026, 3, 15),  # Sunday
    ],
)
def test_days_off(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 2),  # Skärtorsdagen: a half day for banks, a working day here
        date(2026, 4, 30),  # Valborgsmässoafton
        date(2026, 5, 15),  # klämdag after Ascension Day
        date(2026, 6, 18),  # day before Midsommarafton
        date(2026, 12, 23),
        date(2026, 12, 30),
        date(2026, 3, 16),  # ordinary Monday
    ],
)
def test_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_is_working_day_judges_aware_datetime_by_local_date() -> None:
    # 23:30 UTC on Thursday 18 June is already Midsommarafton in Stockholm.
    assert not CAL.is_working_day(datetime(2026, 6, 18, 23, 30, tzinfo=UTC))
    assert CAL.is_working_day(datetime(2026, 6, 18, 21, 30, tzinfo=UTC))


@pytest.fixture
def fresh_holiday_cache():
    public_days_off.cache_clear()
    yield
    public_days_off.cache_clear()


@pytest.mark.parametrize("language", ["sv", "en_US"])
def test_sunday_entries_from_holidays_are_ignored(
    monkeypatch: pytest.MonkeyPatch, fresh_holiday_cache: None, language: str
) -> None:
    # Emulate releases of `holidays` that list every Swedish Sunday as "Söndag".
    def with_sundays(country: str, years=None, categories=None) -> holidays.HolidayBase:
        return Sweden(years=years, categories=categories, language=language, include_sundays=True)

    real = public_days_off("SE", 2026)
    public_days_off.cache_clear()
    monkeypatch.setattr(workinghours.holidays, "country_holidays", with_sundays)
    assert date(2026, 3, 15) in with_sundays("SE", 2026)  # the emulation works

    assert public_days_off("SE", 2026) == real
    seven_days = WorkingCalendar(weekdays=range(7))
    assert seven_days.is_working_day(date(2026, 3, 15))
    assert not seven_days.is_working_day(date(2026, 4, 5))  # Påskdagen stays off


def test_sunday_working_calendar_keeps_sunday_holidays() -> None:
    cal = WorkingCalendar(weekdays=range(7))
    assert cal.is_working_day(date(2026, 3, 15))  # ordinary Sunday
    assert cal.is_working_day(date(2026, 6, 6)) is False  # Nationaldagen on a Saturday
    assert not cal.is_working_day(date(2026, 4, 5))  # Påskdagen
    assert not cal.is_working_day(date(2026, 5, 24))  # Pingstdagen


def test_eves_can_be_working_days() -> None:
    cal = WorkingCalendar(include_eves=False)
    assert cal.is_working_day(date(2026, 6, 19))
    assert cal.is_working_day(date(2026, 12, 24))
    assert cal.is_working_day(date(2026, 12, 31))
    assert not cal.is_working_day(date(2026, 12, 25))


def test_extra_days_off() -> None:
    cal = WorkingCalendar(extra_days_off=[date(2026, 5, 15)])
    assert not cal.is_working_day(date(2026, 5, 15))
    assert cal.days_off(2026) == public_days_off("SE", 2026) | {date(2026, 5, 15)}
    # Wednesday before Ascension Day: Thursday is a holiday, Friday taken off.
    assert cal.add_working_time(at(2026, 5, 13, 16), DAY) == at(2026, 5, 18, 16)


def test_no_country_means_no_public_holidays() -> None:
    cal = WorkingCalendar(country=None)
    assert cal.is_working_day(date(2026, 12, 25))
    assert not cal.is_working_day(date(2026, 12, 26))  # Saturday


# -- add_working_time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Evening: half an hour today, 8.5 h tomorrow.
        (at(2026, 3, 10, 16, 30), DAY, at(2026, 3, 11, 16, 30)),
        # After closing and at night: counting starts at the next opening.
        (at(2026, 3, 10, 18), DAY, at(2026, 3, 11, 17)),
        (at(2026, 3, 11, 3), DAY, at(2026, 3, 11, 17)),
        (at(2026, 3, 11, 7, 59), HOUR, at(2026, 3, 11, 9)),
        # Weekend.
        (at(2026, 3, 13, 16), DAY, at(2026, 3, 16, 16)),
        (at(2026, 3, 14, 11), DAY, at(2026, 3, 16, 17)),
        (at(2026, 3, 15, 23, 59), 2 * DAY, at(2026, 3, 17, 17)),
        # Running out exactly at closing time ends at closing, not at the next opening.
        (at(2026, 3, 10, 16, 30), timedelta(minutes=30), at(2026, 3, 10, 17)),
        (at(2026, 3, 10, 8), DAY, at(2026, 3, 10, 17)),
        (at(2026, 3, 13, 8), 2 * DAY, at(2026, 3, 16, 17)),
        # Zero duration: the start itself within hours, the next opening outside them.
        (at(2026, 3, 10, 12), timedelta(0), at(2026, 3, 10, 12)),
        (at(2026, 3, 10, 17), timedelta(0), at(2026, 3, 11, 8)),
        (at(2026, 3, 13, 17), timedelta(0), at(2026, 3, 16, 8)),
        # Midsummer 2026: Midsommarafton Friday 19 June, Midsommardagen Saturday 20 June.
        (at(2026, 6, 18, 16), DAY, at(2026, 6, 22, 16)),
        (at(2026, 6, 19, 14), DAY, at(2026, 6, 22, 17)),
        # Midsummer 2025: Midsommarafton Friday 20 June.
        (at(2025, 6, 19, 16), DAY, at(2025, 6, 23, 16)),
        # Christmas 2026: Thursday 24 and Friday 25 off, then the weekend.
        (at(2026, 12, 23, 16, 30), DAY, at(2026, 12, 28, 16, 30)),
        # New Year: Nyårsafton Thursday, Nyårsdagen Friday.
        (at(2026, 12, 30, 12), DAY, at(2027, 1, 4, 12)),
        # Trettondedag jul 2027 is a Wednesday.
        (at(2027, 1, 5, 12), DAY, at(2027, 1, 7, 12)),
        # Kristi himmelsfärdsdag (Thursday); the klämdag Friday is a working day.
        (at(2026, 5, 13, 16), DAY, at(2026, 5, 15, 16)),
        # Easter 2026: Långfredagen 3 April, Annandag påsk 6 April.
        (at(2026, 4, 2, 16), DAY, at(2026, 4, 7, 16)),
        # Första maj on a Friday.
        (at(2026, 4, 30, 16), DAY, at(2026, 5, 4, 16)),
        # Nationaldagen on a Friday (2025) and on a Saturday (2026, no effect).
        (at(2025, 6, 5, 16), DAY, at(2025, 6, 9, 16)),
        (at(2026, 6, 5, 16), DAY, at(2026, 6, 8, 16)),
        # Several working days: 3 days from Monday noon, across nothing special.
        (at(2026, 3, 9, 12), 3 * DAY, at(2026, 3, 12, 12)),
        # Ten working days spanning Christmas and New Year.
        (at(2026, 12, 21, 8), 10 * DAY, at(2027, 1, 8, 17)),
    ],
)
def test_add_working_time(start: datetime, duration: timedelta, due: datetime) -> None:
    result = CAL.add_working_time(start, duration)
    assert result == due
    assert result.utcoffset() == due.utcoffset()
    assert CAL.working_time_between(start, result) == duration


def test_add_working_time_returns_calendar_zone() -> None:
    # 15:30 UTC in March is 16:30 in Stockholm (CET).
    result = CAL.add_working_time(datetime(2026, 3, 10, 15, 30, tzinfo=UTC), DAY)
    assert result == at(2026, 3, 11, 16, 30)
    assert result.tzinfo is STOCKHOLM
    assert (result.hour, result.minute) == (16, 30)


def test_negative_duration_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(at(2026, 3, 10, 12), -HOUR)


def test_long_durations_skip_whole_weeks() -> None:
    start = at(2026, 3, 10, 12, 34)
    for days in (5, 6, 7, 49, 250, 2500):
        duration = CAL.working_days(days) + timedelta(minutes=7)
        result = CAL.add_working_time(start, duration)
        assert result == ref_add(CAL, start, duration)
        assert CAL.working_time_between(start, result) == duration
    # Exact multiples end at closing time of the last day.
    for days in (5, 6, 10, 250):
        result = CAL.add_working_time(at(2026, 3, 9, 8), CAL.working_days(days))
        assert result.time() == time(17)
        assert result == ref_add(CAL, at(2026, 3, 9, 8), CAL.working_days(days))


# -- working_time_between ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2026, 3, 10, 9), at(2026, 3, 10, 11, 30), timedelta(hours=2, minutes=30)),
        (at(2026, 3, 10, 6), at(2026, 3, 10, 20), DAY),
        (at(2026, 3, 10, 18), at(2026, 3, 11, 7), timedelta(0)),
        (at(2026, 3, 14, 9), at(2026, 3, 15, 16), timedelta(0)),  # weekend
        (at(2026, 3, 13, 16), at(2026, 3, 16, 9), 2 * HOUR),
        (at(2026, 3, 9, 8), at(2026, 3, 16, 8), 5 * DAY),
        (at(2026, 6, 18, 16), at(2026, 6, 22, 9), 2 * HOUR),  # Midsummer
        (at(2026, 12, 23, 12), at(2027, 1, 4, 12), timedelta(hours=5 + 3 * 9 + 4)),
        # End before start, and equal moments.
        (at(2026, 3, 11, 12), at(2026, 3, 10, 12), timedelta(0)),
        (at(2026, 3, 11, 12), at(2026, 3, 11, 12), timedelta(0)),
    ],
)
def test_working_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert CAL.working_time_between(start, end) == expected
    assert ref_between(CAL, start, end) == expected


def test_working_time_between_mixed_zones() -> None:
    # 07:00 UTC is 08:00 CET; 16:00 UTC is 17:00 CET.
    start = datetime(2026, 3, 10, 7, tzinfo=UTC)
    end = datetime(2026, 3, 10, 16, tzinfo=ZoneInfo("UTC"))
    assert CAL.working_time_between(start, end) == DAY


# -- summer time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("friday", "monday", "offset_before", "offset_after"),
    [
        # Summer time starts Sunday 29 March 2026, ends Sunday 25 October 2026.
        (date(2026, 3, 27), date(2026, 3, 30), HOUR, 2 * HOUR),
        (date(2026, 10, 23), date(2026, 10, 26), 2 * HOUR, HOUR),
    ],
)
def test_weekend_across_clock_change(
    friday: date, monday: date, offset_before: timedelta, offset_after: timedelta
) -> None:
    start = datetime.combine(friday, time(16), tzinfo=STOCKHOLM)
    monday_nine = datetime.combine(monday, time(9), tzinfo=STOCKHOLM)
    assert start.utcoffset() == offset_before
    assert monday_nine.utcoffset() == offset_after
    # Real elapsed time differs by an hour; working time is counted on the wall clock.
    # (Subtracting datetimes that share a tzinfo is wall-clock arithmetic; go through UTC.)
    real = monday_nine.astimezone(UTC) - start.astimezone(UTC)
    assert real == timedelta(hours=65) - (offset_after - offset_before)
    assert CAL.working_time_between(start, monday_nine) == 2 * HOUR

    due = CAL.add_working_time(start, DAY)
    assert due == datetime.combine(monday, time(16), tzinfo=STOCKHOLM)
    assert (due.hour, due.utcoffset()) == (16, offset_after)

    # A whole week across the change is still exactly five working days.
    week_start = datetime.combine(monday - timedelta(7), time(8), tzinfo=STOCKHOLM)
    assert CAL.working_time_between(week_start, monday_nine) == 5 * DAY + HOUR
    assert CAL.add_working_time(week_start, 5 * DAY) == datetime.combine(
        friday, time(17), tzinfo=STOCKHOLM
    )


def test_night_hours_across_clock_change_are_wall_clock() -> None:
    # Documented limitation: a calendar working through the night counts wall-clock hours.
    cal = WorkingCalendar(day_start=time(0), day_end=time(6), weekdays=range(7), country=None)
    sunday = date(2026, 3, 29)
    start = datetime.combine(sunday, time(0), tzinfo=STOCKHOLM)
    end = datetime.combine(sunday, time(6), tzinfo=STOCKHOLM)
    assert cal.working_time_between(start, end) == 6 * HOUR
    assert end.astimezone(UTC) - start.astimezone(UTC) == 5 * HOUR
    # 02:30 does not exist that night; the result is the real instant zoneinfo maps it to.
    due = cal.add_working_time(start, timedelta(hours=2, minutes=30))
    assert (due.hour, due.minute, due.utcoffset()) == (3, 30, 2 * HOUR)


# -- next_working_moment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 3, 10, 12), at(2026, 3, 10, 12)),
        (at(2026, 3, 10, 8), at(2026, 3, 10, 8)),
        (at(2026, 3, 10, 7), at(2026, 3, 10, 8)),
        (at(2026, 3, 10, 17), at(2026, 3, 11, 8)),
        (at(2026, 3, 13, 17, 1), at(2026, 3, 16, 8)),
        (at(2026, 3, 14, 10), at(2026, 3, 16, 8)),
        (at(2026, 6, 18, 17), at(2026, 6, 22, 8)),
        (at(2026, 12, 23, 22), at(2026, 12, 28, 8)),
    ],
)
def test_next_working_moment(moment: datetime, expected: datetime) -> None:
    assert CAL.next_working_moment(moment) == expected


# -- configuration -------------------------------------------------------------------------


def test_one_working_day() -> None:
    assert CAL.day_length == DAY
    assert CAL.working_days(1) == DAY
    assert CAL.working_days(0.5) == timedelta(hours=4, minutes=30)


def test_custom_hours_and_weekdays() -> None:
    cal = WorkingCalendar(day_start=time(9), day_end=time(15))
    assert cal.working_days(1) == timedelta(hours=6)
    assert cal.add_working_time(at(2026, 3, 13, 14), cal.working_days(1)) == at(2026, 3, 16, 14)
    assert cal.add_working_time(at(2026, 3, 10, 8), HOUR) == at(2026, 3, 10, 10)
    assert cal.working_time_between(at(2026, 3, 10, 8), at(2026, 3, 10, 16)) == 6 * HOUR

    tuesday_to_saturday = WorkingCalendar(
        day_start=time(9), day_end=time(15), weekdays=[1, 2, 3, 4, 5]
    )
    assert tuesday_to_saturday.is_working_day(date(2026, 3, 14))
    assert not tuesday_to_saturday.is_working_day(date(2026, 3, 16))
    assert tuesday_to_saturday.add_working_time(at(2026, 3, 13, 14), 6 * HOUR) == at(
        2026, 3, 14, 14
    )
    assert tuesday_to_saturday.add_working_time(at(2026, 3, 14, 14), 6 * HOUR) == at(
        2026, 3, 17, 14
    )

    one_day_a_week = WorkingCalendar(weekdays={2}, country=None)  # Wednesdays only
    assert one_day_a_week.add_working_time(at(2026, 3, 10, 12), 3 * DAY) == at(2026, 3, 25, 17)


def test_tz_by_name_and_immutability() -> None:
    cal = WorkingCalendar(tz="Europe/Stockholm", weekdays=[0, 1, 2, 3, 4])
    assert cal == CAL
    assert hash(cal) == hash(CAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.day_start = time(9)  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"day_start": time(17), "day_end": time(8)},
        {"day_start": time(8), "day_end": time(8)},
        {"weekdays": []},
        {"weekdays": [7]},
        {"country": "XX"},
    ],
)
def test_invalid_configuration(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(**kwargs)


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2026, 3, 10, 12)
    aware = at(2026, 3, 10, 12)
    with pytest.raises(ValueError, match="aware"):
        CAL.add_working_time(naive, DAY)
    with pytest.raises(ValueError, match="aware"):
        CAL.working_time_between(naive, aware)
    with pytest.raises(ValueError, match="aware"):
        CAL.working_time_between(aware, naive)
    with pytest.raises(ValueError, match="aware"):
        CAL.next_working_moment(naive)
    with pytest.raises(ValueError, match="aware"):
        CAL.is_working_day(naive)


# -- properties ----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2030, 12, 31, 23, 59),
    timezones=st.sampled_from([STOCKHOLM, UTC]),
    allow_imaginary=False,
)
durations = st.timedeltas(min_value=timedelta(0), max_value=30 * DAY)


@settings(max_examples=300, deadline=None)
@given(start=moments, duration=durations)
def test_between_inverts_add(start: datetime, duration: timedelta) -> None:
    inside = CAL.next_working_moment(start)
    assert CAL.working_time_between(inside, CAL.add_working_time(inside, duration)) == duration
    # Time before the first opening counts for nothing, so this holds from any start.
    due = CAL.add_working_time(start, duration)
    assert CAL.add_working_time(inside, duration) == due
    assert CAL.working_time_between(start, due) == duration
    assert due >= start


@settings(max_examples=200, deadline=None)
@given(start=moments, a=durations, b=durations)
def test_add_is_monotonic(start: datetime, a: timedelta, b: timedelta) -> None:
    short, long = sorted((a, b))
    assert CAL.add_working_time(start, short) <= CAL.add_working_time(start, long)


@settings(max_examples=200, deadline=None)
@given(start=moments, duration=durations)
def test_add_matches_day_by_day_walk(start: datetime, duration: timedelta) -> None:
    assert CAL.add_working_time(start, duration) == ref_add(CAL, start, duration)


@settings(max_examples=200, deadline=None)
@given(start=moments, span=st.timedeltas(min_value=-DAY, max_value=timedelta(days=120)))
def test_between_matches_day_by_day_walk(start: datetime, span: timedelta) -> None:
    end = start + span
    assert CAL.working_time_between(start, end) == ref_between(CAL, start, end)


@settings(max_examples=100, deadline=None)
@given(
    start=moments,
    duration=durations,
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    hours=st.tuples(st.integers(6, 11), st.integers(12, 20)),
)
def test_custom_calendars_match_day_by_day_walk(
    start: datetime, duration: timedelta, weekdays: frozenset[int], hours: tuple[int, int]
) -> None:
    cal = WorkingCalendar(day_start=time(hours[0]), day_end=time(hours[1]), weekdays=weekdays)
    due = cal.add_working_time(start, duration)
    assert due == ref_add(cal, start, duration)
    assert cal.working_time_between(start, due) == duration
