"""The dashboards under /oversikt/: who sees them, their figures on known data, their
query budgets, and (in Chromium) that axe finds nothing on them.

Everything happens in March 2025; "now" is Thursday 2025-03-20 12:00 in Stockholm.
Targets are the default one working day (9 h of 08:00-17:00).
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from channels.services.applications import application_approve
from channels.services.channels import channel_set_handlers
from moderation import services
from moderation.dashboard_selectors import answer_chart, answer_times, channel_overview
from moderation.models import ItemKind
from moderation.services.absences import absence_create
from moderation.services.actions import item_answer, item_forward
from tests.conftest import describe_violations
from tests.factories import UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=STOCKHOLM)


NOW = local(2025, 3, 20, 12)
HANDLER_URL = "/oversikt/mina-arenden/"
COMMUNICATOR_URL = "/oversikt/kommunikator/"


@pytest.fixture
def channels(make_channel, employee, other_employee, communicator):
    """Badhuset (Anna), Kulturen (Bertil), and Gemensam (both), published in January."""
    with time_machine.travel(local(2025, 1, 7, 9), tick=False):
        bad = make_channel(display_name="Badhuset")
        kultur = make_channel(display_name="Kulturen", applicant=other_employee)
        shared = make_channel(display_name="Gemensam")
        channel_set_handlers(
            channel=shared, actor=communicator, handlers=[employee, other_employee]
        )
    return bad, kultur, shared


def register(channel, actor, at, *, expects_answer=True, text="En fråga?"):
    with time_machine.travel(at, tick=False):
        return services.item_register_manually(
            channel=channel,
            actor=actor,
            data={"kind": ItemKind.COMMENT, "text": text, "expects_answer": expects_answer},
        )


def answer(item, actor, at):
    with time_machine.travel(at, tick=False):
        return item_answer(item=item, actor=actor, expected_version=item.version, text="Svar.")


def forward(item, actor, at):
    with time_machine.travel(at, tick=False):
        return item_forward(
            item=item, actor=actor, expected_version=item.version, to_email="x@example.se"
        )


def get(client, user, url):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        client.cookies["django_language"] = "en"
        return client.get(url)


# --- Who sees what ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (HANDLER_URL, COMMUNICATOR_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/konto/logga-in/" in response["Location"]


def test_the_communicator_overview_is_for_communicators_only(client, employee, communicator):
    assert reverse("dashboards:communicator") == COMMUNICATOR_URL
    assert get(client, employee, COMMUNICATOR_URL).status_code == 404
    assert get(client, communicator, COMMUNICATOR_URL).status_code == 200


def test_every_employee_has_the_handler_dashboard(client, employee):
    assert reverse("dashboards:handler") == HANDLER_URL
    response = get(client, employee, HANDLER_URL)
    assert response.status_code == 200
    assert b"You have no open items." in response.content


# --- The handler's items ---------------------------------------------------------------------


def test_my_items_show_the_time_left_in_colour_and_text(client, channels, employee, other_employee):
    bad, kultur, _shared = channels
    overdue = register(bad, employee, local(2025, 3, 18, 10))  # due Wed 10:00
    soon = register(bad, employee, local(2025, 3, 19, 14))  # due Thu 14:00: 2 h left
    on_time = register(bad, employee, local(2025, 3, 20, 11))  # due Fri 11:00: 8 h left
    forwarded = register(bad, employee, local(2025, 3, 20, 9))
    forward(forwarded, employee, local(2025, 3, 20, 9, 30))
    remark = register(bad, employee, local(2025, 3, 20, 8), expects_answer=False)
    not_mine = register(kultur, other_employee, local(2025, 3, 19, 9))

    response = get(client, employee, HANDLER_URL)

    rows = [
        (row["item"], row["urgency"], row["css"], row["text"]) for row in response.context["rows"]
    ]
    assert rows == [
        (overdue, "overdue", "text-bg-danger", "Overdue by 11 h 00 min of working time"),
        (soon, "soon", "text-bg-warning", "Due soon: 2 h 00 min of working time left"),
        (on_time, "on_time", "text-bg-success", "On time: 8 h 00 min of working time left"),
        (forwarded, "stopped", "text-bg-secondary", "Forwarded: the clock is stopped"),
        (remark, "none", "text-bg-light border", "No answer expected"),
    ]
    assert not_mine not in [row[0] for row in rows]
    html = response.content.decode()
    assert 'data-urgency="overdue">Overdue by 11 h 00 min of working time</span>' in html
    assert response.context["overdue"] == 1


def test_a_substitute_sees_the_absent_handlers_items(client, channels, employee, other_employee):
    _bad, kultur, _shared = channels
    item = register(kultur, other_employee, local(2025, 3, 19, 9))
    with time_machine.travel(local(2025, 3, 17, 8), tick=False):
        absence_create(
            user=other_employee,
            actor=other_employee,
            starts_at=local(2025, 3, 17, 8),
            ends_at=local(2025, 3, 28, 17),
            substitute=employee,
        )

    rows = get(client, employee, HANDLER_URL).context["rows"]

    assert [row["item"] for row in rows] == [item]
    assert rows[0]["urgency"] == "overdue"


@pytest.mark.parametrize("count", [3, 30])
def test_my_items_cost_the_same_queries_for_few_and_many(
    client, channels, employee, count, django_assert_max_num_queries
):
    bad = channels[0]
    for number in range(count):
        register(bad, employee, local(2025, 3, 18, 9) + timedelta(minutes=number))
    client.force_login(employee)

    # session, user, groups (nav); absences and handled channels (2); the page: count,
    # items; the overdue count; savepoints around the session's save. Fixed for any count.
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(14):
        response = client.get(HANDLER_URL)

    assert len(response.context["rows"]) == count


# --- The communicator's overview -------------------------------------------------------------


@pytest.fixture
def known_data(channels, employee, other_employee, make_application, manager, communicator):
    """Answers of 1, 3 and 5 working hours in the last 30 days, one of 10 h in February;
    open items: two overdue, one not yet due, one forwarded."""
    bad, kultur, _shared = channels
    a = register(bad, employee, local(2025, 3, 17, 9))
    answer(a, employee, local(2025, 3, 17, 10))  # 1 h
    b = register(bad, employee, local(2025, 3, 17, 9))
    answer(b, employee, local(2025, 3, 17, 12))  # 3 h
    c = register(bad, employee, local(2025, 3, 18, 16))
    answer(c, employee, local(2025, 3, 19, 12))  # 1 h + 4 h = 5 h
    d = register(bad, employee, local(2025, 2, 10, 9))
    answer(d, employee, local(2025, 2, 11, 10))  # 8 h + 2 h = 10 h, 37 days before NOW
    register(bad, employee, local(2025, 3, 18, 10))  # overdue since Wed 10:00
    register(bad, employee, local(2025, 3, 20, 11))  # due Fri 11:00
    forwarded = register(bad, employee, local(2025, 3, 17, 9))
    forward(forwarded, employee, local(2025, 3, 17, 10))  # open in the queue, clock stopped
    register(kultur, other_employee, local(2025, 3, 17, 9))  # overdue
    # A channel not confirmed for over a year, and an application waiting to be registered.
    with time_machine.travel(local(2023, 12, 1, 9), tick=False):
        old = make_channel_for_test(make_application, manager, communicator, "Gamla sidan")
        waiting = make_application(address="https://www.facebook.com/vantande")
        waiting = application_approve(
            application=waiting, actor=manager, expected_version=waiting.version
        )
    return {"bad": bad, "kultur": kultur, "old": old, "waiting": waiting}


def make_channel_for_test(make_application, manager, communicator, name):
    from channels.services.channels import channel_publish, channel_register

    application = make_application(address="https://www.facebook.com/gamlasidan")
    application = application_approve(
        application=application, actor=manager, expected_version=application.version
    )
    channel = channel_register(
        application=application, actor=communicator, data={"display_name": name}
    )
    return channel_publish(channel=channel, actor=communicator)


def test_answer_times_are_medians_of_working_hours(known_data):
    times = answer_times(NOW)

    assert (times.median_hours, times.count) == (3.0, 3)
    assert times.by_channel == {known_data["bad"].pk: 3.0}
    assert times.by_unit == {known_data["bad"].unit_id: 3.0}
    weeks = {week["monday"]: week for week in times.weeks}
    assert len(times.weeks) == 12
    assert times.weeks[-1]["monday"] == date(2025, 3, 17)
    assert (weeks[date(2025, 3, 17)]["count"], weeks[date(2025, 3, 17)]["median_hours"]) == (3, 3.0)
    assert weeks[date(2025, 2, 10)]["median_hours"] == 10.0
    assert weeks[date(2025, 3, 10)]["count"] == 0


def test_open_and_overdue_per_channel_and_unit(known_data):
    channels, count, units = channel_overview(NOW, answer_times(NOW))

    by_name = {row["channel"].display_name: row for row in channels}
    assert count == 2
    assert (by_name["Badhuset"]["open"], by_name["Badhuset"]["overdue"]) == (3, 1)
    assert by_name["Badhuset"]["median_hours"] == 3.0
    assert (by_name["Kulturen"]["open"], by_name["Kulturen"]["overdue"]) == (1, 1)
    assert by_name["Kulturen"]["median_hours"] is None
    assert [(u["unit"].name, u["open"], u["overdue"], u["median_hours"]) for u in units] == [
        ("Biblioteket", 4, 2, 3.0)
    ]


def test_the_overview_page_shows_the_figures(client, communicator, known_data):
    response = get(client, communicator, COMMUNICATOR_URL)

    assert response.status_code == 200
    context = response.context
    assert context["totals"] == {"open": 4, "overdue": 2}
    assert context["not_reviewed"] == [known_data["old"]]
    assert context["waiting"] == [known_data["waiting"]]
    html = response.content.decode()
    assert "Median time to first answer over the last 30 days: 3.0 working hours" in html
    assert "Gamla sidan" in html and "vantande" in html
    # The chart: an SVG image with a title and a description, and its figures as a table.
    assert 'role="img" aria-labelledby="answer-chart-title answer-chart-desc"' in html
    assert '<title id="answer-chart-title">' in html
    assert "figures: time to first answer per week</caption>" in html


def test_the_chart_marks_weeks_over_the_target(known_data):
    chart = answer_chart(answer_times(NOW).weeks, 9.0)

    over = [bar["monday"] for bar in chart["bars"] if bar["over_target"]]
    assert over == [date(2025, 2, 10)]
    tallest = max(chart["bars"], key=lambda bar: bar["height"])
    assert tallest["monday"] == date(2025, 2, 10)
    assert chart["target"]["y"] > tallest["y"]  # the 10 h bar rises above the 9 h line
    assert chart["bars"][-1]["height"] > 0 and chart["bars"][-2]["height"] == 0


def test_svg_numbers_use_a_decimal_point_in_swedish(client, communicator, known_data):
    client.force_login(communicator)
    with time_machine.travel(NOW, tick=False):
        html = client.get(COMMUNICATOR_URL).content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    numbers = [c for c in coordinates if c != "100%"]
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in numbers)
    assert "9,0 tim" in svg  # the text is Swedish, decimal comma and all


@pytest.mark.parametrize("size", [1, 8])
def test_the_overview_costs_the_same_queries_for_little_and_much(
    client, channels, employee, communicator, size, django_assert_max_num_queries
):
    bad = channels[0]
    for number in range(size):
        item = register(bad, employee, local(2025, 3, 17, 9) + timedelta(minutes=number))
        if number % 2:
            answer(item, employee, local(2025, 3, 17, 11))
    client.force_login(communicator)

    # session, user, groups (nav); answers (1); open counts and channels (2); not reviewed
    # list and count (2); waiting list and count (2); savepoints around the session's
    # save. Fixed for any amount of data.
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(14):
        response = client.get(COMMUNICATOR_URL)

    assert response.status_code == 200


# --- In the browser --------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_both_dashboards_pass_axe(new_page, live_server, login, axe, channels, employee):
    from core import roles

    kerstin = UserFactory(username="kerstin2", roles=[roles.COMMUNICATOR])
    bad = channels[0]
    register(bad, employee, local(2025, 3, 18, 10))
    item = register(bad, employee, local(2025, 3, 17, 9))
    answer(item, employee, local(2025, 3, 17, 12))
    register(bad, employee, local(2025, 3, 20, 8), expects_answer=False)

    for user, link in ((employee, "Mina ärenden"), (kerstin, "Översikt")):
        page = new_page()
        login(page, user.username)
        page.get_by_role("link", name=link, exact=True).click()
        page.wait_for_load_state()
        assert page.locator("h1").count() == 1, page.url
        violations = axe(page)
        assert violations == [], f"{page.url}\n{describe_violations(violations)}"
        assert page.foreign_requests == []
    assert page.locator("svg[role=img] title").count() == 1
