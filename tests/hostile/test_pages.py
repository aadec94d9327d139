"""Every page that shows platform content shows the hostile texts as text and nothing else:
the queue, the item pages, the dashboards, the unhandled events, the archive's record pages
and search results, and the public register."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from archive.models import Record
from moderation import services
from tests.factories import UserFactory
from tests.hostile.conftest import meta_comment
from tests.hostile.payloads import (
    HOSTILE,
    SENDER,
    assert_harmless,
    assert_shown_as_text,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_queue_item_pages_and_dashboards_show_the_texts_as_text(ingested, employee, communicator):
    handler = client_for(employee)
    for entry in ingested:
        html = page(handler, entry.item.get_absolute_url())
        where = (entry.name, entry.source)
        assert_harmless(html, where)
        assert_shown_as_text(html, entry.text, where)
        assert_shown_as_text(html, SENDER, where)

    for user, url in [
        (employee, reverse("moderation:queue")),
        (communicator, reverse("moderation:queue")),
        (employee, "/oversikt/mina-arenden/"),
        (communicator, "/oversikt/kommunikator/"),
    ]:
        html = page(client_for(user), url)
        assert_harmless(html, url)
        # The queue lists each sender and the start of each text, escaped.
        if "moderering" in url:
            assert_shown_as_text(html, SENDER, url)
            assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_unhandled_events_show_the_raw_event_as_text(page_channel, send_webhook, communicator):
    for _name, text in HOSTILE[:5]:
        send_webhook(meta_comment(text, page_id="999000111222333"))

    html = page(client_for(communicator), reverse("moderation:unhandled_list"))

    assert_harmless(html, "unhandled")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_removed_items_records_and_search_show_the_texts_as_text(
    ingested, employee, communicator, registrar, rules
):
    for entry in ingested:
        item = entry.item
        services.item_delete(
            item=item,
            actor=employee,
            expected_version=item.version,
            rules=[rules[1]],
            message=entry.text[:1000],
            note=entry.text[:1000],
        )
    assert Record.objects.count() == len(ingested)

    archivist = client_for(registrar)
    for entry in ingested:
        record = Record.objects.get(item_id=entry.item.pk)
        where = (entry.name, entry.source)
        assert record.text == entry.text, where
        html = page(archivist, record.get_absolute_url())
        assert_harmless(html, where)
        assert_shown_as_text(html, SENDER, where)
        if not {"\n", "\r"} & set(entry.text):
            # One paragraph (linebreaks), the whole text escaped.
            assert f"<p>{escape(entry.text)}</p>" in html, where
        html = page(client_for(employee), entry.item.get_absolute_url())
        assert_harmless(html, where)
        assert_shown_as_text(html, entry.text, where)

    for user in (registrar, communicator):
        # Words that both searches find (PostgreSQL full text drops tags such as <script>).
        for query in ("window.__pwned", "HYPERLINK", "javascript", "klicka"):
            response = client_for(user).get(reverse("archive:search"), {"q": query})
            assert response.status_code == 200
            html = response.content.decode()
            assert_harmless(html, query)
            assert len(response.context["page"].object_list) > 0, query
        html = page(client_for(user), reverse("archive:home"))
        assert_harmless(html, "archive home")


def test_the_public_register_shows_a_hostile_channel_as_text(make_channel, client):
    """Communicators type channel details; the public pages escape them all the same."""
    name = '<script>window.__pwned=1</script> "><img src=x onerror="window.__pwned=1">'
    channel = make_channel(
        display_name=name,
        purpose='<a href="javascript:window.__pwned=1">syfte</a>',
        target_group='=HYPERLINK("https://angripare.example")',
    )

    for url in (
        reverse("channels:public_list"),
        channel.get_absolute_url(),
        reverse("channels:public_verify") + "?url=" + channel.address,
        reverse("channels:public_verify") + "?url=%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
    ):
        html = page(client, url)
        assert_harmless(html, url)
    assert_shown_as_text(page(client, channel.get_absolute_url()), name)


def test_the_admin_shows_items_deliveries_and_records_as_text(ingested, employee, rules):
    admin = client_for(UserFactory(username="admin", is_staff=True, is_superuser=True))
    script = next(e for e in ingested if e.name == "script" and e.source == "webhook")
    item = script.item
    services.item_delete(item=item, actor=employee, expected_version=item.version, rules=[rules[1]])
    record = Record.objects.get(item_id=item.pk)

    for url in (
        reverse("admin:moderation_item_changelist"),
        reverse("admin:moderation_item_change", args=[item.pk]),
        reverse("admin:moderation_delivery_changelist"),
        reverse("admin:moderation_delivery_change", args=[script.delivery.pk]),
        reverse("admin:archive_record_changelist"),
        reverse("admin:archive_record_change", args=[record.pk]),
    ):
        html = page(admin, url)
        assert_harmless(html, url)


def test_a_hostile_channel_name_is_escaped_in_the_archive_filters(
    make_channel, communicator, registrar
):
    """The archive's channel filter shows a linked channel in its field and lists the
    channels its text matches: both escaped."""
    name = (
        '"></option></select><script>window.__pwned=1</script>'
        '<img src=x onerror="window.__pwned=1">'
    )
    channel = make_channel(display_name=name)
    make_channel(display_name=name + " 2", address="https://www.facebook.com/exempelby.andra")
    client = client_for(registrar)

    for query in (f"?channel={channel.pk}", "?channel_q=pwned"):
        html = page(client, reverse("archive:search") + query)
        assert_harmless(html, f"archive search {query}")
        assert_shown_as_text(html, name, f"archive search {query}")
