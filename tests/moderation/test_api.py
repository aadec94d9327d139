"""POST /api/v1/items: token authentication, validation naming the field, idempotency."""

import json

import pytest
from drf_spectacular.validation import validate_schema

from moderation import services
from moderation.models import IngestToken, Item, ItemSource
from moderation.models.tokens import hash_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/items"


def item_json(channel_obj, **overrides):
    data = {
        "channel": channel_obj.pk,
        "external_id": "form-2024-000123",
        "kind": "direct_message",
        "sender": {"id": "anna@example.se", "name": "Anna Lindqvist"},
        "text": "Hej! När öppnar badhuset igen?",
        "attachments": ["https://example.se/uploads/bild.jpg"],
        "created_at": "2024-06-03T12:00:00+02:00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ...}


@pytest.fixture
def post(client):
    def send(data, *, token=None, raw=None, **headers):
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        body = raw if raw is not None else json.dumps(data)
        return client.post(URL, data=body, content_type="application/json", **headers)

    return send


def test_a_new_item_is_created_with_201(post, api_token, page_channel):
    token, plain = api_token

    response = post(item_json(page_channel), token=plain)

    assert response.status_code == 201, response.json()
    item = Item.objects.get()
    assert response.json() == {
        "id": item.pk,
        "channel": page_channel.pk,
        "external_id": "form-2024-000123",
        "version": 1,
        "status": "created",
    }
    assert item.source == ItemSource.API
    assert item.sender_name == "Anna Lindqvist"
    assert item.sender_id == "anna@example.se"
    assert item.attachments == ["https://example.se/uploads/bild.jpg"]
    assert item.platform_created_at.isoformat() == "2024-06-03T10:00:00+00:00"
    assert item.expects_answer  # a direct message
    version = item.versions.get()
    assert version.ingest_token == token
    assert version.raw["external_id"] == "form-2024-000123"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_same_item_again_is_200_unchanged(post, api_token, page_channel):
    _, plain = api_token
    post(item_json(page_channel), token=plain)

    response = post(item_json(page_channel), token=plain)

    assert response.status_code == 200
    assert response.json()["status"] == "unchanged"
    assert response.json()["version"] == 1
    assert Item.objects.count() == 1


def test_changed_text_is_kept_as_a_new_version(post, api_token, page_channel):
    _, plain = api_token
    post(item_json(page_channel), token=plain)

    response = post(item_json(page_channel, text="Hej! När öppnar badhuset?"), token=plain)

    assert response.status_code == 200
    assert response.json()["status"] == "updated"
    assert response.json()["version"] == 2
    item = Item.objects.get()
    assert item.text == "Hej! När öppnar badhuset?"
    assert item.versions.get(number=1).text == "Hej! När öppnar badhuset igen?"


def test_expects_answer_is_guessed_when_left_out(post, api_token, page_channel):
    _, plain = api_token
    post(item_json(page_channel, kind="comment", text="Fint väder idag."), token=plain)
    post(
        item_json(page_channel, kind="comment", external_id="2", text="Vad kostar det?"),
        token=plain,
    )
    post(
        item_json(page_channel, kind="comment", external_id="3", text="Ok", expects_answer=True),
        token=plain,
    )

    flags = dict(Item.objects.values_list("external_id", "expects_answer"))
    assert flags == {"form-2024-000123": False, "2": True, "3": True}


# --- Tokens ---------------------------------------------------------------------------------


def test_no_token_is_401(post, page_channel):
    response = post(item_json(page_channel))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer", "Bearer a b", "Bearer åäö"])
def test_an_unknown_or_malformed_token_is_401(post, page_channel, api_token, header):
    response = post(item_json(page_channel), HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert set(response.json()) == {"error", "field", "code"}
    assert not Item.objects.exists()


def test_a_revoked_token_is_401(post, api_token, page_channel, communicator):
    token, plain = api_token
    services.ingest_token_revoke(token=token, actor=communicator)

    response = post(item_json(page_channel), token=plain)

    assert response.status_code == 401
    assert "revoked" in response.json()["error"]
    assert not Item.objects.exists()


def test_a_token_for_another_channel_is_403(post, api_token, kultur_channel):
    _, plain = api_token

    response = post(item_json(kultur_channel), token=plain)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Item.objects.exists()


def test_only_the_hash_of_a_token_is_stored(api_token):
    _, plain = api_token

    stored = IngestToken.objects.get()
    assert stored.token_hash == hash_token(plain)
    assert plain not in {stored.token_hash, stored.name}
    assert stored.prefix == plain[:8]
    assert len(plain) >= 43  # 32 random bytes


# --- Bad input: 400 naming the field --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": ...}, "channel"),
        ({"channel": 999999}, "channel"),
        ({"channel": "abc"}, "channel"),
        ({"external_id": ...}, "external_id"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 256}, "external_id"),
        ({"kind": ...}, "kind"),
        ({"kind": "tweet"}, "kind"),
        ({"text": ...}, "text"),
        ({"text": ["a"]}, "text"),
        ({"text": "  ", "attachments": []}, "text"),
        ({"sender": "Anna"}, "sender"),
        ({"sender": {"name": "x" * 256}}, "sender"),
        ({"attachments": "https://example.se/a.jpg"}, "attachments"),
        ({"attachments": ["javascript:alert(1)"]}, "attachments"),
        ({"attachments": ["https://example.se/"] * 51}, "attachments"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"parent_external_id": "x" * 256}, "parent_external_id"),
        ({"post_external_id": ["a"]}, "post_external_id"),
        ({"expects_answer": "perhaps"}, "expects_answer"),
        ({"sender_name": "Anna"}, "sender_name"),
    ],
)
def test_bad_input_is_400_naming_the_field(post, api_token, page_channel, overrides, field):
    _, plain = api_token

    response = post(item_json(page_channel, **overrides), token=plain)

    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert response.json()["error"]
    assert not Item.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', ""])
def test_a_body_that_is_not_a_json_object_is_400(post, api_token, body):
    _, plain = api_token

    response = post(None, raw=body, token=plain)

    assert response.status_code == 400
    assert set(response.json()) == {"error", "field", "code"}


def test_a_closed_channel_is_refused(post, api_token, page_channel, communicator):
    from channels.services.channels import channel_close

    _, plain = api_token
    channel_close(channel=page_channel, actor=communicator, reason="Nedlagd.")

    response = post(item_json(page_channel), token=plain)

    assert response.status_code == 400
    assert response.json()["field"] == "channel"


def test_a_body_above_the_limit_is_413(post, api_token, page_channel, settings):
    settings.INGEST_MAX_BYTES = 500
    _, plain = api_token

    response = post(item_json(page_channel, text="x" * 600), token=plain)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Item.objects.exists()


def test_only_post_is_allowed(client, api_token):
    _, plain = api_token

    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {plain}")

    assert response.status_code == 405


def test_the_api_is_described_in_the_openapi_document(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    validate_schema(schema)
    operation = schema["paths"]["/api/v1/items"]["post"]
    assert {"201", "200", "400", "401", "403", "413"} <= set(operation["responses"])
    assert operation["security"] == [{"ingestToken": []}]
    assert schema["components"]["securitySchemes"]["ingestToken"]["scheme"] == "bearer"
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request.endswith("/ItemIngest")
