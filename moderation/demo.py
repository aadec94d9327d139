"""Demo items for `seed_demo`, arriving the ways real ones do. Idempotent.

Webhook bodies are built in Meta's and Mastodon's documented formats, signed
as the platform would sign them, stored with `delivery_store` and parsed with
`delivery_parse`, exactly as the webhook and its task do. One item comes
through the ingestion API's service, one is registered by hand, and one
delivery is for a page no channel is registered with, so that the
communicator's list of unhandled events has something in it.
"""

import hashlib
import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from channels.models import Channel, ChannelApplication, ContactRole, Platform, PlatformKind
from channels.services.applications import ContactData, application_approve, application_create
from channels.services.channels import channel_publish, channel_register, channel_update
from moderation import services
from moderation.models import DeliverySource, IngestToken, Item, ItemKind, ItemSource

MASTODON_ADDRESS = "https://social.example.se/@exempelby"
UNKNOWN_PAGE_ID = "999000000000001"
API_TOKEN_NAME = "Demo: YouTube-kommentarer (skript)"  # noqa: S105 -- a name, not a secret
# The demo's first comment; when it exists, the webhook items were seeded.
FIRST_COMMENT_ID = "900000000000001_100000000000001"


def _account_id_for(channel) -> str:
    """A believable permanent account id for a demo channel that has none."""
    kind = channel.platform.kind
    if kind == PlatformKind.FACEBOOK:
        return f"1048576{channel.pk:08d}"
    if kind == PlatformKind.INSTAGRAM:
        return f"178414{channel.pk:011d}"
    if kind == PlatformKind.YOUTUBE:
        return f"UCexempelby{channel.pk:013d}"
    return f"demo-{kind}-{channel.pk}"


def _give_account_ids(communicator):
    for channel in Channel.objects.not_closed().filter(account_id="").select_related("platform"):
        channel_update(
            channel=channel,
            actor=communicator,
            data={"account_id": _account_id_for(channel)},
            expected_version=channel.version,
        )


def _mastodon_channel(*, units, users) -> Channel:
    existing = Channel.objects.not_closed().filter(account_id=MASTODON_ADDRESS).first()
    if existing is not None:
        return existing
    handler, communicator = users["handlaggare"], users["kommunikator"]
    application = ChannelApplication.objects.filter(address=MASTODON_ADDRESS).first()
    if application is None:
        contact = (handler.get_full_name(), "0240-123 45", handler.email)
        application = application_create(
            applicant=handler,
            data={
                "unit": units["Kommunikationsenheten"],
                "platform": Platform.objects.get(kind=PlatformKind.MASTODON),
                "address": MASTODON_ADDRESS,
                "purpose": "Nå invånare som lämnat de stora plattformarna.",
                "target_group": "Alla invånare.",
                "guidelines_read": True,
            },
            contacts=[
                ContactData(ContactRole.RESPONSIBLE, 1, *contact),
                ContactData(ContactRole.OPERATOR, 1, *contact),
            ],
            submit=True,
        )
        application = application_approve(
            application=application, actor=users["chef"], expected_version=application.version
        )
    channel = channel_register(
        application=application,
        actor=communicator,
        data={
            "display_name": "Exempelby kommun på Mastodon",
            "account_id": MASTODON_ADDRESS,
            "public_email": "kommunikation@example.se",
        },
    )
    return channel_publish(channel=channel, actor=communicator)


