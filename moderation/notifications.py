"""The e-mails of the moderation queue, built when they are sent (after commit).

Built from templates in templates/moderation/email/, in the site's language,
with absolute links from settings.SITE_URL. The recipients of an action were
chosen when it was taken and are kept in its event (`changes["recipients"]`),
so the history says who was told.
"""

import json

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.urls import reverse

from moderation.models import ItemEvent

# The events that send e-mail, and their templates.
EVENT_TEMPLATES = {
    ItemEvent.Kind.FORWARDED: "item_forwarded",
    ItemEvent.Kind.BULLYING_REPORTED: "bullying_reported",
    ItemEvent.Kind.ADVICE_REQUESTED: "advice_requested",
    ItemEvent.Kind.COMMENTED: "commented",
}


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def emails_of(users) -> list[str]:
    return sorted({user.email for user in users if user.email})


def _message(template: str, context: dict, recipients: list[str]) -> EmailMessage:
    context = {"municipality_name": settings.MUNICIPALITY_NAME, **context}
    subject = render_to_string(f"moderation/email/{template}_subject.txt", context)
    body = render_to_string(f"moderation/email/{template}.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=recipients)


def item_event_messages(event: ItemEvent) -> list[EmailMessage]:
    template = EVENT_TEMPLATES.get(event.kind)
    recipients = sorted(set((event.changes or {}).get("recipients") or ()))
    if template is None or not recipients:
        return []
    item = event.item
    context = {
        "item": item,
        "event": event,
        "actor_name": display_name(event.actor),
        "link": absolute(item.get_absolute_url()),
    }
    return [_message(template, context, recipients)]


def item_fields(item, registration=None) -> dict:
    """The item as the JSON attached to the registry copy: every field and version."""
    channel = item.channel
    data = {
        "id": item.pk,
        "link": absolute(item.get_absolute_url()),
        "kind": item.kind,
        "source": item.source,
        "state": item.state,
        "channel": {
            "id": channel.pk,
            "name": channel.display_name,
            "platform": str(channel.platform),
            "address": channel.address,
            "account_id": channel.account_id,
            "unit": str(channel.unit),
        },
        "external_id": item.external_id,
        "parent_external_id": item.parent_external_id,
        "post_external_id": item.post_external_id,
        "sender": {"id": item.sender_id, "name": item.sender_name},
        "text": item.text,
        "attachments": list(item.attachments),
        "platform_created_at": item.platform_created_at,
        "received_at": item.received_at,
        "expects_answer": item.expects_answer,
        "versions": [
            {
                "number": version.number,
                "text": version.text,
                "attachments": list(version.attachments),
                "platform_edited_at": version.platform_edited_at,
                "captured_at": version.captured_at,
            }
            for version in item.versions.order_by("number")
        ],
    }
    if registration is not None:
        data["registration"] = {
            "reason": registration.reason,
            "description": registration.description,
            "requested_at": registration.requested_at,
            "requested_by": display_name(registration.requested_by),
            "archive_record": registration.record_id,
        }
    return data


def registration_message(registration) -> EmailMessage:
    item = registration.item
    context = {
        "item": item,
        "registration": registration,
        "actor_name": display_name(registration.requested_by),
        "record_link": absolute(reverse("archive:record_detail", args=[registration.record_id])),
    }
    message = _message("registration", context, [settings.REGISTRY_MAILBOX])
    attachment = json.dumps(
        item_fields(item, registration), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    message.attach(f"inlagg-{item.pk}.json", attachment, "application/json")
    return message
