"""Staff pages: the unhandled-events list, registering an item by hand, the item page."""

import pytest
from django.urls import reverse

from moderation import services
from moderation.models import AuditEvent, Item, ItemEvent, ItemSource, UnhandledEvent
from moderation.services.items import ItemContent

pytestmark = pytest.mark.django_db

UNHANDLED = reverse("moderation:unhandled_list")
CREATE = reverse("moderation:item_create")
HOSTILE = '<script>alert("x")</script>'


def make_unhandled(n, *, start=0, raw=None):
    return [
        UnhandledEvent.objects.create(
            source="meta",
            platform="facebook",
            account_id=f"9990000{i}",
            event_key=f"facebook:test:{i}",
            reason="unknown account",
            raw=raw if raw is not None else {"value": {"i": i}},
        )
        for i in range(start, start + n)
    ]


# --- Unhandled events -----------------------------------------------------------------------


def test_unhandled_list_is_for_communicators_only(client, employee, manager, communicator):
    make_unhandled(1)

    client.force_login(employee)
    assert client.get(UNHANDLED).status_code == 404
    client.force_login(manager)
    assert client.get(UNHANDLED).status_code == 404
    client.force_login(communicator)
    assert client.get(UNHANDLED).status_code == 200
    client.logout()
    assert client.get(UNHANDLED).status_code == 302


def test_unhandled_list_shows_newest_first_with_the_raw_json(client, communicator):
    older, newer = make_unhandled(2)
    client.force_login(communicator)

    response = client.get(UNHANDLED)

    html = response.content.decode()
    assert html.index(newer.account_id) < html.index(older.account_id)
    assert "unknown account" in html
    assert "<details>" in html
    assert "&quot;i&quot;: 1" in html


def test_a_communicator_marks_an_event_handled(client, communicator):
    (event,) = make_unhandled(1)
    client.force_login(communicator)

    response = client.post(reverse("moderation:unhandled_resolve", args=[event.pk]))

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.resolved_by == communicator
    assert AuditEvent.objects.get().kind == AuditEvent.Kind.UNHANDLED_RESOLVED
    # It leaves the default list and appears under "handled".
    assert event.account_id not in client.get(UNHANDLED).content.decode()
    assert event.account_id in client.get(UNHANDLED, {"visa": "resolved"}).content.decode()
    assert event.account_id in client.get(UNHANDLED, {"visa": "all"}).content.decode()
    # Twice: refused with a message, nothing changes.
    client.post(reverse("moderation:unhandled_resolve", args=[event.pk]))
    assert AuditEvent.objects.count() == 1


def test_others_cannot_mark_events_handled(client, employee):
    (event,) = make_unhandled(1)
    client.force_login(employee)

    response = client.post(reverse("moderation:unhandled_resolve", args=[event.pk]))

    assert response.status_code == 404
    event.refresh_from_db()
    assert event.resolved_at is None


def test_resolve_needs_post(client, communicator):
    (event,) = make_unhandled(1)
    client.force_login(communicator)

    assert client.get(reverse("moderation:unhandled_resolve", args=[event.pk])).status_code == 405


@pytest.mark.parametrize("count", [5, 50])
def test_unhandled_list_query_budget(client, communicator, count, django_assert_max_num_queries):
    make_unhandled(count)
    resolved = make_unhandled(count, start=count)
    for event in resolved:
        services.unhandled_event_resolve(event=event, actor=communicator)
    client.force_login(communicator)

    # Session and user 2, the user's groups (role check) 1, the count 1, the
    # page with its resolver joined 1, saving the session 3 (with its
    # savepoint), the navigation's open-item counts 1: 9, whatever the number of events.
    for show in ("unresolved", "resolved", "all"):
        with django_assert_max_num_queries(9):
            response = client.get(UNHANDLED, {"visa": show})
        assert response.status_code == 200


def test_unhandled_list_paginates(client, communicator):
    make_unhandled(55)
    client.force_login(communicator)

    first = client.get(UNHANDLED).content.decode()
    second = client.get(UNHANDLED, {"sida": 2}).content.decode()

    assert first.count("<details>") == 50
    assert second.count("<details>") == 5


def test_hostile_raw_content_is_escaped(client, communicator):
    make_unhandled(1, raw={"message": HOSTILE, "link": "javascript:alert(1)"})
    client.force_login(communicator)

    html = client.get(UNHANDLED).content.decode()

    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


# --- Registering by hand --------------------------------------------------------------------


def form_data(channel, **overrides):
    data = {
        "channel": channel.pk,
        "kind": "comment",
        "sender_name": "Bo Ek",
        "sender_id": "bo.ek",
        "platform_created_at": "2024-06-03T10:15",
        "text": "Varför är badhuset stängt?",
        "attachments": "https://example.se/bild.jpg\n\n https://example.se/film.mp4 ",
        "external_id": "",
        "expects_answer": "on",
    }
    data.update(overrides)
    return data


