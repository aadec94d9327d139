"""In Chromium: a communicator registers and publishes an approved application;
a citizen finds the channel in the register by search and verifies its address."""

import pytest
from playwright.sync_api import expect

from channels.models import Channel, ChannelStatus
from channels.services.applications import application_approve
from tests.conftest import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page):
    violations = axe(page)
    assert violations == [], describe_violations(violations)


def test_register_publish_find_and_verify(
    new_page, live_server, login, axe, make_application, manager, communicator
):
    application = make_application(address="https://www.facebook.com/Hembygdsgarden/")
    application_approve(
        application=application, actor=manager, expected_version=application.version
    )

    staff = new_page()
    login(staff, communicator.username)
    staff.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Att registrera"
    ).click()
    staff.get_by_role("link", name="Registrera https://www.facebook.com/Hembygdsgarden/").click()
    assert_accessible(axe, staff)
    staff.get_by_label("Namn som visas i förteckningen").fill("Hembygdsgården på Facebook")
    staff.get_by_label("E-post för allmänheten").fill("hembygd@example.se")
    staff.get_by_role("button", name="Registrera kanal").click()
    channel = Channel.objects.get()
    assert channel.status == ChannelStatus.REGISTERED
    assert_accessible(axe, staff)

    staff.get_by_role("button", name="Publicera", exact=True).click()
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.PUBLISHED

    citizen = new_page()
    citizen.goto(f"{live_server.url}/kanaler/")
    citizen.get_by_role("textbox", name="Sök").fill("hembygd")
    citizen.get_by_role("button", name="Sök").click()
    citizen.get_by_role("link", name="Hembygdsgården på Facebook").click()
    assert citizen.get_by_text("hembygd@example.se").is_visible()
    assert_accessible(axe, citizen)

    citizen.goto(f"{live_server.url}/kanaler/verifiera/")
    citizen.get_by_label("Kontots adress eller användarnamn").fill("facebook.com/hembygdsgarden")
    citizen.get_by_role("button", name="Verifiera").click()
    expect(citizen.locator(".verify-result")).to_contain_text(
        "Ja: det här är en officiell kanal för"
    )
    assert citizen.get_by_role("link", name="Hembygdsgården på Facebook").first.is_visible()
    assert_accessible(axe, citizen)

    assert staff.foreign_requests == [] and citizen.foreign_requests == []
