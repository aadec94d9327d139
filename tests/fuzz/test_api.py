"""The JSON APIs under hostile input: /api/v1/channels, /api/v1/verify, /api/v1/items.

The open-data endpoints answer 200 with their JSON, or 400 with the API's one error
shape `{"error", "field", "code"}`, for any query string. The ingestion API, with a
valid token, answers 201/200 for an item it stores and 400 (or 403, 413) with the same
error shape for anything else: a body that is no JSON or no object, fields of the wrong
type (lists, objects, numbers, null where text is expected), missing fields, huge
values, lone surrogates (which JSON can escape), NUL and other control characters.
A refused item writes no row at all; a stored one keeps its text exactly as sent.
Without a token, or with a hostile Authorization header, it answers 401 or 403.
"""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from moderation import services
from moderation.models import Item
from tests.fuzz.strategies import FIXED_NASTY, form_value, json_text, json_value
from tests.fuzz.support import FUZZ, changed_counts, rolled_back, row_counts

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items"
ERROR_KEYS = {"error", "field", "code"}


def assert_json_error(response, statuses, context):
    assert response.status_code in statuses, f"{response.status_code}: {context}"
    assert response["Content-Type"].startswith("application/json"), context
    body = response.json()
    assert set(body) >= ERROR_KEYS, f"{body}: {context}"
    assert isinstance(body["error"], str) and body["error"], context


# --- The open data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/api/v1/channels", ("q", "unit", "platform", "limit", "offset", "format", "junk")),
        ("/api/v1/channels.csv", ("q", "unit", "platform", "junk")),
        ("/api/v1/verify", ("url", "platform", "junk")),
    ],
)
@FUZZ
@given(data=st.data())
@example(data=None)
def test_open_data_answers_json_or_a_json_error(world, client, path, names, data):
    if data is None:  # a URL Hypothesis may not try: the limits and a huge address
        query = {"limit": str(10**40), "offset": "-1", "url": "x" * 100_000}
    else:
        query = data.draw(st.dictionaries(st.sampled_from(names), form_value, max_size=4))
    with rolled_back():
        response = client.get(path, data=query)
        context = f"GET {path} { ({k: str(v)[:60] for k, v in query.items()}) }"
        if response.status_code == 200:
            if path.endswith(".csv"):
                assert response["Content-Type"].startswith("text/csv"), context
            else:
                assert isinstance(response.json(), dict), context
        else:
            assert_json_error(response, {400}, context)


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_an_empty_paging_parameter_is_malformed_not_absent(world, client, name):
    """`?limit=` is no integer, as the schema says: 400 naming it (schemathesis's find)."""
    with rolled_back():
        response = client.get(f"/api/v1/channels?{name}=")
        assert_json_error(response, {400}, name)
        assert response.json()["field"] == name


# --- The ingestion API -----------------------------------------------------------------


@pytest.fixture(scope="module")
def token(world, django_db_blocker):
    """A token allowed for the world's channel, made inside the module's transaction."""
    with django_db_blocker.unblock():
        _token, plain = services.ingest_token_create(
            name="Fuzz", channels=[world.objects["channel"]], actor=world.users["communicator"]
        )
    return plain


def valid_item(world) -> dict:
    return {
        "channel": world.objects["channel"].pk,
        "external_id": "fuzz-1",
        "kind": "comment",
        "sender": {"id": "anna@example.se", "name": "Anna"},
        "text": "Hej! När öppnar badhuset?",
        "attachments": ["https://example.se/bild.jpg"],
        "created_at": "2024-06-03T12:00:00+02:00",
        "parent_external_id": "",
        "post_external_id": "",
        "expects_answer": None,
    }


FIELDS = (
    "channel",
    "external_id",
    "kind",
    "sender",
    "text",
    "attachments",
    "created_at",
    "parent_external_id",
    "post_external_id",
    "expects_answer",
)
DROP = object()


