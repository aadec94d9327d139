"""Schemathesis against /api/v1/openapi.json: every operation, with schemathesis's default
checks (no server error, status codes, content types, headers and bodies as the schema
says, negative data refused, missing authentication refused, …).

The schema is loaded from the running Django WSGI application, and the requests go to
it in this process, so they see the test database: the permission matrix's world
(published channels, a unit and a platform to filter by) and an ingestion token for
one of its channels. The ingestion API is exercised with that token, so generated items
get past authentication, and without one.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from moderation import services
from tests.fuzz.support import rolled_back

SCHEMA_PATH = "/api/v1/openapi.json"
ITEMS = "/api/v1/items"


@pytest.fixture(scope="module")
def ingest_token(world, django_db_blocker):
    with django_db_blocker.unblock():
        _token, plain = services.ingest_token_create(
            name="Schemathesis",
            channels=[world.objects["channel"]],
            actor=world.users["communicator"],
        )
    return plain


@pytest.fixture
def keep_connection():
    """Keep the test's database connection open across the WSGI requests.

    Django closes the connection when a request finishes (`close_old_connections`);
    its own test client disconnects that for the request, and so must this test, whose
    requests go through the plain WSGI handler: closing would end the test transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, db, keep_connection):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
    # DRF's text fields refuse NUL (PostgreSQL cannot store it) with a 400, which a JSON
    # schema has no word for; valid data leaves it out. The negative mode and the other
    # fuzz tests still send NUL everywhere.
    schema.config.generation.update(allow_x00=False)
    # Every path the schema documents is one of ours: nothing outside /api/v1.
    assert set(schema.raw_schema["paths"]) == {
        "/api/v1/channels",
        "/api/v1/channels.csv",
        "/api/v1/verify",
        "/api/v1/items",
    }
    return schema


# Schemathesis's pytest integration (`from_fixture`, `parametrize`) does not work with
# pytest 9 (it reads a private attribute pytest no longer has), so each operation is
# drawn with its Hypothesis strategy, in both of schemathesis's generation modes.
OPERATIONS = [
    ("/api/v1/channels", "GET"),
    ("/api/v1/channels.csv", "GET"),
    ("/api/v1/verify", "GET"),
    ("/api/v1/items", "POST"),
]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

SCHEMATHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_the_api_conforms_to_its_schema(world, api_schema, ingest_token, path, method, mode):
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {ingest_token}"} if path == ITEMS else {}

    @SCHEMATHESIS
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        if mode is GenerationMode.POSITIVE:
            use_existing_references(case, world)
        cache.clear()  # the per-address and per-token throttles count per example
        with rolled_back():
            response = case.call(headers=headers)
            excluded = []
            if unreadable_address(path, response):
                # The schema can say that `url` is text, not which text is an address;
                # the description documents the 400 for an unreadable one.
                excluded.append(positive_data_acceptance)
            case.validate_response(response, headers=headers, excluded_checks=excluded)

    check()


def unreadable_address(path, response) -> bool:
    """The verification's documented 400 for a `url` that is no address or handle."""
    if path != "/api/v1/verify" or response.status_code != 400:
        return False
    body = response.json()
    return body["field"] == "url" and body["code"] == "invalid"


def use_existing_references(case, world):
    """Point the references of a schema-valid request at rows that exist.

    The schema says what a unit, a platform or a channel looks like (a slug, an id), not
    which exist; the API answers 400 naming the parameter for one that does not, as its
    description says. Valid data, to be accepted, has to name real ones.
    """
    channel = world.objects["channel"]
    references = {"unit": channel.unit.slug, "platform": channel.platform.slug}
    for name, value in references.items():
        if isinstance(case.query, dict) and name in case.query:
            case.query[name] = value
    if isinstance(case.body, dict) and "channel" in case.body:
        case.body["channel"] = channel.pk


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_the_ingestion_api_without_a_token_conforms_to_its_schema(api_schema, mode):
    operation = api_schema[ITEMS]["POST"]

    @SCHEMATHESIS
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        cache.clear()
        with rolled_back():
            response = case.call_and_validate()
        assert response.status_code == 401

    check()
