"""The archive's channel filter: a text field for the channel's name, handle or
address instead of a select of every channel (BENCHMARKS.md, 4.), in the search
and in the E-ARK export; links that name a channel by its number keep working."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from archive.forms import ExportForm, RecordSearchForm
from archive.models import Export
from channels.forms import matches as channel_matches
from channels.services.channels import channel_close
from tests.archive.test_exports import data_files
from tests.archive.test_search import SEARCH_BUDGET
from tests.hostile.payloads import assert_harmless, assert_shown_as_text

pytestmark = pytest.mark.django_db

SEARCH = "/arkiv/sok/"
EXPORT = "/arkiv/export/"


@pytest.fixture
def registrar_client(client, registrar):
    client.force_login(registrar)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def channels(channel, make_channel, instagram):
    """Three channels besides the library's: one on Instagram under a similar name."""
    return {
        "library": channel,
        "library_ig": make_channel(
            display_name="Biblioteket på Instagram",
            platform=instagram,
            address="https://www.instagram.com/exempelby.bibliotek/",
        ),
        "youth": make_channel(
            display_name="Fritidsgården", address="https://www.facebook.com/Exempelby.Fritid/"
        ),
        "culture": make_channel(display_name="Kulturskolan"),
    }


@pytest.fixture
def records(channels, make_record):
    return {name: make_record(channel=channel) for name, channel in channels.items()}


def found(response) -> set:
    return {record.pk for record in response.context["page"].object_list}


def field_value(html: str, name: str) -> str:
    match = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


# --- The page --------------------------------------------------------------------------


def test_the_page_has_a_text_field_and_no_list_of_channels(registrar_client, channels):
    html = registrar_client.get(SEARCH).content.decode()
    assert '<select name="channel"' not in html
    assert 'name="channel_q"' in html and 'type="search"' in html
    assert 'type="hidden" name="channel"' in html
    for channel in channels.values():
        assert escape(channel.display_name) not in html
    # The start page shows the same form.
    home = registrar_client.get(reverse("archive:home")).content.decode()
    assert 'name="channel_q"' in home
    assert escape(channels["culture"].display_name) not in home


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("biblioteket", {"library", "library_ig"}),  # part of the name, any case
        ("BIBLIOTEKET", {"library", "library_ig"}),
        ("fritidsgården", {"youth"}),
        ("@exempelby.bibliotek", {"library_ig"}),  # a handle
        ("instagram.com/exempelby.bibliotek", {"library_ig"}),  # the address
        ("https://www.facebook.com/exempelby.fritid?ref=bookmarks", {"youth"}),  # another form
        ("Exempelby.Fritid", {"youth"}),
        ("Biblioteket på Instagram (Instagram)", {"library_ig"}),  # as the field shows one
    ],
)
def test_the_text_matches_name_handle_or_address(registrar_client, records, text, expected):
    response = registrar_client.get(SEARCH, {"channel_q": text})
    assert response.status_code == 200
    assert found(response) == {records[name].pk for name in expected}
    assert not response.context["form"].errors


def test_several_matches_show_all_their_records_and_a_link_to_each(
    registrar_client, channels, records
):
    response = registrar_client.get(SEARCH, {"channel_q": "biblioteket", "q": "", "sida": "2"})
    html = response.content.decode()
    assert "2 channels match “biblioteket”. The records of all of them are shown." in html
    links = dict(response.context["form"].channel_links())
    assert set(links) == {channels["library"], channels["library_ig"]}
    # The link searches that channel alone, keeps the other filters and starts on page 1.
    query = links[channels["library_ig"]]
    assert f'href="?{escape(query)}"' in html
    assert "channel_q" not in query and "sida" not in query and "q=" in query
    response = registrar_client.get(f"{SEARCH}?{query}")
    assert found(response) == {records["library_ig"].pk}


def test_one_match_is_named_under_the_field(registrar_client, records):
    html = registrar_client.get(SEARCH, {"channel_q": "kultur"}).content.decode()
    assert "One channel matches “kultur”: Kulturskolan (Facebook)" in html


def test_no_match_says_so_next_to_the_field_and_finds_nothing(registrar_client, records):
    response = registrar_client.get(SEARCH, {"channel_q": "simhallen"})
    assert response.status_code == 200
    assert found(response) == set()
    assert response.context["page"].paginator.count == 0
    assert response.context["form"].errors["channel_q"] == ["No channel matches “simhallen”."]
    html = response.content.decode()
    assert 'id="error_1_id_channel_q"' in html or "invalid-feedback" in html
    assert "No channel matches “simhallen”." in html


