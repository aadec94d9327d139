"""The queue's channel filter for long channel lists: a communicator's (every channel) or
a handler's of more than CHANNEL_SELECT_LIMIT channels is a text field (`kanal_q`), as
the archive search's; `kanal=<id>` links keep working; a handler's few channels stay a
<select> (the benchmarked page, unchanged)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from channels.forms import matches as channel_matches
from channels.models import Channel
from channels.services.channels import channel_set_handlers
from moderation import forms as moderation_forms
from moderation.models import Item
from tests.hostile.payloads import assert_harmless, assert_shown_as_text
from tests.moderation.queue_fixtures import capture, rules

__all__ = ["capture", "rules"]  # fixtures

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")


@pytest.fixture
def items(capture, page_channel, kultur_channel, ig_channel, rules):
    return {
        "page": capture(page_channel, "Hej badhuset"),
        "kultur": capture(kultur_channel, "Hej kulturen"),
        "ig": capture(ig_channel, "Hej instagram"),
    }


@pytest.fixture
def as_communicator(client, communicator):
    client.force_login(communicator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def copies(channel, count, *, name="Kopia"):
    """`count` channels like `channel`, written in bulk (make_channel is slow)."""
    rows = []
    for n in range(count):
        row = Channel.objects.get(pk=channel.pk)
        row.pk = None
        row.application = None
        row.display_name = f"{name} {n}"
        row.address = f"https://www.facebook.com/{name.lower()}{n}"
        row.normalized_address = f"facebook.com/{name.lower()}{n}"
        rows.append(row)
    made = Channel.objects.bulk_create(rows)
    # With the same handlers: a channel without any would be listed among the unattended.
    through = Channel.handlers.through
    through.objects.bulk_create(
        through(channel_id=row.pk, user_id=user_id)
        for row in made
        for user_id in channel.handlers.values_list("pk", flat=True)
    )
    return made


def shown(response) -> set:
    return {row.item.pk for row in response.context["rows"]}


def field_value(html: str, name: str) -> str:
    match = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


# --- Who gets which field --------------------------------------------------------------------


def test_a_handler_with_few_channels_keeps_the_select(client, employee, items, page_channel):
    client.force_login(employee)
    html = client.get(QUEUE).content.decode()
    assert '<select name="kanal"' in html
    assert 'name="kanal_q"' not in html
    assert escape(str(page_channel)) in html


def test_a_communicator_gets_a_text_field_and_no_list_of_channels(
    as_communicator, items, page_channel
):
    copies(page_channel, 3)
    response = as_communicator.get(QUEUE)
    html = response.content.decode()
    assert '<select name="kanal"' not in html
    assert 'name="kanal_q"' in html and 'type="search"' in html
    assert 'type="hidden" name="kanal"' in html
    assert "Kopia" not in html
    assert shown(response) == {item.pk for item in items.values()}


def test_a_handler_of_many_channels_gets_the_text_field_for_their_channels_only(
    client, employee, communicator, items, page_channel, kultur_channel, monkeypatch
):
    monkeypatch.setattr(moderation_forms, "CHANNEL_SELECT_LIMIT", 1)
    channel_set_handlers(channel=items["ig"].channel, actor=communicator, handlers=[employee])
    client.force_login(employee)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(QUEUE).content.decode()
    assert 'name="kanal_q"' in html and '<select name="kanal"' not in html
    # Their own channel by name; another handler's is no match, by name or by number.
    assert shown(client.get(QUEUE, {"kanal_q": "badhuset"})) == {items["page"].pk}
    other = client.get(QUEUE, {"kanal_q": "kultur"})
    assert other.status_code == 200 and shown(other) == set()
    assert "No channel matches “kultur”." in other.content.decode()
    linked = client.get(QUEUE, {"kanal": kultur_channel.pk})
    assert "The link names a channel that does not exist." in linked.content.decode()
    assert items["kultur"].pk not in shown(linked)


# --- Matching ----------------------------------------------------------------------------------


def test_part_of_the_name_filters_and_the_field_shows_the_channel(
    as_communicator, items, page_channel
):
    response = as_communicator.get(QUEUE, {"kanal_q": "BADHUS"})
    assert shown(response) == {items["page"].pk}
    html = response.content.decode()
    assert field_value(html, "kanal_q") == "BADHUS"
    assert f"One channel matches “BADHUS”: {escape(str(page_channel))}" in html
    assert response.context["filters"]["channel"] == page_channel


def test_an_address_or_handle_finds_the_channel(as_communicator, items, ig_channel):
    for text in ("instagram.com/exempelby", "https://www.instagram.com/Exempelby/"):
        assert shown(as_communicator.get(QUEUE, {"kanal_q": text})) == {items["ig"].pk}, text


def test_a_link_by_number_filters_exactly_and_shows_the_name(as_communicator, items, page_channel):
    response = as_communicator.get(QUEUE, {"kanal": page_channel.pk, "status": "all"})
    assert shown(response) == {items["page"].pk}
    html = response.content.decode()
    assert field_value(html, "kanal_q") == escape(str(page_channel))
    # Sent back as the field shows it: the same channel, not a new search.
    again = as_communicator.get(QUEUE, {"kanal_q": str(page_channel), "kanal": page_channel.pk})
    assert shown(again) == {items["page"].pk}


def test_a_text_that_matches_several_shows_all_of_them_with_a_link_each(
    as_communicator, items, page_channel, kultur_channel
):
    response = as_communicator.get(QUEUE, {"kanal_q": "facebook", "typ": "comment"})
    assert shown(response) == {items["page"].pk, items["kultur"].pk}
    html = response.content.decode()
    assert "2 channels match “facebook”." in html
    for channel in (page_channel, kultur_channel):
        assert f'href="?typ=comment&amp;kanal={channel.pk}"' in html
    assert field_value(html, "kanal") == ""


def test_more_matches_than_are_listed_show_all_items_and_ask_to_narrow(
    as_communicator, items, page_channel, kultur_channel, monkeypatch
):
    monkeypatch.setattr(channel_matches, "CHANNEL_MATCHES_LISTED", 1)
    response = as_communicator.get(QUEUE, {"kanal_q": "facebook"})
    assert shown(response) == {items["page"].pk, items["kultur"].pk}
    html = response.content.decode()
    assert "More than 1 channels match “facebook”" in html
    assert f"kanal={page_channel.pk}" not in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kanal_q": "finns inte"}, "No channel matches “finns inte”."),
        ({"kanal": "nej"}, "The link names a channel that does not exist."),
        ({"kanal": str(10**40)}, "The link names a channel that does not exist."),
        ({"kanal": "999999"}, "The link names a channel that does not exist."),
        ({"kanal_q": "å" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_is_an_error_next_to_the_field(as_communicator, items, params, message):
    response = as_communicator.get(QUEUE, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="error_1_id_kanal_q"' in html  # crispy's error under the field
    if "kanal_q" in params and len(params["kanal_q"]) <= 200:
        assert shown(response) == set()  # no channel matches: nothing to show
    else:
        assert shown(response) == {item.pk for item in items.values()}


def test_the_other_filters_and_the_pages_keep_the_channel_text(
    as_communicator,
    page_channel,
    kultur_channel,
    rules,
):
    from tests.moderation.test_queue_views import make_items

    make_items(page_channel, 60)
    make_items(kultur_channel, 5)
    first = as_communicator.get(QUEUE, {"kanal_q": "badhuset"})
    assert first.context["page"].paginator.count == 60
    assert "kanal_q=badhuset" in first.context["query"]
    second = as_communicator.get(QUEUE, {"kanal_q": "badhuset", "sida": 2})
    assert len(second.context["rows"]) == 10
    ids = [row.item.pk for page in (first, second) for row in page.context["rows"]]
    expected = Item.objects.filter(channel=page_channel).queue_order().values_list("pk", flat=True)
    assert ids == list(expected)
    narrowed = as_communicator.get(QUEUE, {"kanal_q": "badhuset", "q": "nummer 7"})
    assert {row.item.channel_id for row in narrowed.context["rows"]} == {page_channel.pk}


# --- Hostile names, and the page's cost ------------------------------------------------------


def test_hostile_channel_names_are_shown_as_text(
    as_communicator,
    capture,
    make_channel,
    rules,
):
    name = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    hostile = make_channel(display_name=name)
    capture(hostile, "Hej")
    make_channel(display_name="<b>Ful</b> & co")
    pages = {
        "one": as_communicator.get(QUEUE, {"kanal_q": "pwned"}),
        "several": as_communicator.get(QUEUE, {"kanal_q": "<"}),
        "link": as_communicator.get(QUEUE, {"kanal": hostile.pk}),
    }
    for where, response in pages.items():
        html = response.content.decode()
        assert_harmless(html, where)
        assert_shown_as_text(html, name, where)
    assert "&lt;b&gt;Ful&lt;/b&gt; &amp; co (Facebook)" in pages["several"].content.decode()


def test_the_communicators_page_does_not_grow_with_the_channels(
    as_communicator, items, page_channel
):
    """The select listed every channel with open items (thousands at national scale)."""
    results = []
    for count in (0, 60):
        copies(page_channel, count)
        sizes = []
        for params in ({}, {"kanal_q": "badhuset"}, {"kanal": page_channel.pk}):
            with CaptureQueriesContext(connection) as captured:
                response = as_communicator.get(QUEUE, params)
            assert response.status_code == 200
            sizes.append((len(captured), len(response.content)))
        results.append(sizes)
    (few, many) = results
    assert [queries for queries, _size in few] == [queries for queries, _size in many]
    # The same page whatever the number of channels.
    assert [size for _queries, size in few] == [size for _queries, size in many]


@pytest.mark.parametrize("count", [0, 60])
def test_communicator_queue_query_budget(
    as_communicator, items, page_channel, count, django_assert_max_num_queries
):
    copies(page_channel, count)
    # As test_queue_views.test_queue_query_budget (15), without the channel filter's query.
    with django_assert_max_num_queries(14):
        as_communicator.get(QUEUE)
    # The channel named by a link: one query for it.
    with django_assert_max_num_queries(15):
        as_communicator.get(QUEUE, {"kanal": page_channel.pk})
    # A text that matches many: the listed ones, and the ids of them all.
    with django_assert_max_num_queries(16):
        as_communicator.get(QUEUE, {"kanal_q": "kopia"})
