"""Fixtures of the moderation tests: channels with platform account ids, set
through the channels services as a communicator would, and signed webhook POSTs.

The account ids are those of the payload fixtures in payloads/.
"""

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from channels.services.channels import channel_update
from moderation import services
from tests.channels import conftest as channel_fixtures
from tests.factories import PlatformFactory

# The channels tests' fixtures: channels are made through the channels services.
facebook = channel_fixtures.facebook
instagram = channel_fixtures.instagram
make_application = channel_fixtures.make_application
make_channel = channel_fixtures.make_channel

PAYLOADS = Path(__file__).parent / "payloads"

PAGE_ID = "104857362910485"
KULTUR_PAGE_ID = "187364509128374"
IG_ACCOUNT_ID = "17841405822304914"
MASTODON_ACCOUNT = "https://social.exempel.se/@kommunen"

META_SECRET = "test-meta-app-secret"
MASTODON_SECRET = "test-mastodon-secret"


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def load(name: str):
    return json.loads(payload_bytes(name))


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def with_account_id(channel, account_id, actor):
    return channel_update(
        channel=channel,
        actor=actor,
        data={"account_id": account_id},
        expected_version=channel.version,
    )


@pytest.fixture
def mastodon(db):
    return PlatformFactory(kind="mastodon", name="Mastodon", slug="mastodon")


@pytest.fixture
def page_channel(make_channel, facebook, communicator):
    """The Facebook page of the fixtures; its handler is `employee` (the applicant)."""
    channel = make_channel(
        platform=facebook,
        address="https://www.facebook.com/badhuset",
        display_name="Badhuset på Facebook",
    )
    return with_account_id(channel, PAGE_ID, communicator)


@pytest.fixture
def kultur_channel(make_channel, facebook, communicator, other_employee):
    """A second Facebook page, handled by `other_employee` only."""
    channel = make_channel(
        platform=facebook,
        address="https://www.facebook.com/kulturen",
        display_name="Kulturen på Facebook",
        applicant=other_employee,
    )
    return with_account_id(channel, KULTUR_PAGE_ID, communicator)


@pytest.fixture
def ig_channel(make_channel, instagram, communicator):
    channel = make_channel(
        platform=instagram,
        address="https://www.instagram.com/exempelby/",
        display_name="Exempelby på Instagram",
    )
    return with_account_id(channel, IG_ACCOUNT_ID, communicator)


@pytest.fixture
def mastodon_channel(make_channel, mastodon, communicator):
    channel = make_channel(
        platform=mastodon, address=MASTODON_ACCOUNT, display_name="Kommunen på Mastodon"
    )
    return with_account_id(channel, MASTODON_ACCOUNT, communicator)


@pytest.fixture
def post_meta(client):
    """POST a body to /webhooks/meta, signed unless told otherwise."""

    def post(body: bytes, *, signature: str | None = "sign", **extra):
        headers = {}
        if signature == "sign":
            signature = sign(body, META_SECRET)
        if signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        return client.post(
            "/webhooks/meta", data=body, content_type="application/json", **headers, **extra
        )

    return post


@pytest.fixture
def post_mastodon(client):
    def post(body: bytes, *, signature: str | None = "sign"):
        headers = {}
        if signature == "sign":
            signature = sign(body, MASTODON_SECRET)
        if signature is not None:
            headers["HTTP_X_HUB_SIGNATURE"] = signature
        return client.post(
            "/webhooks/mastodon", data=body, content_type="application/json", **headers
        )

    return post


@pytest.fixture
def deliver(post_meta, post_mastodon, django_capture_on_commit_callbacks):
    """POST a payload fixture signed and run the parse task it queues (eager in tests)."""

    def run(name: str):
        body = payload_bytes(name)
        post = post_mastodon if name.startswith("mastodon") else post_meta
        with django_capture_on_commit_callbacks(execute=True):
            response = post(body)
        assert response.status_code == 200, response.content
        return response

    return run


@pytest.fixture
def api_token(page_channel, communicator):
    """An ingestion token for the page channel: (token, plain)."""
    return services.ingest_token_create(
        name="Kontaktformuläret", channels=[page_channel], actor=communicator
    )
