import pytest

from tests.conftest import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_page_login_and_accessibility(new_page, live_server, login, axe, employee):
    page = new_page()

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "sv"
    violations = axe(page)
    assert violations == [], describe_violations(violations)

    login(page, "anna")
    assert page.get_by_text("Inloggad som Anna Andersson").is_visible()
    violations = axe(page)
    assert violations == [], describe_violations(violations)

    # The skip link is the first thing a keyboard reaches, and it is visible then.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"

    assert page.foreign_requests == []
