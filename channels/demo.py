"""Demo applications, channels and political links for `seed_demo`. Idempotent.

Everything goes through the services, as users would cause it.
"""

from channels.models import ChannelApplication, ContactRole, Platform, PoliticalLink
from channels.services.applications import (
    ContactData,
    application_approve,
    application_create,
    application_reject,
    application_return,
)
from channels.services.channels import (
    channel_close,
    channel_publish,
    channel_register,
    channel_update,
)
from channels.services.political import political_link_create

# (platform kind, address, unit name, display name, purpose, target group, final state, page id)
CHANNELS = [
    (
        "facebook",
        "https://www.facebook.com/exempelby.bibliotek",
        "Biblioteket",
        "Biblioteket på Facebook",
        "Berätta om evenemang, nya böcker och öppettider.",
        "Låntagare och barnfamiljer.",
        "published",
        "104857600123456",
    ),
    (
        "instagram",
        "https://www.instagram.com/exempelby_fritid/",
        "Fritidsgården",
        "Fritidsgården på Instagram",
        "Visa verksamheten och nå unga med information.",
        "Unga 13–19 år.",
        "published",
        "17841400000000001",
    ),
    (
        "youtube",
        "https://www.youtube.com/@exempelbykommun",
        "Kommunikationsenheten",
        "Exempelby kommun på YouTube",
        "Sända kommunfullmäktige och visa filmer om kommunen.",
        "Alla invånare.",
        "published",
        "",
    ),
    (
        "x",
        "https://x.com/exempelby_skola",
        "Grundskolan",
        "Grundskolan på X",
        "Snabb information vid störningar.",
        "Vårdnadshavare.",
        "closed",
        "",
    ),
]

# (platform kind, address, unit, final state)
APPLICATIONS = [
    ("tiktok", "https://www.tiktok.com/@exempelby_fritid", "Fritidsgården", "draft"),
    (
        "linkedin",
        "https://www.linkedin.com/company/exempelby-kommun",
        "Kansliavdelningen",
        "submitted",
    ),
    ("facebook", "https://www.facebook.com/exempelby.skolan", "Grundskolan", "returned"),
    ("instagram", "https://www.instagram.com/exempelby_bibliotek", "Biblioteket", "approved"),
    ("blog", "https://blogg.example.se/kultur", "Kultur- och fritidsförvaltningen", "rejected"),
]

POLITICAL_LINKS = [
    ("Exempelpartiet", "Eva Exempel", "Kommunfullmäktige", "https://eva-exempel.example.se/"),
    ("Framtidspartiet", "Fredrik Framtid", "Kommunstyrelsen", "https://framtid.example.se/blogg"),
    ("Miljöalliansen", "Mira Miljö", "Miljö- och byggnämnden", "https://miljo.example.se/mira"),
]


def _contacts(user):
    return [
        ContactData(ContactRole.RESPONSIBLE, 1, user.get_full_name(), "0240-123 45", user.email),
        ContactData(ContactRole.OPERATOR, 1, user.get_full_name(), "070-123 45 67", user.email),
    ]


def _apply(*, applicant, unit, platform, address, purpose, target_group, submit=True):
    return application_create(
        applicant=applicant,
        data={
            "unit": unit,
            "platform": platform,
            "address": address,
            "purpose": purpose,
            "target_group": target_group,
            "guidelines_read": True,
        },
        contacts=_contacts(applicant),
        submit=submit,
    )


def seed(*, units, users):
    platforms = {p.kind: p for p in Platform.objects.all()}
    handler, manager = users["handlaggare"], users["chef"]
    communicator, employee = users["kommunikator"], users["medarbetare"]
    for slug, address, unit, name, purpose, target, state, page_id in CHANNELS:
        if ChannelApplication.objects.filter(address=address).exists():
            continue
        application = _apply(
            applicant=handler,
            unit=units[unit],
            platform=platforms[slug],
            address=address,
            purpose=purpose,
            target_group=target,
        )
        application = application_approve(
            application=application, actor=manager, expected_version=application.version
        )
        channel = channel_register(
            application=application,
            actor=communicator,
            data={
                "display_name": name,
                "account_id": page_id,
                "public_email": "kommunikation@example.se",
            },
        )
        channel = channel_publish(channel=channel, actor=communicator)
        channel = channel_update(
            channel=channel,
            actor=communicator,
            data={"public_phone": "0240-66 00 00"},
            expected_version=channel.version,
        )
        if state == "closed":
            channel_close(
                channel=channel, actor=communicator, reason="Verksamheten använder inte X längre."
            )

    for slug, address, unit, state in APPLICATIONS:
        if ChannelApplication.objects.filter(address=address).exists():
            continue
        application = _apply(
            applicant=employee,
            unit=units[unit],
            platform=platforms[slug],
            address=address,
            purpose="Nå fler invånare med information och service.",
            target_group="Invånare i kommunen.",
            submit=state != "draft",
        )
        if state == "approved":
            application_approve(
                application=application, actor=manager, expected_version=application.version
            )
        elif state == "returned":
            application_return(
                application=application,
                actor=manager,
                comment="Ange en funktionsbrevlåda i stället för en personlig adress.",
                expected_version=application.version,
            )
        elif state == "rejected":
            application_reject(
                application=application,
                actor=manager,
                reason="Förvaltningen har redan en blogg på kommunens webbplats.",
                expected_version=application.version,
            )

    for party, person, body, url in POLITICAL_LINKS:
        if not PoliticalLink.objects.filter(url=url).exists():
            political_link_create(
                actor=communicator,
                data={"party": party, "person": person, "body": body, "url": url},
            )
