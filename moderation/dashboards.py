"""The dashboards under /oversikt/ (namespace `dashboards`).

* `handler` — "Mina ärenden": the open items of the channels the user works now (own
  channels and those of absent handlers they substitute for), each with the working
  time left, shown as colour *and* text.
* `communicator` — per channel and unit the open and overdue items and the median time
  to first answer, channels not reviewed, applications waiting to be registered, and a
  chart of answer times per week drawn on the server as SVG with a table of its figures.

Thin views: the figures come from moderation.dashboard_selectors; what a user may not
see answers 404.
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import dashboard_selectors as figures
from moderation import permissions
from moderation.dashboard_selectors import Urgency
from moderation.models import ItemState
from moderation.reminders import overdue_items
from moderation.workinghours_settings import calendar

PAGE_SIZE = 50

# Bootstrap classes with enough contrast for their text (WCAG AA), per urgency.
URGENCY_CLASSES = {
    Urgency.OVERDUE: "text-bg-danger",
    Urgency.SOON: "text-bg-warning",
    Urgency.ON_TIME: "text-bg-success",
    Urgency.STOPPED: "text-bg-secondary",
    Urgency.NONE: "text-bg-light border",
}


def format_working_time(span: timedelta) -> str:
    minutes = int(abs(span).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


def describe_time_left(item, left: figures.TimeLeft) -> str:
    """The text that says what the colour says."""
    if left.urgency == Urgency.OVERDUE:
        return _("Overdue by %(time)s of working time") % {"time": format_working_time(left.left)}
    if left.urgency == Urgency.SOON:
        return _("Due soon: %(time)s of working time left") % {
            "time": format_working_time(left.left)
        }
    if left.urgency == Urgency.ON_TIME:
        return _("On time: %(time)s of working time left") % {
            "time": format_working_time(left.left)
        }
    if left.urgency == Urgency.STOPPED:
        if item.state == ItemState.FORWARDED:
            return _("Forwarded: the clock is stopped")
        return _("Handled before: the clock is stopped")
    return _("No answer expected")


@login_required
def handler_dashboard(request):
    if not permissions.user_can_view_handler_dashboard(request.user):
        raise Http404
    now, cal = timezone.now(), calendar()
    items = figures.handler_items(request.user, now)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("sida"))
    rows = []
    for item in page.object_list:
        left = figures.time_left(item, now, cal)
        rows.append(
            {
                "item": item,
                "urgency": left.urgency,
                "css": URGENCY_CLASSES[left.urgency],
                "text": describe_time_left(item, left),
            }
        )
    overdue = overdue_items(now).filter(pk__in=items.values("pk")).count()
    return render(
        request,
        "dashboards/handler.html",
        {"page": page, "rows": rows, "overdue": overdue, "now": now},
    )


@login_required
def communicator_dashboard(request):
    if not permissions.user_can_view_communicator_dashboard(request.user):
        raise Http404
    now = timezone.now()
    answers = figures.answer_times(now)
    channels, channel_count, units = figures.channel_overview(now, answers)
    target = figures.default_target_hours()
    not_reviewed = figures.not_reviewed(now)
    waiting = figures.applications_waiting_for_registration()
    return render(
        request,
        "dashboards/communicator.html",
        {
            "now": now,
            "answers": answers,
            "channels": channels,
            "channel_count": channel_count,
            "units": units,
            "totals": {
                "open": sum(u["open"] for u in units),
                "overdue": sum(u["overdue"] for u in units),
            },
            "chart": figures.answer_chart(answers.weeks, target),
            "target_hours": target,
            "answer_days": figures.ANSWER_DAYS,
            "not_reviewed": list(not_reviewed[: figures.LIST_LIMIT]),
            "not_reviewed_count": not_reviewed.count(),
            "waiting": list(waiting[: figures.LIST_LIMIT]),
            "waiting_count": waiting.count(),
        },
    )
