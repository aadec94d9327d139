"""The legal-hold list's channel: a text field instead of a select of every channel (14,500
options at national scale). The page lists the channels the text matches, each with its
own button; a hold is placed only on a channel listed by name for the text sent."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from archive.models import LegalHold
from channels.forms import matches as channel_matches
from channels.models import Channel
from tests.hostile.payloads import assert_harmless, assert_shown_as_text

pytestmark = pytest.mark.django_db

HOLDS = reverse("archive:hold_list")
HOLD = reverse("archive:channel_hold")


@pytest.fixture
def registrar_client(client, registrar):
    client.force_login(registrar)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def channels(channel, make_channel):
    return {
        "library": channel,
        "youth": make_channel(
            display_name="Fritidsgården", address="https://www.facebook.com/Exempelby.Fritid/"
        ),
        "culture": make_channel(display_name="Kulturskolan"),
    }


def copies(channel, count):
    """`count` channels like `channel`, written in bulk (make_channel is slow)."""
    rows = []
    for n in range(count):
        row = Channel.objects.get(pk=channel.pk)
        row.pk = None
        row.application = None
        row.display_name = f"Kopia {n}"
        row.address = f"https://www.facebook.com/kopia{n}"
        row.normalized_address = f"facebook.com/kopia{n}"
        rows.append(row)
    return Channel.objects.bulk_create(rows)


def buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="channel" value="(\d+)"', html)


# --- The page ------------------------------------------------------------------------------


def test_the_page_has_a_text_field_and_no_list_of_channels(registrar_client, channels):
    html = registrar_client.get(HOLDS).content.decode()
    assert '<select name="channel"' not in html
    assert 'name="channel_q"' in html and 'type="search"' in html
    for channel in channels.values():
        assert escape(channel.display_name) not in html
    assert buttons(html) == [] and 'name="hold-reason"' not in html


def test_the_matches_are_listed_each_with_its_own_button(registrar_client, channels):
    response = registrar_client.get(HOLDS, {"channel_q": "exempelby.fritid"})
    html = response.content.decode()
    assert buttons(html) == [str(channels["youth"].pk)]
    assert "Fritidsgården (Facebook)" in html and "Kulturskolan" not in html
    assert 'name="hold-reason"' in html
    assert '<input type="hidden" name="channel_q" value="exempelby.fritid">' in html

    several = registrar_client.get(HOLDS, {"channel_q": "facebook"}).content.decode()
    assert sorted(buttons(several)) == sorted(str(c.pk) for c in channels.values())
    assert "3 channels match. Hold the one you mean:" in several


def test_a_hold_is_placed_on_the_channel_chosen_among_the_matches(registrar_client, channels):
    youth = channels["youth"]
    response = registrar_client.post(
        HOLD, {"channel_q": "fritid", "channel": youth.pk, "hold-reason": "Tvist om avtal."}
    )
    assert response.status_code == 302 and response.url == HOLDS
    hold = LegalHold.objects.get()
    assert (hold.channel, hold.reason, hold.record) == (youth, "Tvist om avtal.", None)
    page = registrar_client.get(HOLDS).content.decode()
    assert "Every record of Fritidsgården (Facebook) is held from disposal." in page


@pytest.mark.parametrize(
    "data, field, message",
    [
        # A channel the text does not list: never held, though it exists.
        ({"channel_q": "fritid", "channel": "culture"}, "channel_q", "Choose one of the channels"),
        # The old form: a number without the text it was chosen by.
        ({"channel": "culture"}, "channel_q", "Type part of the channel's name or address."),
        ({"channel_q": "fritid"}, "channel_q", "Choose one of the channels listed."),
        ({"channel_q": "fritid", "channel": "nej"}, "channel_q", "Choose one of the channels"),
        ({"channel_q": "fritid", "channel": str(10**40)}, "channel_q", "Choose one of the"),
        ({"channel_q": "finns inte", "channel": "youth"}, "channel_q", "No channel matches"),
        ({"channel_q": "   ", "channel": "youth"}, "channel_q", "Type part of the channel's"),
        ({"channel_q": "å" * 201, "channel": "youth"}, "channel_q", "at most 200 characters"),
        ({"channel_q": "fri\x00tid", "channel": "youth"}, "channel_q", "Null characters"),
        ({"channel_q": "fritid", "channel": "youth", "hold-reason": ""}, "reason", "required"),
    ],
)
def test_bad_input_is_an_error_next_to_the_field_and_holds_nothing(
    registrar_client, channels, data, field, message
):
    data = {"hold-reason": "Tvist.", **data}
    if data.get("channel") in channels:
        data["channel"] = channels[data["channel"]].pk
    response = registrar_client.post(HOLD, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(message) in html
    error_id = "id_channel_q" if field == "channel_q" else "id_hold-reason"
    assert f'id="error_1_{error_id}"' in html
    assert LegalHold.objects.count() == 0


def test_a_bad_text_on_the_page_is_an_error_next_to_the_field(registrar_client, channels):
    for text, message in [
        ("", "Type part of the channel's name or address."),
        ("finns inte", "No channel matches “finns inte”."),
        ("å" * 201, "at most 200 characters"),
    ]:
        response = registrar_client.get(HOLDS, {"channel_q": text})
        assert response.status_code == 200
        html = response.content.decode()
        assert escape(message) in html and 'id="error_1_id_channel_q"' in html
        assert buttons(html) == []


def test_more_matches_than_are_listed_list_the_first_and_hold_only_those(
    registrar_client, channels, monkeypatch
):
    monkeypatch.setattr(channel_matches, "CHANNEL_MATCHES_LISTED", 2)
    html = registrar_client.get(HOLDS, {"channel_q": "facebook"}).content.decode()
    listed = buttons(html)
    assert len(listed) == 2
    assert "Type more of the name to find others." in html
    unlisted = next(c for c in channels.values() if str(c.pk) not in listed)
    response = registrar_client.post(
        HOLD, {"channel_q": "facebook", "channel": unlisted.pk, "hold-reason": "Tvist."}
    )
    assert response.status_code == 400 and LegalHold.objects.count() == 0


def test_only_registrars_place_holds(client, communicator, channels):
    client.force_login(communicator)
    youth = channels["youth"]
    assert client.get(HOLDS, {"channel_q": "fritid"}).status_code == 404
    response = client.post(HOLD, {"channel_q": "fritid", "channel": youth.pk, "hold-reason": "x"})
    assert response.status_code == 404 and LegalHold.objects.count() == 0


# --- Hostile names, and the page's cost ------------------------------------------------------


def test_hostile_channel_names_are_shown_as_text(registrar_client, make_channel):
    name = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    hostile = make_channel(display_name=name)
    make_channel(display_name="<b>Ful</b> & co")
    pages = {
        "one": registrar_client.get(HOLDS, {"channel_q": "pwned"}),
        "several": registrar_client.get(HOLDS, {"channel_q": "<"}),
        "refused": registrar_client.post(HOLD, {"channel_q": "<", "channel": hostile.pk}),
    }
    for where, response in pages.items():
        html = response.content.decode()
        assert_harmless(html, where)
        assert_shown_as_text(html, name, where)
    assert "&lt;b&gt;Ful&lt;/b&gt; &amp; co (Facebook)" in pages["several"].content.decode()
    registrar_client.post(HOLD, {"channel_q": "pwned", "channel": hostile.pk, "hold-reason": "x"})
    html = registrar_client.get(HOLDS).content.decode()
    assert_harmless(html, "the list of holds")
    assert_shown_as_text(html, name, "the list of holds")


def test_the_page_does_not_grow_with_the_channels(registrar_client, channel):
    results = []
    for count in (0, 60):
        copies(channel, count)
        measured = []
        for params in ({}, {"channel_q": "biblioteket"}, {"channel_q": "kopia"}):
            with CaptureQueriesContext(connection) as captured:
                response = registrar_client.get(HOLDS, params)
            assert response.status_code == 200
            channel_queries = [q for q in captured if 'FROM "channels_channel"' in q["sql"]]
            measured.append((len(captured), len(channel_queries), len(response.content)))
        results.append(measured)
    few, many = results
    # Without a text no channel is read; with one, one query, limited to the listed.
    assert [channels for _q, channels, _s in many] == [0, 1, 1]
    assert [q for q, _c, _s in few[:2]] == [q for q, _c, _s in many[:2]]
    assert [s for _q, _c, s in few[:2]] == [s for _q, _c, s in many[:2]]
    html = registrar_client.get(HOLDS, {"channel_q": "kopia"}).content.decode()
    assert len(buttons(html)) == channel_matches.CHANNEL_MATCHES_LISTED


@pytest.mark.parametrize("count", [0, 60])
def test_hold_list_query_budget(
    registrar_client, channel, count, make_record, django_assert_max_num_queries
):
    copies(channel, count)
    # Session and user 2, the permissions 2, the holds' count 1 (none to show), the
    # channels 1, the navigation's groups 1, the session save 3: 10, whatever the count.
    with django_assert_max_num_queries(10):
        registrar_client.get(HOLDS, {"channel_q": "facebook"})
    # The post: the same reads, the channels 1, the hold's writes with its audit row, and
    # on PostgreSQL the lock that keeps disposal out meanwhile 1 (archive/services/guard.py).
    with django_assert_max_num_queries(18):
        response = registrar_client.post(
            HOLD, {"channel_q": "biblioteket", "channel": channel.pk, "hold-reason": "Tvist."}
        )
    assert response.status_code == 302
