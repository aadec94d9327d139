"""In Chromium: a comment whose text and sender carry scripts arrives through the Meta
webhook; the queue, the item page and, after removal, the archive record page show it as
text and run none of it.

The page's Content Security Policy would block inline scripts on its own; the browser
here ignores the policy (`bypass_csp`), so that only the escaping stands between the
payload and the page: if a payload became markup, it would run and set `window.__pwned`.
"""

import json
import urllib.request

import pytest

from archive.models import Record
from moderation import services
from moderation.models import Delivery, DeliveryStatus, Item
from tests.hostile.conftest import meta_comment
from tests.hostile.payloads import SENDER
from tests.moderation.conftest import META_SECRET, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
LINK = '<a href="javascript:window.__pwned=1">klicka här</a>'
TEXT = f'{SCRIPT} {LINK} "><svg onload="window.__pwned=1"></svg>'
DANGEROUS = "script:not([src]), img[onerror], svg[onload], iframe, a[href^='javascript']"


def post_webhook(live_server, payload: dict) -> int:
    body = json.dumps(payload, ensure_ascii=False).encode()
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


@pytest.fixture
def unprotected_page(browser, live_server):
    """A page that ignores the CSP and records dialogs; only the live server is reachable."""
    context = browser.new_context(locale="sv-SE", bypass_csp=True)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    own = live_server.url

    def guard(route):
        if route.request.url.startswith((own, "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    yield page
    context.close()


def assert_nothing_ran(page):
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined", page.url
    assert page.dialogs == [], page.url
    assert page.locator(DANGEROUS).count() == 0, page.url


def test_script_payloads_are_shown_as_text_and_never_run(
    unprotected_page, live_server, login, employee, communicator, page_channel, rules
):
    assert post_webhook(live_server, meta_comment(TEXT)) == 200
    delivery = Delivery.objects.get()
    if delivery.status == DeliveryStatus.PENDING:  # a setup without eager tasks
        services.delivery_parse(delivery_id=delivery.pk)
    item = Item.objects.get()
    assert item.text == TEXT and item.sender_name == SENDER

    page = unprotected_page
    login(page, communicator.username)
    page.goto(f"{live_server.url}/moderering/")
    assert_nothing_ran(page)
    assert page.get_by_text(f"#{item.pk} – {SENDER}").count() == 1

    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    assert_nothing_ran(page)
    assert page.locator("article p.preserve-lines").first.inner_text() == TEXT

    services.item_delete(item=item, actor=employee, expected_version=item.version, rules=[rules[1]])
    record = Record.objects.get(item_id=item.pk)
    page.goto(f"{live_server.url}{record.get_absolute_url()}")
    assert_nothing_ran(page)
    assert page.locator(".record-text").inner_text().strip() == TEXT
    assert page.get_by_text(SENDER).count() >= 1

    page.goto(f"{live_server.url}/arkiv/sok/?q=klicka")
    assert_nothing_ran(page)
    assert page.locator("tbody tr").count() == 1