def _deliver(source: str, payload: dict):
    """Sign, store and parse a body as the webhook and its task would."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    secret = (
        settings.META_APP_SECRET
        if source == DeliverySource.META
        else settings.MASTODON_WEBHOOK_SECRET
    )
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    delivery, _ = services.delivery_store(source=source, body=body, signature=f"sha256={digest}")
    services.delivery_parse(delivery_id=delivery.pk)


def _feed_change(page_id, *, verb, comment_id, name, sender_id, message, created):
    post_id = f"{page_id}_900000000000001"
    return {
        "field": "feed",
        "value": {
            "from": {"id": sender_id, "name": name},
            "item": "comment",
            "verb": verb,
            "post_id": post_id,
            "parent_id": post_id,
            "comment_id": comment_id,
            "created_time": created,
            "message": message,
        },
    }


def _meta_payloads(*, facebook, instagram, now):
    created = int((now - timedelta(hours=3)).timestamp())
    comment = {
        "comment_id": FIRST_COMMENT_ID,
        "name": "Anna Lindqvist",
        "sender_id": "7481036592018374",
        "created": created,
    }
    yield {
        "object": "page",
        "entry": [
            {
                "id": facebook.account_id,
                "time": created + 1,
                "changes": [
                    _feed_change(
                        facebook.account_id,
                        verb="add",
                        message="När öppnar biblioteket igen efter renoveringen?",
                        **comment,
                    )
                ],
            }
        ],
    }
    # The same comment edited, and a direct message, in one batch.
    yield {
        "object": "page",
        "entry": [
            {
                "id": facebook.account_id,
                "time": created + 600,
                "changes": [
                    _feed_change(
                        facebook.account_id,
                        verb="edited",
                        message=(
                            "När öppnar biblioteket igen efter renoveringen? "
                            "Gäller lånekorten fortfarande?"
                        ),
                        **comment,
                    )
                ],
            },
            {
                "id": facebook.account_id,
                "time": (created + 900) * 1000,
                "messaging": [
                    {
                        "sender": {"id": "6120938475610293"},
                        "recipient": {"id": facebook.account_id},
                        "timestamp": (created + 900) * 1000,
                        "message": {
                            "mid": "m_demo-0001",
                            "text": "Hej! Jag har glömt en jacka i barnavdelningen i går.",
                        },
                    }
                ],
            },
        ],
    }
    yield {
        "object": "instagram",
        "entry": [
            {
                "id": instagram.account_id,
                "time": created + 1200,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": "17900000000000001",
                            "from": {"id": "17800000000000001", "username": "ung_i_exempelby"},
                            "media": {"id": "17900000000000100", "media_product_type": "FEED"},
                            "text": "Är fritidsgården öppen på lovet?",
                        },
                    }
                ],
            }
        ],
    }
    # A page that no channel is registered with: kept, listed, not an item.
    yield {
        "object": "page",
        "entry": [
            {
                "id": UNKNOWN_PAGE_ID,
                "time": created + 1500,
                "changes": [
                    _feed_change(
                        UNKNOWN_PAGE_ID,
                        verb="add",
                        comment_id="900000000000099_100000000000099",
                        name="Okänd Avsändare",
                        sender_id="1000000000000099",
                        message="Är det här kommunens sida?",
                        created=created + 1500,
                    )
                ],
            }
        ],
    }


def _mastodon_payload(*, now):
    created = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "event": "status.created",
        "created_at": created,
        "object": {
            "id": "112000000000000001",
            "uri": "https://social.example.se/users/erik/statuses/112000000000000001",
            "url": "https://social.example.se/@erik/112000000000000001",
            "created_at": created,
            "edited_at": None,
            "in_reply_to_id": "111999999999999999",
            "in_reply_to_account_id": "109000000000000001",
            "visibility": "public",
            "spoiler_text": "",
            "content": (
                '<p><span class="h-card"><a href="https://social.example.se/@exempelby" '
                'class="u-url mention">@<span>exempelby</span></a></span> '
                "Hur anmäler man en trasig gatlykta?</p>"
            ),
            "reblog": None,
            "account": {
                "id": "110000000000000002",
                "username": "erik",
                "acct": "erik",
                "display_name": "Erik Johansson",
                "url": "https://social.example.se/@erik",
                "uri": "https://social.example.se/users/erik",
            },
            "media_attachments": [],
            "mentions": [
                {
                    "id": "109000000000000001",
                    "username": "exempelby",
                    "url": "https://social.example.se/@exempelby",
                    "acct": "exempelby",
                }
            ],
        },
    }


def _api_item(*, channel, users, now):
    token = IngestToken.objects.filter(name=API_TOKEN_NAME).first()
    if token is None:
        token, _plain = services.ingest_token_create(
            name=API_TOKEN_NAME, channels=[channel], actor=users["admin"]
        )
    services.item_receive_from_api(
        token=token,
        channel=channel,
        content=services.ItemContent(
            kind=ItemKind.COMMENT,
            external_id="UgzDemoKommentar0001",
            post_external_id="demo-video-kf-2024",
            sender_id="UCdemoTittare0001",
            sender_name="Maria Svensson",
            text="Varför syns inte omröstningen i sändningen från kommunfullmäktige?",
            created_at=now - timedelta(hours=5),
            expects_answer=True,
        ),
        raw={"demo": True},
    )


def _manual_item(*, channel, users, now):
    text = "Fin bild! Men varför är skateparken stängd i sommar?"
    if Item.objects.filter(channel=channel, source=ItemSource.MANUAL, text=text).exists():
        return
    services.item_register_manually(
        channel=channel,
        actor=users["handlaggare"],
        data={
            "kind": ItemKind.COMMENT,
            "sender_name": "skejt_kalle",
            "text": text,
            "platform_created_at": now - timedelta(hours=6),
            "expects_answer": True,
        },
    )


def seed(*, units, users):
    communicator = users["kommunikator"]
    _give_account_ids(communicator)
    mastodon = _mastodon_channel(units=units, users=users)
    live = Channel.objects.not_closed().select_related("platform")
    facebook = live.filter(platform__kind=PlatformKind.FACEBOOK).order_by("pk").first()
    instagram = live.filter(platform__kind=PlatformKind.INSTAGRAM).order_by("pk").first()
    youtube = live.filter(platform__kind=PlatformKind.YOUTUBE).order_by("pk").first()
    now = timezone.now()

    if facebook and instagram and not Item.objects.filter(external_id=FIRST_COMMENT_ID).exists():
        for payload in _meta_payloads(facebook=facebook, instagram=instagram, now=now):
            _deliver(DeliverySource.META, payload)
        _deliver(DeliverySource.MASTODON, _mastodon_payload(now=now))
    if youtube:
        _api_item(channel=youtube, users=users, now=now)
    if instagram:
        _manual_item(channel=instagram, users=users, now=now)
    # The queue: keywords, reply templates, an item in every state, an absence.
    from moderation import demo_queue

    queue_channel = live.filter(handlers=users["handlaggare"], platform__kind=PlatformKind.FACEBOOK)
    demo_queue.seed(users=users, channel=queue_channel.order_by("pk").first() or facebook)
    return {"mastodon": mastodon}
