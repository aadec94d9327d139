"""The figures of the dashboards under /oversikt/ (moderation/dashboards.py).

Each function costs a fixed number of queries whatever the amount of data: counts are
aggregated in the database, lists are cut (LIST_LIMIT) or paginated by the view, and the
answer times are read once for the chart's whole span and summarised in Python (working
time cannot be computed in SQL).

Time to first answer is measured in working time (moderation.workinghours_settings),
like the response targets, from `received_at` to the item's first `answered` event.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
)
from django.utils import timezone

from channels.models import Channel, ChannelApplication
from moderation import selectors
from moderation.models import Item, ItemEvent
from moderation.reminders import clock_running
from moderation.review_reminders import channels_not_reviewed
from moderation.workinghours import WorkingCalendar
from moderation.workinghours_settings import calendar, default_response_target, reminder_fraction

LIST_LIMIT = 50
ANSWER_DAYS = 30
CHART_WEEKS = 12


# --- The handler's items ----------------------------------------------------------------


class Urgency:
    """What the time left means; each has a colour and a text, never the colour alone."""

    OVERDUE = "overdue"
    SOON = "soon"
    ON_TIME = "on_time"
    STOPPED = "stopped"
    NONE = "none"


def handler_items(user, at: datetime | None = None):
    """Open items of the channels this user works now (own and as a substitute).

    Items whose clock runs first, the earliest due first; then those whose clock has
    stopped (forwarded), then those that expect no answer. `clock` tells whether the
    response clock runs.
    """
    channel_ids = selectors.channel_ids_handled_by(user, at)
    return (
        Item.objects.open()
        .in_channels(channel_ids)
        .with_related()
        .annotate(clock=clock_running())
        .annotate(
            running=ExpressionWrapper(
                Q(clock=True, due_at__isnull=False), output_field=BooleanField()
            )
        )
        .order_by("-running", F("due_at").asc(nulls_last=True), "received_at", "pk")
    )


@dataclass(frozen=True)
class TimeLeft:
    urgency: str
    # Working time left (negative: overdue by), None without a running clock.
    left: timedelta | None


def time_left(item, now: datetime, cal: WorkingCalendar | None = None) -> TimeLeft:
    """How much working time is left before the item's due time, and how urgent that is."""
    if item.due_at is None:
        return TimeLeft(Urgency.NONE, None)
    if not item.clock:
        return TimeLeft(Urgency.STOPPED, None)
    cal = cal or calendar()
    if item.due_at <= now:
        return TimeLeft(Urgency.OVERDUE, -cal.working_time_between(item.due_at, now))
    left = cal.working_time_between(now, item.due_at)
    target = cal.working_time_between(item.received_at, item.due_at)
    soon = left <= target * (1 - reminder_fraction())
    return TimeLeft(Urgency.SOON if soon else Urgency.ON_TIME, left)


# --- The communicator's overview --------------------------------------------------------


def first_answers(since: datetime) -> list[dict]:
    """Items first answered at or after `since`: received, answered, channel and unit.

    One query: answer events since then of items with no earlier answer, grouped by item.
    """
    earlier = ItemEvent.objects.filter(
        item=OuterRef("item_id"), kind=ItemEvent.Kind.ANSWERED, created_at__lt=since
    )
    return list(
        ItemEvent.objects.filter(kind=ItemEvent.Kind.ANSWERED, created_at__gte=since)
        .exclude(Exists(earlier))
        .values("item_id", "item__received_at", "item__channel_id", "item__channel__unit_id")
        .annotate(answered_at=Min("created_at"))
        .order_by()
    )


def _hours(td: timedelta) -> float:
    return td.total_seconds() / 3600


def _median_hours(durations) -> float | None:
    return round(_hours(statistics.median(durations)), 1) if durations else None


@dataclass
class AnswerTimes:
    median_hours: float | None
    count: int
    by_channel: dict[int, float | None]
    by_unit: dict[int, float | None]
    weeks: list[dict]


