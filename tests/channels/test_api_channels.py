"""The open-data API: channels as JSON and CSV, errors, CORS, caching, schema."""

import csv
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from channels.models import Channel, ChannelStatus
from channels.services.channels import channel_close, channel_publish, channel_update

pytestmark = pytest.mark.django_db

CHANNELS = "/api/v1/channels"
CSV = "/api/v1/channels.csv"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts requests per address in the cache; start each test at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def register(make_channel, communicator, manager, unit, other_unit, facebook, instagram):
    other_unit.managers.add(manager)
    library = make_channel(
        display_name="Bibliotekets Facebook",
        address="https://www.facebook.com/Smedjebacken/",
        purpose="Tipsa om nya böcker.",
    )
    youth = make_channel(
        display_name="Fritidsgårdens Instagram",
        unit=other_unit,
        platform=instagram,
        address="https://www.instagram.com/fritidsgarden_smedje/",
        purpose="Aktiviteter för unga.",
    )
    registered = make_channel(display_name="Ännu inte publicerad", publish=False)
    closed = channel_close(channel=make_channel(display_name="Nedlagd"), actor=communicator)
    return {"library": library, "youth": youth, "registered": registered, "closed": closed}


def names(response):
    return [channel["name"] for channel in response.json()["results"]]


def test_channels_lists_published_channels_with_public_fields(client, register):
    response = client.get(CHANNELS)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 2
    assert data["next"] is None
    assert data["previous"] is None
    library = data["results"][0]
    channel = register["library"]
    assert library == {
        "id": channel.pk,
        "name": "Bibliotekets Facebook",
        "platform": {"slug": "facebook", "name": "Facebook"},
        "address": "https://www.facebook.com/Smedjebacken/",
        "normalized_address": "facebook.com/smedjebacken",
        "unit": {"slug": "biblioteket", "name": "Biblioteket"},
        "purpose": "Tipsa om nya böcker.",
        "target_group": "Invånare i alla åldrar.",
        "public_contact": {"email": "kontakt@example.se", "phone": ""},
        "published_at": timezone.localtime(channel.published_at).isoformat(),
        "url": f"http://testserver/kanaler/{channel.pk}/",
    }
    assert names(response) == ["Bibliotekets Facebook", "Fritidsgårdens Instagram"]
    # The private contacts of the application are never shown.
    assert "Rebecka" not in response.content.decode()


def test_channels_filters_and_search(client, register):
    assert names(client.get(CHANNELS, {"unit": "fritidsgarden"})) == ["Fritidsgårdens Instagram"]
    assert names(client.get(CHANNELS, {"platform": "facebook"})) == ["Bibliotekets Facebook"]
    assert names(client.get(CHANNELS, {"q": "böcker"})) == ["Bibliotekets Facebook"]
    assert names(client.get(CHANNELS, {"q": "Nedlagd"})) == []
    assert names(client.get(CHANNELS, {"unit": "biblioteket", "platform": "instagram"})) == []


