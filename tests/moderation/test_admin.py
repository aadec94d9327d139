"""The admin: tokens are generated on the server and shown once; records are read-only."""

import pytest
from django.urls import reverse

from moderation import services
from moderation.models import AuditEvent, Delivery, IngestToken
from moderation.models.tokens import hash_token
from tests.factories import UserFactory
from tests.moderation.conftest import payload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_creating_a_token_shows_it_once_and_stores_its_hash(admin_client, page_channel):
    response = admin_client.post(
        reverse("admin:moderation_ingesttoken_add"),
        {"name": "Kontaktformuläret", "channels": [page_channel.pk]},
    )

    assert response.status_code == 302
    token = IngestToken.objects.get()
    # The page the admin lands on shows it, in a message …
    shown = admin_client.get(response["Location"]).content.decode()
    plain = shown.split("<code>")[1].split("</code>")[0]
    assert token.token_hash == hash_token(plain)
    assert token.prefix == plain[:8]
    assert token.created_by == admin_client.admin
    assert list(token.channels.all()) == [page_channel]
    assert AuditEvent.objects.get().kind == AuditEvent.Kind.TOKEN_CREATED
    # … and no page shows it again.
    page = admin_client.get(reverse("admin:moderation_ingesttoken_change", args=[token.pk]))
    assert plain not in page.content.decode()
    assert token.prefix in page.content.decode()


def test_the_revoke_action_revokes_and_audits(admin_client, api_token):
    token, _ = api_token

    admin_client.post(
        reverse("admin:moderation_ingesttoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == admin_client.admin
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_REVOKED).count() == 1


def test_tokens_cannot_be_deleted(admin_client, api_token):
    token, _ = api_token

    response = admin_client.get(reverse("admin:moderation_ingesttoken_delete", args=[token.pk]))

    assert response.status_code == 403


def test_a_delivery_is_shown_decoded_and_cannot_be_changed(admin_client):
    body = payload_bytes("fb_feed_comment_add.json")
    delivery, _ = services.delivery_store(source="meta", body=body, signature="sha256=x")

    listing = admin_client.get(reverse("admin:moderation_delivery_changelist"))
    page = admin_client.get(reverse("admin:moderation_delivery_change", args=[delivery.pk]))

    assert listing.status_code == 200
    assert "Anna Lindqvist" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:moderation_delivery_add")).status_code == 403
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    "name", ["item", "unhandledevent", "auditevent", "delivery", "ingesttoken"]
)
def test_every_moderation_admin_list_opens(admin_client, name):
    assert admin_client.get(reverse(f"admin:moderation_{name}_changelist")).status_code == 200


def test_changing_a_token_in_the_admin_is_audited(admin_client, api_token, kultur_channel):
    token, plain = api_token

    response = admin_client.post(
        reverse("admin:moderation_ingesttoken_change", args=[token.pk]),
        {"name": "Nytt namn", "channels": [kultur_channel.pk]},
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.name == "Nytt namn"
    assert list(token.channels.all()) == [kultur_channel]
    assert token.token_hash == hash_token(plain)
    change = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_CHANGED)
    assert change.changes["channels"][1] == [kultur_channel.pk]
