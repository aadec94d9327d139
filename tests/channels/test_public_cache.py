"""The register's list page and the open-data API keep their work in the cache,
keyed by the register's version (with the path, query and language).

A repeated request costs the register's version query only; any change to
the register gives a new version, so a closed or renamed channel is never
served from the cache (BENCHMARKS.md, 1.).
"""

import pytest
from django.core.cache import cache

from channels.services.channels import channel_unpublish, channel_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_repeated_list_request_costs_one_query(
    client, library, django_assert_num_queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        first = client.get("/api/v1/channels")
    # The register's version (for the ETag and the key); the data comes from the cache.
    with django_assert_num_queries(1):
        again = client.get("/api/v1/channels")
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again.json()["results"][0]["name"] == "Biblioteket på Facebook"


def test_a_change_to_the_register_is_never_answered_from_the_cache(client, library, communicator):
    before = client.get("/api/v1/channels").json()
    assert before["results"][0]["name"] == "Biblioteket på Facebook"
    channel_update(
        channel=library,
        actor=communicator,
        data={"display_name": "Stadsbiblioteket"},
        expected_version=library.version,
    )
    after = client.get("/api/v1/channels").json()
    assert after["results"][0]["name"] == "Stadsbiblioteket"


def test_verify_stops_saying_official_at_once_when_unpublished(client, library, communicator):
    url = "/api/v1/verify?url=facebook.com/exempelby.bibliotek"
    assert client.get(url).json()["status"] == "official"
    assert client.get(url).json()["status"] == "official"
    library.refresh_from_db()
    channel_unpublish(channel=library, actor=communicator, expected_version=library.version)
    assert client.get(url).json()["verified"] is False


def test_a_bad_address_is_still_a_400_and_the_throttle_still_counts(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"},
    }
    assert client.get("/api/v1/verify?url=%20").status_code == 400
    assert client.get("/api/v1/channels").status_code == 200
    assert client.get("/api/v1/channels").status_code == 429


def test_a_repeated_register_page_costs_one_query(
    client, library, django_assert_num_queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        first = client.get("/kanaler/", {"q": "bibliotek"})
    assert "Biblioteket på Facebook" in first.content.decode()
    with django_assert_num_queries(1):
        again = client.get("/kanaler/", {"q": "bibliotek"})
    assert "Biblioteket på Facebook" in again.content.decode()
    # Another query is another page.
    other = client.get("/kanaler/", {"q": "simhallen"})
    assert "Biblioteket på Facebook" not in other.content.decode()


def test_the_register_page_shows_a_change_at_once(client, library, communicator):
    assert "Biblioteket på Facebook" in client.get("/kanaler/").content.decode()
    channel_update(
        channel=library,
        actor=communicator,
        data={"display_name": "Stadsbiblioteket"},
        expected_version=library.version,
    )
    page = client.get("/kanaler/").content.decode()
    assert "Stadsbiblioteket" in page
    assert "Biblioteket på Facebook" not in page
    library.refresh_from_db()
    channel_unpublish(channel=library, actor=communicator, expected_version=library.version)
    assert "Stadsbiblioteket" not in client.get("/kanaler/").content.decode()