def test_more_matches_than_listed_filter_by_the_text(
    registrar_client, channels, records, monkeypatch
):
    monkeypatch.setattr(channel_matches, "CHANNEL_MATCHES_LISTED", 1)
    response = registrar_client.get(SEARCH, {"channel_q": "biblioteket"})
    assert found(response) == {records["library"].pk, records["library_ig"].pk}
    html = response.content.decode()
    assert "More than 1 channels match “biblioteket”" in html
    assert response.context["form"].channel_links() == []


def test_closed_channels_are_found_too(registrar_client, channels, records, communicator):
    channel_close(channel=channels["youth"], actor=communicator)
    response = registrar_client.get(SEARCH, {"channel_q": "fritid"})
    # The closed channel's records, its final summary among them.
    assert records["youth"].pk in found(response)


def test_hostile_channel_names_are_shown_as_text(registrar_client, make_channel, make_record):
    """Where a channel's name is written now: the matches under the field, the field
    itself (a link by number) and the export's choice."""
    name = (
        '</option></select><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    )
    hostile = make_channel(display_name=name)
    make_record(channel=hostile)
    make_record(channel=make_channel(display_name="<b>Ful</b> & co"))
    pages = {
        "matches": registrar_client.get(SEARCH, {"channel_q": "pwned"}),
        "several": registrar_client.get(SEARCH, {"channel_q": "<"}),
        "field": registrar_client.get(SEARCH, {"channel": hostile.pk}),
        "export choice": registrar_client.post(EXPORT, {"channel_q": "<"}),
    }
    for where, response in pages.items():
        html = response.content.decode()
        assert_harmless(html, where)
        assert_shown_as_text(html, name, where)
    assert "&lt;b&gt;Ful&lt;/b&gt; &amp; co (Facebook)" in pages["several"].content.decode()


# --- Links by number ---------------------------------------------------------------------


def test_a_link_with_the_channel_number_shows_its_name_and_filters_exactly(
    registrar_client, channels, records
):
    library = channels["library"]
    response = registrar_client.get(SEARCH, {"channel": library.pk})
    assert found(response) == {records["library"].pk}
    html = response.content.decode()
    assert field_value(html, "channel_q") == escape("Biblioteket på Facebook (Facebook)")
    assert field_value(html, "channel") == str(library.pk)
    assert response.context["form"].channel_links() == []

    # Submitted again as shown (another filter changed): still exactly that channel,
    # although its name alone would match the Instagram channel's "Biblioteket på".
    again = registrar_client.get(
        SEARCH, {"channel_q": "biblioteket på facebook  (FACEBOOK)", "channel": library.pk}
    )
    assert found(again) == {records["library"].pk}


def test_a_changed_text_wins_over_the_number_left_in_the_form(registrar_client, channels, records):
    library = channels["library"]
    response = registrar_client.get(SEARCH, {"channel_q": "biblioteket", "channel": library.pk})
    assert found(response) == {records["library"].pk, records["library_ig"].pk}
    assert field_value(response.content.decode(), "channel") == ""
    # An emptied field: every channel.
    response = registrar_client.get(SEARCH, {"channel_q": "", "channel": library.pk})
    assert found(response) == {record.pk for record in records.values()}
    assert not response.context["form"].errors


@pytest.mark.parametrize("number", ["999999", str(10**40), "-1", "x", "²", "1e3", " ", "4\x00"])
def test_a_bad_number_is_ignored_with_a_message(registrar_client, records, number):
    response = registrar_client.get(SEARCH, {"channel": number})
    assert response.status_code == 200
    assert found(response) == {record.pk for record in records.values()}
    if number.strip():
        assert response.context["form"].errors["channel_q"] == [
            "The link names a channel that does not exist."
        ]
        assert field_value(response.content.decode(), "channel") == ""


def test_a_bad_text_is_shown_next_to_the_field_and_ignored(registrar_client, records):
    for text in ("x" * 201, "bibl\x00"):
        response = registrar_client.get(SEARCH, {"channel_q": text})
        assert response.status_code == 200
        assert "channel_q" in response.context["form"].errors
        assert found(response) == {record.pk for record in records.values()}


# --- Queries ------------------------------------------------------------------------------

# tests/archive/test_search.py: SEARCH_BUDGET without a channel; one query finds the
# channels a text matches, or the channel a link names.


@pytest.mark.parametrize("extra", [3, 30])
def test_the_channel_filter_costs_one_query_whatever_the_number_of_channels(
    registrar_client,
    channels,
    records,
    make_channel,
    extra,
    monkeypatch,
    django_assert_max_num_queries,
):
    for n in range(extra):
        make_channel(display_name=f"Biblioteksfilial {n}")
    library = channels["library"]
    for query in (
        {"channel_q": "biblioteket"},
        {"channel": library.pk},
        {"channel_q": str(library), "channel": library.pk},
    ):
        with django_assert_max_num_queries(SEARCH_BUDGET + 1):
            response = registrar_client.get(SEARCH, query)
        assert response.status_code == 200
        assert len(response.content) < 40_000
    # More matches than are listed: their ids are one query more (forms.ChannelMatches).
    monkeypatch.setattr(channel_matches, "CHANNEL_MATCHES_LISTED", 2)
    with django_assert_max_num_queries(SEARCH_BUDGET + 2):
        response = registrar_client.get(SEARCH, {"channel_q": "bibliotek"})
    assert response.context["form"].channel_matches.more
    # A list of ids, not a subquery: PostgreSQL misjudges the rows of `ILIKE '%…%'`.
    ids = response.context["form"].channel_ids()
    assert isinstance(ids, list) and len(ids) == extra + 2


def test_the_form_alone(channels):
    library = channels["library"]
    form = RecordSearchForm({"channel": str(library.pk)})
    assert form.channel_ids() == [library.pk]
    assert RecordSearchForm({}).channel_ids() is None
    assert RecordSearchForm({"channel_q": "  "}).channel_ids() is None
    assert RecordSearchForm({"channel_q": "ingen sådan"}).channel_ids() == []
    assert RecordSearchForm().channel_matches_html() == ""


# --- The export ---------------------------------------------------------------------------


def test_export_page_has_no_list_of_channels(registrar_client, channels):
    html = registrar_client.get(EXPORT).content.decode()
    assert '<select name="channel"' not in html and 'name="channel_q"' in html
    assert escape(channels["culture"].display_name) not in html


def test_export_of_the_one_channel_the_text_matches(registrar_client, records):
    response = registrar_client.post(EXPORT, {"channel_q": "kultur", "record_type": ""})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    files = data_files(b"".join(response.streaming_content))
    assert {name.split(".")[0] for name in files} == {f"record-{records['culture'].pk}"}


def test_export_by_number_as_before(registrar_client, channels, records):
    response = registrar_client.post(EXPORT, {"channel": channels["youth"].pk})
    files = data_files(b"".join(response.streaming_content))
    assert {name.split(".")[0] for name in files} == {f"record-{records['youth'].pk}"}


def test_export_of_several_matches_asks_which_and_takes_the_choice(
    registrar_client, channels, records
):
    response = registrar_client.post(EXPORT, {"channel_q": "biblioteket"})
    assert response.status_code == 400
    assert Export.objects.count() == 0
    html = response.content.decode()
    assert "2 channels match “biblioteket”: choose one." in html
    ig = channels["library_ig"]
    assert re.search(r"<legend[^>]*>\s*Which channel\?\s*</legend>", html)
    assert re.search(rf'type="radio"[^>]* name="channel" value="{ig.pk}"', html)
    assert "Biblioteket på Instagram (Instagram), instagram.com/exempelby.bibliotek" in html

    response = registrar_client.post(EXPORT, {"channel_q": "biblioteket", "channel": ig.pk})
    files = data_files(b"".join(response.streaming_content))
    assert {name.split(".")[0] for name in files} == {f"record-{records['library_ig'].pk}"}

    # A number that is not among the text's matches: the text decides, and asks again.
    response = registrar_client.post(
        EXPORT, {"channel_q": "biblioteket", "channel": channels["culture"].pk}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"channel_q": "simhallen"},
        {"channel": "999999"},
        {"channel": str(10**40)},
        {"channel": "x"},
        {"channel_q": "x" * 201},
    ],
)
def test_export_refuses_what_names_no_channel(registrar_client, records, data):
    response = registrar_client.post(EXPORT, data)
    assert response.status_code == 400
    assert "channel_q" in response.context["form"].errors
    assert not response.has_header("Content-Disposition")
    assert Export.objects.count() == 0


def test_export_with_more_matches_than_listed_asks_for_more_of_the_name(
    registrar_client, records, monkeypatch
):
    monkeypatch.setattr(channel_matches, "CHANNEL_MATCHES_LISTED", 1)
    response = registrar_client.post(EXPORT, {"channel_q": "biblioteket"})
    assert response.status_code == 400
    assert response.context["form"].errors["channel_q"] == [
        "More than 1 channels match “biblioteket”: type more of the name, or the address."
    ]
    assert 'type="radio"' not in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite folds ASCII case only")
def test_the_text_matches_swedish_letters_in_any_case(registrar_client, records):
    response = registrar_client.get(SEARCH, {"channel_q": "FRITIDSGÅRDEN"})
    assert found(response) == {records["youth"].pk}


def test_export_form_cleans_to_one_channel_or_none(channels):
    form = ExportForm({"channel_q": "fritid"})
    assert form.is_valid() and form.cleaned_data["channel"] == channels["youth"]
    form = ExportForm({"channel_q": ""})
    assert form.is_valid() and form.cleaned_data["channel"] is None