def answer_times(now: datetime, cal: WorkingCalendar | None = None) -> AnswerTimes:
    """Median working time to first answer over ANSWER_DAYS, and per week for the chart."""
    cal = cal or calendar()
    local_today = timezone.localtime(now).date()
    first_monday = local_today - timedelta(days=local_today.weekday(), weeks=CHART_WEEKS - 1)
    chart_start = timezone.make_aware(datetime.combine(first_monday, datetime.min.time()))
    window_start = now - timedelta(days=ANSWER_DAYS)
    rows = first_answers(min(chart_start, window_start))

    recent, by_channel, by_unit = [], defaultdict(list), defaultdict(list)
    by_week = defaultdict(list)
    for row in rows:
        took = cal.working_time_between(row["item__received_at"], row["answered_at"])
        if row["answered_at"] >= window_start:
            recent.append(took)
            by_channel[row["item__channel_id"]].append(took)
            by_unit[row["item__channel__unit_id"]].append(took)
        answered_day = timezone.localtime(row["answered_at"]).date()
        if answered_day >= first_monday:
            by_week[answered_day - timedelta(days=answered_day.weekday())].append(took)
    weeks = []
    for number in range(CHART_WEEKS):
        monday = first_monday + timedelta(weeks=number)
        durations = by_week.get(monday, [])
        weeks.append(
            {
                "monday": monday,
                "week": monday.isocalendar()[1],
                "count": len(durations),
                "median_hours": _median_hours(durations),
            }
        )
    return AnswerTimes(
        median_hours=_median_hours(recent),
        count=len(recent),
        by_channel={k: _median_hours(v) for k, v in by_channel.items()},
        by_unit={k: _median_hours(v) for k, v in by_unit.items()},
        weeks=weeks,
    )


def channel_overview(now: datetime, answers: AnswerTimes):
    """Per channel and per unit: open items (the queue's), overdue ones (clock running)
    and the median time to first answer over ANSWER_DAYS.

    Channels that have open items or recent answers are listed. Returns (channels,
    channel count, units): lists of dicts, the most overdue first; channels are cut at
    LIST_LIMIT, units are all units listed. Two queries.
    """
    counts = {
        row["channel_id"]: row
        for row in Item.objects.open()
        .values("channel_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=clock_running() & Q(due_at__lt=now)),
        )
        .order_by()
    }
    channel_ids = set(counts) | set(answers.by_channel)
    channels = Channel.objects.with_related().in_bulk(channel_ids)
    rows, units = [], {}
    for channel_id, channel in channels.items():
        count = counts.get(channel_id, {"open": 0, "overdue": 0})
        rows.append(
            {
                "channel": channel,
                "open": count["open"],
                "overdue": count["overdue"],
                "median_hours": answers.by_channel.get(channel_id),
            }
        )
        unit = units.setdefault(
            channel.unit_id,
            {
                "unit": channel.unit,
                "open": 0,
                "overdue": 0,
                "median_hours": answers.by_unit.get(channel.unit_id),
            },
        )
        unit["open"] += count["open"]
        unit["overdue"] += count["overdue"]
    rows.sort(key=lambda r: (-r["overdue"], -r["open"], r["channel"].display_name, r["channel"].pk))
    unit_rows = sorted(units.values(), key=lambda u: (-u["overdue"], -u["open"], u["unit"].name))
    return rows[:LIST_LIMIT], len(rows), unit_rows


# --- The chart --------------------------------------------------------------------------

CHART_WIDTH = 640
CHART_HEIGHT = 260
CHART_LEFT = 48
CHART_RIGHT = 12
CHART_TOP = 16
CHART_BOTTOM = 40


def answer_chart(weeks: list[dict], target_hours: float) -> dict:
    """Coordinates of a bar chart of the weekly medians, with the target as a line.

    Rendered as inline SVG by templates/dashboards/_answer_chart.html, next to a table
    with the same figures (the text alternative).
    """
    values = [w["median_hours"] for w in weeks if w["median_hours"] is not None]
    top = max([target_hours, *values]) * 1.15 or 1
    plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = plot_w / max(len(weeks), 1)

    def y(hours):
        return round(CHART_TOP + plot_h - hours / top * plot_h, 1)

    bars = []
    for index, week in enumerate(weeks):
        x = CHART_LEFT + index * slot
        value = week["median_hours"]
        bars.append(
            {
                **week,
                "x": round(x + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": y(value) if value is not None else y(0),
                "height": round(plot_h - (y(value) - CHART_TOP), 1) if value is not None else 0,
                "label_x": round(x + slot / 2, 1),
                "over_target": value is not None and value > target_hours,
            }
        )
    ticks = [{"value": round(top * share / 4, 1), "y": y(top * share / 4)} for share in range(0, 5)]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "baseline": y(0),
        "label_y": CHART_HEIGHT - CHART_BOTTOM + 18,
        "bars": bars,
        "ticks": ticks,
        "target": {"hours": round(target_hours, 1), "y": y(target_hours)},
    }


def default_target_hours() -> float:
    return round(_hours(default_response_target()), 1)


# --- Register work ----------------------------------------------------------------------


def applications_waiting_for_registration():
    return (
        ChannelApplication.objects.waiting_for_registration()
        .with_related()
        .order_by("decided_at", "pk")
    )


def not_reviewed(now: datetime):
    return channels_not_reviewed(now)
