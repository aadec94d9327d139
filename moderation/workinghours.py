"""Working-time arithmetic for response targets.

A channel's response target is a span of *working time* (default: one working day), counted
in Europe/Stockholm office hours without Swedish public holidays (DESIGN.md, "Response
times"). This module answers the two questions the reminder tasks and the statistics need:

* when is an item due? -- :meth:`WorkingCalendar.add_working_time`
* how much working time passed between two moments? -- :meth:`WorkingCalendar.working_time_between`

It is pure Python and deliberately free of Django imports; the Django side builds a
:class:`WorkingCalendar` from settings.

Design
------

Working time is counted in **local wall-clock time, one day at a time**. A working day
contributes ``day_end - day_start`` (9 h by default) no matter whether the clocks change that
night: the changes to and from summer time happen on a Sunday at 02:00/03:00, outside any
office hours, so a handler's working day is always nine hours long. Moments are built with
``datetime.combine(day, time, tzinfo=tz)``; zoneinfo picks the right UTC offset for each date.

Working hours are the half-open interval ``[day_start, day_end)`` on each working day. A
start outside them begins counting at the next opening; a duration that runs out exactly at
closing time ends at ``day_end`` (the earliest moment it has elapsed), not at the next
opening.

Long spans are not walked day by day: whole weeks are skipped arithmetically (weeks times
working weekdays, minus the days off that fall in the span), so a year-long duration costs a
handful of steps.

All methods require timezone-aware datetimes (naive input raises ``ValueError``, because a
naive moment is ambiguous in a system that stores UTC) and return aware datetimes in the
calendar's ``tz``, whatever zone the input was in.

Swedish holidays
----------------

Public holidays come from the ``holidays`` package, cached per country, year and category
set. Two Swedish peculiarities are handled:

* **Sundays.** Swedish law counts every Sunday as a holiday, and older releases of
  ``holidays`` returned each Sunday as "Söndag"/"Sunday" (newer ones only with
  ``include_sundays=True``). A Sunday is a day off here only because of ``weekdays``; entries
  whose only name is the Sunday label are dropped, so a calendar that does work on Sundays
  still closes on Easter Sunday and Pentecost but not on ordinary Sundays.
* **Eves.** Midsommarafton, julafton and nyårsafton are not public holidays, but municipal
  offices are closed by collective agreement (and the Annual Leave Act, SFS 1977:480 § 7,
  treats them like Sundays). ``holidays`` files them under the ``de_facto`` category, which
  is included while ``include_eves`` is true (the default). Other half days (the afternoon
  before an eve, "klämdagar" such as the Friday after Ascension Day) are working days; a
  municipality that closes on them can list them in ``extra_days_off``.

Limitation: a calendar whose working hours contain the 02:00-03:00 summer-time gap or the
repeated hour in October (night work on a Sunday) still counts wall-clock hours; the skipped
hour then counts as working time and results falling into it are returned as the
corresponding real instant (one hour later on the clock).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import DE_FACTO, PUBLIC

__all__ = [
    "MONDAY_TO_FRIDAY",
    "STOCKHOLM",
    "WorkingCalendar",
    "public_days_off",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))
SUNDAY = 6

# Names under which `holidays` lists ordinary Sundays (Swedish default language, English).
_SUNDAY_LABELS = frozenset({"Söndag", "Sunday"})

_ZERO = timedelta(0)


@functools.lru_cache(maxsize=512)
def public_days_off(country: str, year: int, include_eves: bool = True) -> frozenset[date]:
    """Dates in ``year`` on which offices in ``country`` are closed, weekends aside.

    Ordinary Sundays are filtered out (see the module docstring); the ``de_facto`` category
    (Swedish eves) is added when ``include_eves`` is true and the country has one.
    """
    calendar = holidays.country_holidays(country, years=year)
    if include_eves and DE_FACTO in calendar.supported_categories:
        calendar = holidays.country_holidays(country, years=year, categories=(PUBLIC, DE_FACTO))
    days: set[date] = set()
    for day in calendar:
        if day.weekday() == SUNDAY and set(calendar.get_list(day)) <= _SUNDAY_LABELS:
            continue
        days.add(day)
    return frozenset(days)


def _clock(t: time) -> timedelta:
    """A wall-clock time as the span since midnight, so times can be subtracted."""
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


@dataclass(frozen=True)
class WorkingCalendar:
    """Office hours of one organisation, for counting working time.

    ``tz`` may also be given as a zone name; ``weekdays`` (Monday = 0) and
    ``extra_days_off`` accept any iterable. ``country=None`` disables public holidays.
    """

    tz: ZoneInfo = STOCKHOLM
    day_start: time = time(8, 0)
    day_end: time = time(17, 0)
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    country: str | None = "SE"
    include_eves: bool = True
    extra_days_off: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # Normalise convenient inputs (zone names, lists) so the instance stays hashable.
        if isinstance(self.tz, str):
            object.__setattr__(self, "tz", ZoneInfo(self.tz))
        if not isinstance(self.tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo, got {self.tz!r}")
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))

        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall-clock times; give naive times")
        if self.day_end <= self.day_start:
            raise ValueError("day_end must be later than day_start on the same day")
        if not self.weekdays:
            # Without any working weekday no deadline could ever be reached.
            raise ValueError("weekdays must contain at least one day")
        if not self.weekdays <= frozenset(range(7)):
            raise ValueError("weekdays must be integers 0 (Monday) to 6 (Sunday)")
        if any(isinstance(d, datetime) or not isinstance(d, date) for d in self.extra_days_off):
            raise TypeError("extra_days_off must contain dates")
        if self.country is not None:
            # Fail at construction (i.e. at settings load) rather than at the first reminder.
            try:
                holidays.country_holidays(self.country)
            except NotImplementedError as exc:
                raise ValueError(f"unknown holiday country {self.country!r}") from exc

    # -- sizes ---------------------------------------------------------------------------

    @property
    def day_length(self) -> timedelta:
        """Working time in one full working day (9 h for 08:00-17:00)."""
        return _clock(self.day_end) - _clock(self.day_start)

    def working_days(self, n: float) -> timedelta:
        """``n`` working days as working time; a one-working-day target is ``working_days(1)``."""
        return self.day_length * n

    # -- days ----------------------------------------------------------------------------

    def days_off(self, year: int) -> frozenset[date]:
        """Public holidays, eves and extra days off in ``year`` (weekends not included)."""
        return self._days_off_by_year(year)

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day. An aware datetime is judged by its local date."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        return d.weekday() in self.weekdays and d not in self._days_off_by_year(d.year)

    # -- moments -------------------------------------------------------------------------

    def next_working_moment(self, dt: datetime) -> datetime:
        """``dt`` itself if it lies within working hours, else the next opening time."""
        local = self._local(dt)
        day, clock = local.date(), local.time()
        if self.is_working_day(day):
            if self.day_start <= clock < self.day_end:
                return local
            if clock < self.day_start:
                return self._at(day, self.day_start)
        return self._at(self._nth_working_day_after(day, 1), self.day_start)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment at which ``duration`` of working time has elapsed after ``start``.

        Time outside working hours does not count. A zero duration returns ``start`` when it
        lies within working hours and the next opening otherwise.
        """
        if duration < _ZERO:
            raise ValueError("duration must not be negative")
        current = self.next_working_moment(start)
        if duration == _ZERO:
            return current
        day = current.date()
        left_today = _clock(self.day_end) - _clock(current.time())
        if duration <= left_today:
            return self._at_naive(datetime.combine(day, current.time()) + duration)

        remaining = duration - left_today
        full_days, rest = divmod(remaining, self.day_length)
        if rest:
            target = self._nth_working_day_after(day, full_days + 1)
            return self._at_naive(datetime.combine(target, self.day_start) + rest)
        # Ends exactly at closing time: closing is the earliest moment it has elapsed.
        return self._at(self._nth_working_day_after(day, full_days), self.day_end)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from ``start`` to ``end``; zero if ``end <= start``."""
        local_start, local_end = self._local(start), self._local(end)
        # Compare instants: datetimes sharing a tzinfo compare by wall clock, ignoring fold.
        if local_end.astimezone(UTC) <= local_start.astimezone(UTC):
            return _ZERO
        first, last = local_start.date(), local_end.date()
        if first == last:
            return self._worked_on(first, local_start.time(), local_end.time())
        return (
            self._worked_on(first, local_start.time(), self.day_end)
            + self.day_length * self._count_working_days(first + timedelta(1), last - timedelta(1))
            + self._worked_on(last, self.day_start, local_end.time())
        )

    # -- internals -----------------------------------------------------------------------

    @functools.cached_property
    def _extra_by_year(self) -> dict[int, frozenset[date]]:
        by_year: dict[int, set[date]] = {}
        for d in self.extra_days_off:
            by_year.setdefault(d.year, set()).add(d)
        return {year: frozenset(days) for year, days in by_year.items()}

    def _days_off_by_year(self, year: int) -> frozenset[date]:
        public = (
            public_days_off(self.country, year, self.include_eves)
            if self.country is not None
            else frozenset()
        )
        extra = self._extra_by_year.get(year)
        return public | extra if extra else public

    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"timezone-aware datetime required, got naive {dt!r}")
        return dt.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return self._at_naive(datetime.combine(day, clock))

    def _at_naive(self, wall: datetime) -> datetime:
        # Round-trip through UTC so that a wall time inside a DST gap comes back as the real
        # instant zoneinfo assigns to it (see the limitation in the module docstring).
        return wall.replace(tzinfo=self.tz).astimezone(UTC).astimezone(self.tz)

    def _worked_on(self, day: date, since: time, until: time) -> timedelta:
        """Working time on ``day`` between two wall-clock times of that day."""
        if not self.is_working_day(day):
            return _ZERO
        since, until = max(since, self.day_start), min(until, self.day_end)
        return max(_clock(until) - _clock(since), _ZERO)

    def _count_working_days(self, first: date, last: date) -> int:
        """Number of working days in ``first..last`` inclusive, without iterating days."""
        if last < first:
            return 0
        full_weeks, rest = divmod((last - first).days + 1, 7)
        count = full_weeks * len(self.weekdays)
        count += sum((first + timedelta(i)).weekday() in self.weekdays for i in range(rest))
        for year in range(first.year, last.year + 1):
            for d in self._days_off_by_year(year):
                if first <= d <= last and d.weekday() in self.weekdays:
                    count -= 1
        return count

    def _nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day strictly after ``day`` (``n >= 1``)."""
        per_week = len(self.weekdays)
        # Skip whole weeks. A span of w weeks has at most w * per_week working days, so with
        # w = (n - 1) // per_week at least one working day is always left to find day by day
        # (the answer is then the day found, not the end of the skipped span); days off only
        # make the loop take another round.
        while n > per_week:
            target = day + timedelta(weeks=(n - 1) // per_week)
            n -= self._count_working_days(day + timedelta(1), target)
            day = target
        while True:
            day += timedelta(1)
            if self.is_working_day(day):
                n -= 1
                if n <= 0:
                    return day