def test_channels_pages_with_limit_and_offset(client, register):
    first = client.get(CHANNELS, {"limit": 1}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 2
    assert [c["name"] for c in first["results"]] == ["Bibliotekets Facebook"]
    assert [c["name"] for c in second["results"]] == ["Fritidsgårdens Instagram"]
    assert second["next"] is None
    assert second["previous"].startswith("http://testserver/api/v1/channels")


FILTER_ERRORS = [
    ({"unit": "finns-inte"}, "unit", "does_not_exist"),
    ({"platform": "myspace"}, "platform", "does_not_exist"),
    ({"q": "x" * 201}, "q", "max_length"),
]
PAGING_ERRORS = [
    ({"limit": "abc"}, "limit", "invalid"),
    ({"limit": "0"}, "limit", "min_value"),
    ({"limit": "100000"}, "limit", "max_value"),
    ({"offset": "-1"}, "offset", "min_value"),
    ({"offset": "x"}, "offset", "invalid"),
]


@pytest.mark.parametrize(
    ("path", "params", "field", "code"),
    [(CHANNELS, *case) for case in FILTER_ERRORS + PAGING_ERRORS]
    + [(CSV, *case) for case in FILTER_ERRORS],
)
def test_bad_parameters_answer_400_naming_the_parameter(
    client, register, path, params, field, code
):
    response = client.get(path, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["field"] == field
    assert body["code"] == code
    assert body["error"]


def test_unknown_parameters_are_ignored(client, register):
    assert client.get(CHANNELS, {"sort": "x", "page": "abc"}).status_code == 200


def test_channels_csv_opens_with_the_csv_module(client, register):
    response = client.get(CSV, {"platform": "facebook"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "id",
        "name",
        "platform",
        "platform_name",
        "address",
        "normalized_address",
        "unit",
        "unit_name",
        "purpose",
        "target_group",
        "public_email",
        "public_phone",
        "published_at",
        "url",
    ]
    assert [row["name"] for row in rows] == ["Bibliotekets Facebook"]
    assert rows[0]["normalized_address"] == "facebook.com/smedjebacken"
    assert rows[0]["url"] == f"http://testserver/kanaler/{register['library'].pk}/"


def test_channels_csv_neutralises_formulas(client, register, communicator):
    library = register["library"]
    channel_update(
        channel=library,
        actor=communicator,
        data={
            "display_name": '=HYPERLINK("http://evil.example")',
            "purpose": "+1+1",
            "target_group": "@SUM(A1)",
            "public_phone": "-2",
        },
        expected_version=library.version,
    )

    text = b"".join(client.get(CSV, {"unit": "biblioteket"}).streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(text)))

    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["purpose"] == "'+1+1"
    assert row["target_group"] == "'@SUM(A1)"
    assert row["public_phone"] == "'-2"


def test_cors_is_open_on_the_api_and_closed_elsewhere(client, register):
    origin = {"HTTP_ORIGIN": "https://data.example.org"}

    for path in (CHANNELS, CSV, "/api/v1/verify?url=facebook.com/smedjebacken"):
        assert client.get(path, **origin)["Access-Control-Allow-Origin"] == "*"
    for path in (reverse("channels:public_list"), "/admin/login/", "/ansokningar/"):
        assert "Access-Control-Allow-Origin" not in client.get(path, **origin)


def test_cors_preflight_allows_get_only(client, db):
    response = client.options(
        CHANNELS,
        HTTP_ORIGIN="https://data.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in response["Access-Control-Allow-Methods"]


def test_api_is_read_only(client, register):
    assert client.post(CHANNELS, {}, content_type="application/json").status_code == 405
    assert client.delete(CHANNELS).status_code == 405


@pytest.mark.parametrize("path", [CHANNELS, CSV])
def test_conditional_get_answers_304_until_the_register_changes(
    client, register, communicator, path
):
    first = client.get(path, {"platform": "facebook"})
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, no-cache" or set(
        first["Cache-Control"].split(", ")
    ) == {"public", "no-cache"}

    assert client.get(path, {"platform": "facebook"}, HTTP_IF_NONE_MATCH=etag).status_code == 304

    channel_publish(
        channel=Channel.objects.get(display_name="Ännu inte publicerad"), actor=communicator
    )
    changed = client.get(path, {"platform": "facebook"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    body = b"".join(changed.streaming_content) if changed.streaming else changed.content
    assert "Ännu inte publicerad" in body.decode()


def test_conditional_get_revalidates_after_an_edit_and_a_closure(client, register, communicator):
    etag = client.get(CHANNELS)["ETag"]
    library = register["library"]
    channel_update(
        channel=library,
        actor=communicator,
        data={"purpose": "Nytt syfte."},
        expected_version=library.version,
    )
    after_edit = client.get(CHANNELS, HTTP_IF_NONE_MATCH=etag)
    assert after_edit.status_code == 200
    assert after_edit.json()["results"][0]["purpose"] == "Nytt syfte."

    etag = after_edit["ETag"]
    channel_close(channel=register["youth"], actor=communicator)
    after_close = client.get(CHANNELS, HTTP_IF_NONE_MATCH=etag)
    assert after_close.status_code == 200
    assert names(after_close) == ["Bibliotekets Facebook"]


@pytest.mark.parametrize("path", [CHANNELS, CSV, "/kanaler/"])
def test_conditional_get_revalidates_after_a_rename_in_the_admin(
    client, admin_client, register, path
):
    """Unit and platform names are shown, and the admin's renames write no channel event."""
    library = register["library"]
    etag = client.get(path)["ETag"]

    admin_client.post(
        reverse("admin:core_unit_change", args=[library.unit.pk]),
        {"name": "Stadsbiblioteket", "slug": library.unit.slug, "managers": []},
    )
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200
    etag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304

    platform = library.platform
    platform.name = "Meta Facebook"
    platform.save()
    renamed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200
    body = b"".join(renamed.streaming_content) if renamed.streaming else renamed.content
    assert "Stadsbiblioteket" in body.decode()


def test_throttle_answers_429_in_the_error_shape(client, register, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"},
    }

    statuses = [client.get(CHANNELS).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    body = client.get(CHANNELS).json()
    assert body["code"] == "throttled"
    assert body["field"] is None


def bulk_publish(count, *, unit, platform, registered_by):
    """Published channels as rows, without the services.

    Only for the query budget: creating hundreds of channels through the
    application workflow would take most of a minute, and the budget is about
    reading, not the workflow.
    """
    now = timezone.now()
    Channel.objects.bulk_create(
        Channel(
            unit=unit,
            platform=platform,
            display_name=f"Massupplagd kanal {n:04d}",
            address=f"https://www.facebook.com/massupplagd{n}",
            normalized_address=f"facebook.com/massupplagd{n}",
            purpose="Information.",
            target_group="Alla.",
            status=ChannelStatus.PUBLISHED,
            published_at=now,
            registered_by=registered_by,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 200])
def test_api_query_budget(
    client, django_assert_max_num_queries, communicator, unit, facebook, count
):
    bulk_publish(count, unit=unit, platform=facebook, registered_by=communicator)
    params = {"unit": "biblioteket", "platform": "facebook", "q": "kanal", "limit": 1000}

    # JSON: 1 for the register's version (the ETag), 1 each to look up the
    # unit and the platform, 1 count and 1 page: 5, whatever the size.
    with django_assert_max_num_queries(5):
        response = client.get(CHANNELS, params)
    assert response.json()["count"] == count

    # CSV: the same without the count; the rows stream in chunks of 1000,
    # so up to 1000 channels are one query.
    with django_assert_max_num_queries(4):
        text = b"".join(client.get(CSV, params).streaming_content).decode()
    assert len(text.splitlines()) == count + 1


def test_openapi_schema_is_a_valid_openapi_3_document(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Smedje Social API"
    assert {"/api/v1/channels", "/api/v1/channels.csv", "/api/v1/verify"} <= set(schema["paths"])
    validate_schema(schema)
    # The error shape is documented for the 400 answers.
    bad_request = schema["paths"]["/api/v1/channels"]["get"]["responses"]["400"]
    assert bad_request["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "error",
        "field",
        "code",
    }
