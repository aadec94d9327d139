"""The Atom feed of the public register's changes."""

import datetime

import feedparser
import pytest
from django.urls import reverse

from channels.models import ChannelEvent
from channels.services.channels import channel_close, channel_update

pytestmark = pytest.mark.django_db

FEED = reverse("channels:public_feed")


@pytest.fixture
def history(make_channel, communicator):
    """A publish, an edit of public details and a closure, plus non-public events."""
    library = make_channel(display_name="Bibliotekets Facebook")
    library = channel_update(
        channel=library,
        actor=communicator,
        data={"purpose": "Tipsa om böcker & evenemang."},
        expected_version=library.version,
    )
    youth = make_channel(display_name="Fritidsgårdens <Facebook>")
    youth = channel_close(channel=youth, actor=communicator, closure_date=datetime.date(2024, 3, 1))
    hidden = make_channel(display_name="Aldrig publicerad", publish=False)
    return {"library": library, "youth": youth, "hidden": hidden}


def parse(response):
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feed_is_valid_atom_with_the_public_changes_newest_first(client, history):
    response = client.get(FEED)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response)
    assert feed.version == "atom10"
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "Avslutad: Fritidsgårdens <Facebook>",
        "Publicerad: Fritidsgårdens <Facebook>",
        "Uppgifter ändrade: Bibliotekets Facebook",
        "Publicerad: Bibliotekets Facebook",
    ]
    # Registering (and the event of the never-published channel) is not public.
    assert "Aldrig publicerad" not in response.content.decode()


def test_feed_entries_have_unique_ids_updated_times_and_links(client, history):
    feed = parse(client.get(FEED))
    events = list(ChannelEvent.objects.filter(public=True).order_by("-created_at", "-pk"))

    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids) == 4
    for entry, event in zip(feed.entries, events, strict=True):
        assert entry.id.startswith("tag:")
        assert entry.id.endswith(f":channel-event:{event.pk}")
        assert entry.updated_parsed is not None
        assert entry.link.startswith("http://testserver/")
    closed, _, edited, _ = feed.entries
    library = history["library"]
    assert edited.link == f"http://testserver{library.get_absolute_url()}"
    assert "Ändrat: syfte" in edited.summary
    # A closed channel has no page: its entry links to the verification.
    assert closed.link.startswith("http://testserver/kanaler/verifiera/?url=")
    assert "1 mars 2024" in closed.summary
    assert feed.feed.updated_parsed is not None


def test_feed_ids_stay_the_same_when_the_feed_grows(client, history, make_channel):
    before = {entry.title: entry.id for entry in parse(client.get(FEED)).entries}

    make_channel(display_name="Ny kanal")
    after = {entry.title: entry.id for entry in parse(client.get(FEED)).entries}

    assert after.items() >= before.items()
    assert "Publicerad: Ny kanal" in after


def test_feed_keeps_the_newest_fifty(client, history, make_channel, communicator):
    library = history["library"]
    for n in range(50):
        library = channel_update(
            channel=library,
            actor=communicator,
            data={"purpose": f"Syfte {n}"},
            expected_version=library.version,
        )

    feed = parse(client.get(FEED))

    assert len(feed.entries) == 50
    assert all(entry.title == "Uppgifter ändrade: Bibliotekets Facebook" for entry in feed.entries)


def test_feed_answers_304_until_the_register_changes(client, history, communicator):
    etag = client.get(FEED)["ETag"]
    assert client.get(FEED, HTTP_IF_NONE_MATCH=etag).status_code == 304

    library = history["library"]
    channel_update(
        channel=library,
        actor=communicator,
        data={"display_name": "Biblioteket"},
        expected_version=library.version,
    )

    response = client.get(FEED, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert parse(response).entries[0].title == "Uppgifter ändrade: Biblioteket"


def test_feed_in_english(client, history):
    feed = parse(english_client(client).get(FEED))

    assert feed.entries[0].title == "Closed: Fritidsgårdens <Facebook>"


def english_client(client):
    client.cookies["django_language"] = "en"
    return client