def post_json(client, body, token=None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(ITEMS, data=raw, content_type="application/json", **headers)


def _check_item(world, client, token, body):
    before = row_counts()
    response = post_json(client, body, token)
    context = f"POST {ITEMS} {str(body)[:300]}"
    assert response.status_code < 500, f"{response.status_code}: {context}"
    if response.status_code in (200, 201):
        stored = Item.objects.get(pk=response.json()["id"])
        assert isinstance(body, dict), context
        if response.status_code == 201:
            # DRF's text fields take numbers as their text. Ids and names lose surrounding
            # blanks (trim_whitespace); the item's text keeps them.
            assert stored.text == str(body["text"]), context
            assert stored.external_id == str(body["external_id"]).strip(), context
            sender = body.get("sender") or {}
            assert stored.sender_name == str(sender.get("name", "")).strip(), context
            assert stored.sender_id == str(sender.get("id", "")).strip(), context
            assert stored.attachments == body.get("attachments", []), context
        return response
    assert_json_error(response, {400, 403, 413}, context)
    assert changed_counts(before, row_counts()) == {}, context
    return response


@FUZZ
@given(
    mutations=st.dictionaries(
        st.sampled_from((*FIELDS, "junk")),
        st.one_of(json_value, st.just(DROP)),
        min_size=1,
        max_size=3,
    )
)
@example(mutations={"text": "\ud800"})
@example(mutations={"sender": {"id": "a", "name": "b", "\x00": "\ud800"}})
@example(mutations={"text": "x" * 100_000, "external_id": "x" * 100_000})
@example(mutations={"channel": 10**40})
@example(mutations={"channel": "²"})
@example(mutations={"created_at": "99999-01-01T00:00:00"})
@example(mutations={"attachments": ["https://example.se/\x00"]})
def test_ingestion_with_wrong_or_missing_fields(world, client, token, mutations):
    body = valid_item(world)
    for key, value in mutations.items():
        if value is DROP:
            body.pop(key, None)
        else:
            body[key] = value
    with rolled_back():
        _check_item(world, client, token, body)


@FUZZ
@given(body=json_value)
def test_ingestion_with_any_json_body(world, client, token, body):
    with rolled_back():
        _check_item(world, client, token, body)


@FUZZ
@given(
    text=json_text,
    name=json_text,
    sender_id=json_text,
    external_id=json_text.filter(lambda value: 0 < len(value) <= 300),
)
def test_ingested_text_is_stored_exactly(world, client, token, text, name, sender_id, external_id):
    """Any text an item can carry, or a clear 400: never a 500, never altered."""
    body = {
        **valid_item(world),
        "text": text,
        "external_id": external_id,
        "sender": {"name": name[:100], "id": sender_id[:300]},
    }
    with rolled_back():
        _check_item(world, client, token, body)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), st.sampled_from([s.encode() for s in FIXED_NASTY])))
@example(raw=b'{"text": NaN}')
@example(raw=b"\xff\xfe{}")
@example(raw=b'{"channel": 1, "channel": 2}')
def test_ingestion_with_bytes_that_are_not_json(world, client, token, raw):
    with rolled_back():
        before = row_counts()
        response = post_json(client, raw, token)
        assert_json_error(response, {400}, f"POST {ITEMS} {raw[:100]!r}")
        assert changed_counts(before, row_counts()) == {}


@FUZZ
@given(header=st.one_of(form_value.map(str), st.just("Bearer"), st.just("Bearer a b")))
@example(header="Bearer " + "x" * 100_000)
@example(header="Bearer \u00e5\u00e4\u00f6")
def test_ingestion_without_a_valid_token(world, client, header):
    with rolled_back():
        before = row_counts()
        headers = {}
        try:
            header.encode("latin-1")
        except UnicodeEncodeError:
            header = header.encode("utf-8").decode("latin-1")  # as a WSGI server would
        headers["HTTP_AUTHORIZATION"] = header
        response = post_json(client, valid_item(world), **headers)
        assert_json_error(response, {401, 403}, f"Authorization: {header[:80]!r}")
        assert changed_counts(before, row_counts()) == {}
