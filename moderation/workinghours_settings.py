"""The working calendar and the response-time spans, built from settings.

`moderation.workinghours` is pure and knows nothing of Django; this module is the one
place that reads the WORKING_* and response-time settings (smedje_social/settings/base.py)
and turns them into a :class:`WorkingCalendar` and into spans of working time.

The calendar is cached per combination of settings values, so that tests which change a
setting get a calendar that follows it while production builds it once.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta

from django.conf import settings

from moderation.workinghours import WorkingCalendar


def _clock(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


@functools.lru_cache(maxsize=8)
def _build(tz, start, end, weekdays, country, eves, extra) -> WorkingCalendar:
    return WorkingCalendar(
        tz=tz,
        day_start=start,
        day_end=end,
        weekdays=weekdays,
        country=country,
        include_eves=eves,
        extra_days_off=extra,
    )


def calendar() -> WorkingCalendar:
    """The municipality's office hours, from the WORKING_* settings."""
    return _build(
        getattr(settings, "WORKING_TIME_ZONE", settings.TIME_ZONE),
        _clock(getattr(settings, "WORKING_DAY_START", "08:00")),
        _clock(getattr(settings, "WORKING_DAY_END", "17:00")),
        frozenset(int(d) for d in getattr(settings, "WORKING_WEEKDAYS", range(5))),
        getattr(settings, "WORKING_HOLIDAY_COUNTRY", "SE") or None,
        bool(getattr(settings, "WORKING_EVES_OFF", True)),
        frozenset(_day(d) for d in getattr(settings, "WORKING_EXTRA_DAYS_OFF", ()) if str(d)),
    )


def _hours_or_one_day(value, cal: WorkingCalendar) -> timedelta:
    return cal.day_length if value is None else timedelta(hours=float(value))


def default_response_target(cal: WorkingCalendar | None = None) -> timedelta:
    """RESPONSE_TARGET_WORKING_HOURS, or one working day when it is not set."""
    cal = cal or calendar()
    return _hours_or_one_day(getattr(settings, "RESPONSE_TARGET_WORKING_HOURS", None), cal)


def response_target(channel, cal: WorkingCalendar | None = None) -> timedelta:
    """The channel's own target in working hours, or the default."""
    if channel.response_target:
        return timedelta(hours=channel.response_target)
    return default_response_target(cal)


def escalation_delay(cal: WorkingCalendar | None = None) -> timedelta:
    """How far past the target the communicators are told (default one working day)."""
    cal = cal or calendar()
    return _hours_or_one_day(getattr(settings, "ESCALATION_AFTER_WORKING_HOURS", None), cal)


def reminder_fraction() -> float:
    return float(getattr(settings, "REMINDER_BEFORE_TARGET_FRACTION", 0.75))


def due_at_for(channel, received_at: datetime, cal: WorkingCalendar | None = None) -> datetime:
    """When an item received at `received_at` on `channel` should have been answered."""
    cal = cal or calendar()
    return cal.add_working_time(received_at, response_target(channel, cal))
