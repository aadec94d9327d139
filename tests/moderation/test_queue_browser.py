"""The queue in Chromium: a comment arrives through the Meta webhook, the handler finds it
at the top of the queue, deletes it citing a rule and its record is in the archive; a
second browser acting on the same item is told of the conflict; axe finds nothing on the
queue and item pages."""

import json
import urllib.request

import pytest

from archive.models import Record
from moderation import services
from moderation.models import Delivery, DeliveryStatus, Item, ItemState
from tests.conftest import describe_violations
from tests.moderation.conftest import META_SECRET, load, sign
from tests.moderation.queue_fixtures import capture, keywords, rules

__all__ = ["capture", "keywords", "rules"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSULT = "Ni på badhuset är idioter allihop"


def post_webhook(live_server, payload: dict) -> int:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{live_server.url}/webhooks/meta",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, META_SECRET),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def check_accessible(page, axe):
    assert page.locator("h1").count() == 1, page.url
    violations = axe(page)
    assert violations == [], f"{page.url}\n{describe_violations(violations)}"


def test_a_webhook_comment_is_found_deleted_and_archived_and_a_second_browser_is_refused(
    new_page, live_server, login, axe, employee, communicator, page_channel, capture, keywords
):
    older = capture(page_channel, "En lugn fråga om öppettiderna")
    payload = load("fb_feed_comment_add.json")
    payload["entry"][0]["changes"][0]["value"]["message"] = INSULT

    assert post_webhook(live_server, payload) == 200
    # With eager Celery the parse ran in the request, right after its commit.
    delivery = Delivery.objects.get()
    if delivery.status == DeliveryStatus.PENDING:  # a setup without eager tasks
        services.delivery_parse(delivery_id=delivery.pk)
    item = Item.objects.get(text=INSULT)
    assert item.is_flagged

    handler = new_page()
    login(handler, employee.username)
    handler.get_by_role("link", name="Modereringskö").click()
    check_accessible(handler, axe)
    rows = handler.locator("table.queue-table tbody tr")
    assert rows.count() == 2
    # Flagged first, although it arrived after the older question.
    assert f"#{item.pk}" in rows.first.inner_text()
    assert f"#{older.pk}" in rows.nth(1).inner_text()
    rows.first.get_by_role("link").click()
    assert handler.get_by_role("heading", level=1).inner_text().startswith(f"Kommentar #{item.pk}")
    check_accessible(handler, axe)

    # A second browser opens the same item before the handler acts.
    other = new_page()
    login(other, communicator.username)
    other.goto(f"{live_server.url}{item.get_absolute_url()}")
    assert other.get_by_text(INSULT).first.is_visible()

    handler.locator("summary", has_text="Avpublicera eller radera").click()
    handler.get_by_label("Radera").check()
    handler.get_by_label("1. Förtal, personliga angrepp eller förolämpningar").check()
    handler.get_by_role("button", name="Arkivera och ta bort").click()
    assert handler.get_by_text("Inlägget är arkiverat och borttaget.").is_visible()
    check_accessible(handler, axe)

    item.refresh_from_db()
    assert item.state == ItemState.DELETED
    record = Record.objects.get(item_id=item.pk)
    assert record.record_type == "removed" and record.action == "delete"
    assert INSULT in record.text
    assert record.rules == ["1. Förtal, personliga angrepp eller förolämpningar"]

    # The second browser acts on the version it saw: refused, with the reason.
    other.locator("summary", has_text="Inget svar behövs").click()
    other.locator("details", has_text="Inget svar behövs").get_by_role(
        "button", name="Inget svar behövs"
    ).click()
    alert = other.get_by_role("alert")
    assert "Ingenting gjordes." in alert.inner_text()
    assert "ändrats" in alert.inner_text()
    item.refresh_from_db()
    assert item.state == ItemState.DELETED
    check_accessible(other, axe)


def test_the_other_queue_pages_are_accessible(
    new_page, live_server, login, axe, employee, communicator, page_channel, capture, rules
):
    capture(page_channel, "En fråga")
    services.reply_template_create(
        actor=communicator,
        data={"title": "Öppettider", "purpose": "answer", "text": "Vi har öppet 8–17."},
    )
    page = new_page()
    login(page, communicator.username)
    for path in ("/moderering/", "/moderering/svarsmallar/", "/moderering/franvaro/"):
        page.goto(f"{live_server.url}{path}")
        check_accessible(page, axe)
    page = new_page()
    login(page, employee.username)
    page.goto(f"{live_server.url}/moderering/franvaro/")
    page.get_by_role("textbox", name="Från").fill("2030-01-07T08:00")
    page.get_by_role("textbox", name="Till").fill("2030-01-14T17:00")
    page.get_by_role("combobox", name="Ersättare").select_option(label=communicator.get_full_name())
    page.get_by_role("button", name="Registrera frånvaron").click()
    assert page.get_by_text("Din frånvaro är registrerad.").is_visible()
    check_accessible(page, axe)
    page.goto(f"{live_server.url}/moderering/ersattare/")
    check_accessible(page, axe)
