"""Every public page in Chromium, in Swedish and English: axe finds nothing,
nothing is loaded from another host, and it all works without JavaScript."""

import datetime

import pytest

from channels.models import PoliticalLink
from channels.services.channels import channel_close
from tests.conftest import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def register(make_channel, communicator):
    official = make_channel(
        display_name="Bibliotekets Facebook", address="https://www.facebook.com/Smedjebacken/"
    )
    closed = make_channel(
        display_name="Gamla fritidsgården", address="https://www.facebook.com/gamlafritis"
    )
    channel_close(channel=closed, actor=communicator, closure_date=datetime.date(2024, 3, 1))
    PoliticalLink.objects.create(
        party="Partiet A", person="Alva Ek", body="Kommunfullmäktige", url="https://a.example/"
    )
    return {"official": official}


def public_pages(register):
    """(path, text the page must show) for every public page and state."""
    return [
        ("/kanaler/", "Bibliotekets Facebook"),
        ("/kanaler/?q=finns+inte", None),
        (register["official"].get_absolute_url(), "Bibliotekets Facebook"),
        ("/kanaler/verifiera/", None),
        ("/kanaler/verifiera/?url=facebook.com%2Fsmedjebacken", "Bibliotekets Facebook"),
        ("/kanaler/verifiera/?url=facebook.com%2Fgamlafritis", "Gamla fritidsgården"),
        ("/kanaler/verifiera/?url=facebook.com%2Fnagon.annan", None),
        ("/kanaler/verifiera/?url=inte+en+adress", None),
        ("/kanaler/politik/", "Alva Ek"),
    ]


def check_page(page, axe, url, text):
    response = page.goto(url)
    assert response.status == 200, url
    if text:
        assert page.get_by_text(text).first.is_visible(), url
    assert page.locator("h1").count() == 1, url
    violations = axe(page)
    assert violations == [], f"{url}\n{describe_violations(violations)}"


def test_public_pages_are_accessible_in_swedish(new_page, live_server, axe, register):
    page = new_page()

    for path, text in public_pages(register):
        check_page(page, axe, live_server.url + path, text)
        assert page.locator("html").get_attribute("lang") == "sv"

    assert page.foreign_requests == []


def test_public_pages_are_accessible_in_english(new_page, live_server, axe, register):
    page = new_page(locale="en-US")
    # The pages stay Swedish for an English browser until English is chosen.
    page.goto(live_server.url + "/kanaler/")
    assert page.locator("html").get_attribute("lang") == "sv"
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "domain": host, "path": "/"}]
    )

    for path, text in public_pages(register):
        check_page(page, axe, live_server.url + path, text)
        assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Political representatives' links").is_visible()

    assert page.foreign_requests == []


def test_switching_language_with_the_site_form(new_page, live_server, axe, register):
    page = new_page()
    page.goto(live_server.url + "/kanaler/")
    assert page.get_by_role("heading", name="Officiella kanaler i sociala medier").is_visible()

    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Byt").click()

    assert page.get_by_role("heading", name="Official social media channels").is_visible()
    violations = axe(page)
    assert violations == [], describe_violations(violations)
    assert page.foreign_requests == []


def test_search_and_verify_work_without_javascript(browser, live_server, register):
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/kanaler/")
        page.get_by_label("Sök", exact=True).fill("bibliotek")
        page.get_by_role("button", name="Sök").click()
        assert page.get_by_text("1 kanal hittades").is_visible()
        page.get_by_role("link", name="Bibliotekets Facebook").click()
        assert page.get_by_role("heading", name="Bibliotekets Facebook").is_visible()

        page.get_by_role("link", name="Verifiera konto").click()
        page.get_by_label("Kontots adress eller användarnamn").fill(
            "https://www.facebook.com/smedjebacken"
        )
        page.get_by_role("button", name="Verifiera").click()
        assert page.get_by_text("Ja: det här är en officiell kanal").is_visible()
    finally:
        context.close()