def test_a_handler_registers_an_item_on_their_channel(client, employee, page_channel):
    client.force_login(employee)
    assert client.get(CREATE).status_code == 200

    response = client.post(CREATE, form_data(page_channel))

    item = Item.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert item.source == ItemSource.MANUAL
    assert item.registered_by == employee
    assert item.sender_name == "Bo Ek"
    assert item.expects_answer
    assert item.attachments == ["https://example.se/bild.jpg", "https://example.se/film.mp4"]
    assert item.platform_created_at.isoformat() == "2024-06-03T08:15:00+00:00"
    assert item.versions.get().captured_by == employee
    assert item.events.get().kind == ItemEvent.Kind.REGISTERED


def test_a_handler_of_another_channel_cannot_register_on_this_one(
    client, other_employee, page_channel, kultur_channel
):
    client.force_login(other_employee)

    page = client.get(CREATE).content.decode()
    response = client.post(CREATE, form_data(page_channel))

    assert kultur_channel.display_name in page
    assert page_channel.display_name not in page
    assert response.status_code == 400
    assert not Item.objects.exists()


def test_someone_who_handles_no_channel_is_told_and_cannot_post(client, manager, page_channel):
    client.force_login(manager)

    page = client.get(CREATE)

    assert page.status_code == 200
    assert "<form" not in page.content.decode().split('id="main"')[1]
    assert page_channel.display_name not in page.content.decode()
    assert client.post(CREATE, form_data(page_channel)).status_code == 404
    assert not Item.objects.exists()


def test_a_communicator_registers_on_any_channel(client, communicator, page_channel):
    client.force_login(communicator)

    response = client.post(CREATE, form_data(page_channel))

    assert response.status_code == 302
    assert Item.objects.get().registered_by == communicator


def test_the_service_refuses_a_handler_of_another_channel(other_employee, page_channel):
    from core.exceptions import NotPermitted

    with pytest.raises(NotPermitted):
        services.item_register_manually(
            channel=page_channel,
            actor=other_employee,
            data={"kind": "comment", "text": "x", "platform_created_at": None},
        )
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "tweet"}, "kind"),
        ({"platform_created_at": ""}, "platform_created_at"),
        ({"platform_created_at": "2999-01-01T10:00"}, "platform_created_at"),
        ({"text": " ", "attachments": ""}, "text"),
        ({"attachments": "javascript:alert(1)"}, "attachments"),
        ({"attachments": "ftp://example.se/fil"}, "attachments"),
        ({"sender_name": "x" * 256}, "sender_name"),
    ],
)
def test_form_errors_are_shown_next_to_the_field(client, employee, page_channel, overrides, field):
    client.force_login(employee)

    response = client.post(CREATE, form_data(page_channel, **overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Item.objects.exists()


def test_the_same_platform_id_cannot_be_registered_twice(client, employee, page_channel):
    client.force_login(employee)
    client.post(CREATE, form_data(page_channel, external_id="123_456"))

    response = client.post(CREATE, form_data(page_channel, external_id="123_456"))

    assert response.status_code == 400
    assert "external_id" in response.context["form"].errors
    assert Item.objects.count() == 1


# --- The item page --------------------------------------------------------------------------


def capture(channel, **overrides):
    fields = {"kind": "comment", "external_id": "c1", "text": "Första texten"}
    fields.update(overrides)
    return services.item_capture(channel=channel, content=ItemContent(**fields), source="meta")


def test_the_item_page_is_for_the_channels_handlers_and_communicators(
    client, employee, other_employee, communicator, manager, page_channel
):
    item = capture(page_channel).item
    url = item.get_absolute_url()

    client.force_login(employee)
    assert client.get(url).status_code == 200
    client.force_login(communicator)
    assert client.get(url).status_code == 200
    for outsider in (other_employee, manager):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_the_item_page_shows_every_version(client, employee, page_channel):
    capture(page_channel)
    item = capture(page_channel, text="Andra texten").item
    client.force_login(employee)

    html = client.get(item.get_absolute_url()).content.decode()

    assert "Första texten" in html
    assert "Andra texten" in html
    assert html.index("Första texten") < html.index("Andra texten")


def test_hostile_item_content_is_escaped(client, employee, page_channel):
    item = capture(
        page_channel,
        text=HOSTILE,
        sender_name=HOSTILE,
        attachments=("javascript:alert(1)", "https://example.se/ok.jpg"),
    ).item
    client.force_login(employee)

    html = client.get(item.get_absolute_url()).content.decode()

    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.se/ok.jpg"' in html


def test_navigation_links_for_communicators_and_employees(client, communicator, employee):
    client.force_login(communicator)
    html = client.get(reverse("home")).content.decode()
    assert UNHANDLED in html and CREATE in html

    # Every employee may be a handler; the page tells those who are not.
    client.force_login(employee)
    html = client.get(reverse("home")).content.decode()
    assert CREATE in html and UNHANDLED not in html

    client.logout()
    html = client.get(reverse("home")).content.decode()
    assert CREATE not in html and UNHANDLED not in html
