"""The public register pages: list, channel page and political links.

State is set up through the services (make_channel), as a communicator would
cause it; only the query-budget test bulk-creates rows (see there).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import Channel, ChannelStatus, Platform, PoliticalLink
from channels.services.channels import channel_close, channel_update

pytestmark = pytest.mark.django_db

LIST = reverse("channels:public_list")


@pytest.fixture
def register(make_channel, communicator, manager, unit, other_unit, facebook, instagram):
    """One channel in each state, on two units and two platforms."""
    # make_channel approves with `manager`; let them decide for both units.
    other_unit.managers.add(manager)
    library = make_channel(
        display_name="Bibliotekets Facebook",
        address="https://www.facebook.com/Smedjebacken/",
        purpose="Tipsa om nya böcker och evenemang.",
    )
    youth = make_channel(
        display_name="Fritidsgårdens Instagram",
        unit=other_unit,
        platform=instagram,
        address="https://www.instagram.com/fritidsgarden_smedje/",
        purpose="Aktiviteter för unga.",
    )
    registered = make_channel(display_name="Ännu inte publicerad", publish=False)
    closed = make_channel(display_name="Nedlagd kanal")
    closed = channel_close(
        channel=closed, actor=communicator, closure_date=datetime.date(2024, 3, 1)
    )
    return {"library": library, "youth": youth, "registered": registered, "closed": closed}


def names(response):
    return [channel.display_name for channel in response.context["page"].object_list]


def test_list_shows_published_channels_only(client, register):
    response = client.get(LIST)

    assert response.status_code == 200
    assert names(response) == ["Bibliotekets Facebook", "Fritidsgårdens Instagram"]
    content = response.content.decode()
    assert "Ännu inte publicerad" not in content
    assert "Nedlagd kanal" not in content
    assert "2 kanaler hittades" in content


def test_list_search_matches_name_address_unit_and_purpose(client, register):
    assert names(client.get(LIST, {"q": "instagram"})) == ["Fritidsgårdens Instagram"]
    assert names(client.get(LIST, {"q": "fritidsgarden_smedje"})) == ["Fritidsgårdens Instagram"]
    assert names(client.get(LIST, {"q": "bibliotek"})) == ["Bibliotekets Facebook"]
    assert names(client.get(LIST, {"q": "nya böcker"})) == ["Bibliotekets Facebook"]
    # Registered and closed channels are not found by search either.
    assert names(client.get(LIST, {"q": "publicerad"})) == []
    assert names(client.get(LIST, {"q": "Nedlagd"})) == []


def test_list_filters_by_unit_and_platform(client, register):
    assert names(client.get(LIST, {"enhet": "fritidsgarden"})) == ["Fritidsgårdens Instagram"]
    assert names(client.get(LIST, {"plattform": "facebook"})) == ["Bibliotekets Facebook"]
    assert names(client.get(LIST, {"enhet": "biblioteket", "plattform": "instagram"})) == []


def test_list_sorts_by_unit_platform_and_name(client, register):
    by_unit = names(client.get(LIST, {"sortera": "enhet"}))
    assert by_unit == ["Bibliotekets Facebook", "Fritidsgårdens Instagram"]
    # Platforms sort by their position, then name: put Instagram first.
    Platform.objects.filter(slug="instagram").update(position=1)
    by_platform = names(client.get(LIST, {"sortera": "plattform"}))
    assert by_platform == ["Fritidsgårdens Instagram", "Bibliotekets Facebook"]


def test_list_without_results_says_so_and_offers_to_clear(client, register):
    response = client.get(LIST, {"q": "finns inte"})

    content = response.content.decode()
    assert "0 kanaler hittades" in content
    assert "Ingen kanal matchar din sökning." in content
    assert f'href="{LIST}"' in content


@pytest.mark.parametrize(
    "params",
    [
        {"enhet": "finns-inte"},
        {"plattform": "myspace"},
        {"sortera": "DROP TABLE"},
        {"sida": "abc"},
        {"sida": "99999"},
        {"sida": "-1"},
        {"q": "x" * 5000},
        {"enhet": ["biblioteket", "fritidsgarden"]},
        {"q": "\x00"},
    ],
)
def test_list_bad_parameters_never_fail(client, register, params):
    response = client.get(LIST, params)

    assert response.status_code == 200


def test_list_unknown_unit_is_ignored_with_a_message_at_the_field(client, register):
    response = client.get(LIST, {"enhet": "finns-inte"})

    assert names(response) == ["Bibliotekets Facebook", "Fritidsgårdens Instagram"]
    assert response.context["form"].errors["enhet"]


def test_list_is_paginated_with_the_current_page_marked(client, communicator, unit, facebook):
    bulk_publish(60, unit=unit, platform=facebook, registered_by=communicator)

    first = client.get(LIST)
    last = client.get(LIST, {"sida": "99999"})

    assert len(names(first)) == 50
    assert 'aria-current="page"' in first.content.decode()
    assert "sida=2" in first.content.decode()
    assert last.context["page"].number == 2
    assert len(names(last)) == 10


def bulk_publish(count, *, unit, platform, registered_by):
    """Published channels as rows, without the services.

    Only for tests about size (pagination and query budgets): creating
    hundreds of channels through the whole application workflow would take
    most of a minute, and these tests are about reading, not the workflow.
    """
    now = timezone.now()
    Channel.objects.bulk_create(
        [
            Channel(
                unit=unit,
                platform=platform,
                display_name=f"Massupplagd kanal {n:04d}",
                address=f"https://www.facebook.com/massupplagd{n}",
                normalized_address=f"facebook.com/massupplagd{n}",
                purpose="Information.",
                target_group="Alla.",
                public_email="kontakt@example.se",
                status=ChannelStatus.PUBLISHED,
                published_at=now,
                registered_by=registered_by,
            )
            for n in range(count)
        ]
    )


@pytest.mark.parametrize("count", [10, 200])
def test_list_query_budget(
    client, django_assert_max_num_queries, communicator, unit, facebook, count
):
    bulk_publish(count, unit=unit, platform=facebook, registered_by=communicator)

    # 1 for the register's version (the ETag), 1 count and 1 page for the
    # paginator, 1 each for the unit and platform choices of the filter form,
    # 1 each to look up the chosen unit and platform: 7, whatever the size.
    with django_assert_max_num_queries(7):
        response = client.get(LIST, {"enhet": "biblioteket", "plattform": "facebook", "q": "kanal"})

    assert response.context["page"].paginator.count == count


def test_detail_shows_the_public_details_and_never_private_contacts(client, register):
    channel = register["library"]
    Channel.objects.filter(pk=channel.pk).update(public_phone="0240-660 00")

    response = client.get(channel.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Bibliotekets Facebook</h1>" in content
    assert 'href="https://facebook.com/smedjebacken"' in content
    assert "Biblioteket" in content
    assert "Tipsa om nya böcker och evenemang." in content
    assert "Invånare i alla åldrar." in content
    assert "mailto:kontakt@example.se" in content
    assert "0240-660 00" in content
    contact = channel.contacts.get(role="responsible")
    assert contact.name not in content
    assert contact.email not in content
    assert contact.phone not in content


@pytest.mark.parametrize("state", ["registered", "closed"])
def test_detail_of_a_channel_not_published_is_404(client, register, state):
    response = client.get(register[state].get_absolute_url())

    assert response.status_code == 404


def test_detail_of_a_missing_channel_is_404(client, db):
    assert client.get(reverse("channels:public_detail", args=[987654])).status_code == 404


def test_public_pages_need_no_login_and_refuse_post(client, register):
    assert client.get(LIST).status_code == 200
    assert client.post(LIST).status_code == 405


def test_political_page_groups_active_links_by_party_with_the_disclaimer(client, db, settings):
    settings.MUNICIPALITY_NAME = "Smedjebackens kommun"
    PoliticalLink.objects.create(
        party="Partiet A", person="Alva Ek", body="Kommunfullmäktige", url="https://a.example/"
    )
    PoliticalLink.objects.create(
        party="Partiet A", person="Bo Ek", body="Kommunstyrelsen", url="https://b.example/"
    )
    PoliticalLink.objects.create(
        party="Partiet B", person="Cia Lind", body="Kommunfullmäktige", url="https://c.example/"
    )
    PoliticalLink.objects.create(
        party="Partiet C",
        person="Dold Person",
        body="Nämnd",
        url="https://d.example/",
        is_active=False,
    )

    response = client.get(reverse("channels:public_political"))

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        "Smedjebackens kommun ansvarar inte för inlägg och kommentarer i politikernas bloggar."
        in content
    )
    assert content.count("<h2") == 2
    assert content.index("Partiet A") < content.index("Alva Ek") < content.index("Bo Ek")
    assert content.index("Bo Ek") < content.index("Partiet B") < content.index("Cia Lind")
    assert "Dold Person" not in content
    assert 'href="https://a.example/" rel="nofollow"' in content


def test_political_page_revalidates_when_a_link_changes(client, db):
    url = reverse("channels:public_political")
    link = PoliticalLink.objects.create(
        party="Partiet A", person="Alva Ek", body="Kommunfullmäktige", url="https://a.example/"
    )
    client.get(url)  # receives the CSRF cookie the language form needs
    etag = client.get(url)["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    link.is_active = False
    link.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Alva Ek" not in response.content.decode()


# --- Conditional GET ---------------------------------------------------------


def test_list_answers_304_until_the_register_changes(client, register, communicator):
    client.get(LIST)  # receives the CSRF cookie the language form needs
    first = client.get(LIST)
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"]
    assert "private" in first["Cache-Control"]

    not_modified = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""

    library = register["library"]
    channel_update(
        channel=library,
        actor=communicator,
        data={"display_name": "Biblioteket på Facebook"},
        expected_version=library.version,
    )
    changed = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Biblioteket på Facebook" in changed.content.decode()


@pytest.mark.parametrize("change", ["publish", "close"])
def test_detail_and_list_revalidate_after_publish_and_close(client, register, communicator, change):
    from channels.services.channels import channel_publish

    channel = register["registered"] if change == "publish" else register["library"]
    client.get(LIST)
    list_etag = client.get(LIST)["ETag"]
    # A 404 (the registered channel) has no ETag: it is raised, not returned.
    detail_etag = client.get(channel.get_absolute_url()).get("ETag", "")

    if change == "publish":
        channel_publish(channel=channel, actor=communicator)
    else:
        channel_close(channel=channel, actor=communicator)

    listed = client.get(LIST, HTTP_IF_NONE_MATCH=list_etag)
    detail = client.get(channel.get_absolute_url(), HTTP_IF_NONE_MATCH=detail_etag)
    assert listed.status_code == 200
    assert (channel.display_name in listed.content.decode()) == (change == "publish")
    assert detail.status_code == (200 if change == "publish" else 404)


def test_etag_depends_on_the_language_and_the_query(client, register):
    client.get(LIST)
    swedish = client.get(LIST)["ETag"]
    client.cookies["django_language"] = "en"
    english = client.get(LIST)["ETag"]
    searched = client.get(LIST, {"q": "bibliotek"})["ETag"]

    assert len({swedish, english, searched}) == 3
    in_english = client.get(LIST, HTTP_IF_NONE_MATCH=swedish)
    assert in_english.status_code == 200
