""" "Is this account official?": the verification page and /api/v1/verify."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from channels.services.channels import channel_close, channel_publish

pytestmark = pytest.mark.django_db

PAGE = reverse("channels:public_verify")
API = "/api/v1/verify"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def register(make_channel, communicator, manager, other_unit, instagram, settings):
    settings.MUNICIPALITY_NAME = "Smedjebackens kommun"
    settings.CONTACT_EMAIL = "kommunikation@smedjebacken.example"
    other_unit.managers.add(manager)
    official = make_channel(
        display_name="Smedjebackens kommun på Facebook",
        address="https://www.facebook.com/Smedjebacken/",
    )
    closed = make_channel(
        display_name="Gamla fritidsgården",
        unit=other_unit,
        platform=instagram,
        address="https://www.instagram.com/gamla_fritis/",
    )
    closed = channel_close(
        channel=closed, actor=communicator, closure_date=datetime.date(2024, 3, 1)
    )
    registered = make_channel(
        display_name="Inte publicerad än", address="https://www.facebook.com/snartpublicerad"
    )
    from channels.services.channels import channel_unpublish

    registered = channel_unpublish(channel=registered, actor=communicator)
    return {"official": official, "closed": closed, "registered": registered}


# --- The page ------------------------------------------------------------------


def test_empty_page_shows_the_form(client, db):
    response = client.get(PAGE)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'for="id_url"' in content
    assert "Resultat" not in content


@pytest.mark.parametrize(
    "pasted",
    [
        "facebook.com/smedjebacken",
        "https://www.facebook.com/Smedjebacken/",
        "https://m.facebook.com/smedjebacken?ref=bookmarks",
        "  https://sv-se.facebook.com/Smedjebacken/about  ",
    ],
)
def test_page_confirms_an_official_channel_however_it_is_written(client, register, pasted):
    response = client.get(PAGE, {"url": pasted})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ja: det här är en officiell kanal för Smedjebackens kommun." in content
    assert f'href="{register["official"].get_absolute_url()}"' in content
    assert response.context["verification"].status == "official"


def test_page_says_a_closed_channel_is_no_longer_official_since_its_date(client, register):
    response = client.get(PAGE, {"url": "instagram.com/gamla_fritis"})

    content = response.content.decode()
    assert "Det här är inte längre en officiell kanal för Smedjebackens kommun." in content
    assert "avslutades den 1 mars 2024" in content
    assert "kommunikation@smedjebacken.example" in content


@pytest.mark.parametrize(
    "pasted",
    ["https://www.facebook.com/smedjebacken.kommun.falsk", "instagram.com/smedjebacken"],
)
def test_page_says_an_unknown_account_is_not_official_with_advice(client, register, pasted):
    response = client.get(PAGE, {"url": pasted})

    content = response.content.decode()
    assert "Det här är inte en officiell kanal för Smedjebackens kommun." in content
    assert "Lita inte på det som kontot säger" in content
    assert 'href="mailto:kommunikation@smedjebacken.example"' in content
    assert "Anmäl kontot till plattformen" in content


def test_page_does_not_confirm_a_registered_but_unpublished_channel(client, register):
    response = client.get(PAGE, {"url": "facebook.com/snartpublicerad"})

    assert response.context["verification"].status == "unknown"


def test_page_reads_a_bare_handle_with_or_without_platform(client, register):
    anywhere = client.get(PAGE, {"url": "@Smedjebacken"})
    on_instagram = client.get(PAGE, {"url": "@Smedjebacken", "plattform": "instagram"})
    on_facebook = client.get(PAGE, {"url": "@Smedjebacken", "plattform": "facebook"})

    assert anywhere.context["verification"].status == "official"
    # The same name on another platform is somebody else.
    assert on_instagram.context["verification"].status == "unknown"
    assert on_facebook.context["verification"].channel == register["official"]


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "Det här fältet är obligatoriskt."),
        ("   ", "Det här fältet är obligatoriskt."),
        ("inte en adress alls!", "Vi kunde inte läsa det här som adressen"),
        ("https://www.instagram.com/p/Cabc123/", "Vi kunde inte läsa det här som adressen"),
        ("javascript:alert(1)", "Vi kunde inte läsa det här som adressen"),
        ("x" * 600, "500"),
    ],
)
def test_page_explains_input_it_cannot_read_next_to_the_field(client, register, pasted, message):
    response = client.get(PAGE, {"url": pasted})

    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'aria-invalid="true"' in content
    assert response.context["form"].errors["url"]
    assert response.context["verification"] is None


def test_page_answers_304_until_the_register_changes(client, register, communicator):
    params = {"url": "facebook.com/snartpublicerad"}
    client.get(PAGE, params)
    etag = client.get(PAGE, params)["ETag"]
    assert client.get(PAGE, params, HTTP_IF_NONE_MATCH=etag).status_code == 304

    channel_publish(channel=register["registered"], actor=communicator)

    response = client.get(PAGE, params, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.context["verification"].status == "official"


# --- The API -------------------------------------------------------------------


def test_api_confirms_an_official_channel(client, register):
    response = client.get(API, {"url": "facebook.com/smedjebacken"})

    assert response.status_code == 200
    data = response.json()
    channel = register["official"]
    assert data["url"] == "facebook.com/smedjebacken"
    assert data["normalized"] == "facebook.com/smedjebacken"
    assert data["verified"] is True
    assert data["status"] == "official"
    assert data["channel"]["id"] == channel.pk
    assert data["channel"]["name"] == "Smedjebackens kommun på Facebook"
    assert data["channel"]["url"] == f"http://testserver{channel.get_absolute_url()}"
    assert data["channel"]["closed_since"] is None


def test_api_reports_a_closed_channel_with_its_date(client, register):
    data = client.get(API, {"url": "https://www.instagram.com/Gamla_Fritis/"}).json()

    assert data["verified"] is False
    assert data["status"] == "closed"
    assert data["normalized"] == "instagram.com/gamla_fritis"
    assert data["channel"]["closed_since"] == "2024-03-01"
    assert data["channel"]["url"] is None


def test_api_closed_since_falls_back_to_the_closing_day(client, register, communicator):
    channel = register["official"]
    channel = channel_close(channel=channel, actor=communicator)

    data = client.get(API, {"url": "facebook.com/smedjebacken"}).json()

    assert data["status"] == "closed"
    assert data["channel"]["closed_since"] == channel.closure_date.isoformat()


def test_api_answers_unknown_for_other_accounts(client, register):
    data = client.get(API, {"url": "https://www.facebook.com/smedjebacken.falsk"}).json()

    assert data == {
        "url": "https://www.facebook.com/smedjebacken.falsk",
        "normalized": "facebook.com/smedjebacken.falsk",
        "verified": False,
        "status": "unknown",
        "channel": None,
    }


def test_api_bare_handle_needs_the_platform_to_be_unambiguous(client, register):
    anywhere = client.get(API, {"url": "@nobodyhere"}).json()
    on_facebook = client.get(API, {"url": "@nobodyhere", "platform": "facebook"}).json()

    assert anywhere["status"] == "unknown"
    assert anywhere["normalized"] == ""
    assert on_facebook["normalized"] == "facebook.com/nobodyhere"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "required"),
        ({"url": ""}, "blank"),
        ({"url": "   "}, "blank"),
        ({"url": "x" * 501}, "max_length"),
        ({"url": "inte en adress!"}, "invalid"),
        ({"url": "https://www.youtube.com/watch?v=abc"}, "invalid"),
    ],
)
def test_api_bad_url_answers_400_json(client, db, params, code):
    response = client.get(API, params)

    assert response.status_code == 400
    assert response.json()["field"] == "url"
    assert response.json()["code"] == code


def test_api_unknown_platform_answers_400(client, db):
    response = client.get(API, {"url": "@kommunen", "platform": "myspace"})

    assert response.status_code == 400
    assert response.json()["field"] == "platform"


def test_api_answers_304_until_the_register_changes(client, register, communicator):
    params = {"url": "facebook.com/smedjebacken"}
    etag = client.get(API, params)["ETag"]
    assert client.get(API, params, HTTP_IF_NONE_MATCH=etag).status_code == 304

    channel_close(channel=register["official"], actor=communicator)

    response = client.get(API, params, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
