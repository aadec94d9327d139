"""E-mails that carry hostile texts: plain text only (no HTML part to escape), the JSON
attachment valid and exact, and no text able to add a header, whatever it holds."""

import datetime
import email
import email.policy
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels.models import Channel
from channels.services.channels import channel_update
from moderation import reminders, services
from moderation.models import Item, ItemComment
from tests.hostile.payloads import SENDER

pytestmark = pytest.mark.django_db

# A newline in anything that reaches a subject must not start a header of its own.
INJECTION = "Kanal\r\nBcc: angripare@example.com\r\nX-Injected: ja\nContent-Type: text/html"
EXPECTED_HEADERS = {
    "Content-Type",
    "MIME-Version",
    "Content-Transfer-Encoding",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
}


def parsed(message):
    """The message as an SMTP server receives it, parsed again."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def assert_plain_and_uninjected(message, *, to):
    """Text only, the headers Django sets and no other, the recipients as addressed."""
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", [])
    assert message.recipients() == to
    assert "\n" not in message.subject and "\r" not in message.subject
    received = parsed(message)
    headers = set(received.keys())
    assert headers <= EXPECTED_HEADERS, headers - EXPECTED_HEADERS
    assert received["Bcc"] is None and received["X-Injected"] is None
    assert received["To"] == ", ".join(to)
    body = received.get_body(("plain",)) if received.is_multipart() else received
    assert body.get_content_type() == "text/plain"
    return received


def text_part(received) -> str:
    body = received.get_body(("plain",)) if received.is_multipart() else received
    return body.get_content()


def test_registration_copies_carry_the_exact_text_as_text_and_json(
    ingested, employee, settings, django_capture_on_commit_callbacks
):
    settings.REGISTRY_MAILBOX = "diarium@example.se"
    webhook_items = [entry for entry in ingested if entry.source == "webhook"]
    for entry in webhook_items:
        with django_capture_on_commit_callbacks(execute=True):
            services.item_register(
                item=entry.item,
                actor=employee,
                expected_version=entry.item.version,
                description=entry.text[:400],
            )

    assert len(mail.outbox) == len(webhook_items)
    for entry, message in zip(webhook_items, mail.outbox, strict=True):
        received = assert_plain_and_uninjected(message, to=["diarium@example.se"])
        assert entry.text in message.body, entry.name
        assert SENDER in message.body
        # The body as the mailbox gets it: the same text (line ends as SMTP writes them).
        sent = text_part(received).replace("\r\n", "\n").replace("\r", "\n")
        assert entry.text.replace("\r\n", "\n").replace("\r", "\n") in sent, entry.name
        ((_name, content, mimetype),) = message.attachments
        assert mimetype == "application/json"
        fields = json.loads(content)
        assert fields["text"] == entry.text, entry.name
        assert fields["sender"]["name"] == SENDER
        assert fields["versions"][0]["text"] == entry.text


def test_forward_advice_and_comment_e_mails_are_plain_and_uninjected(
    ingested, employee, communicator, settings, django_capture_on_commit_callbacks, page_channel
):
    # The register's forms and services refuse a name over several lines
    # (core/validators.py); one stored before that rule, or in the database by hand, may
    # still hold line breaks, and the e-mails must stay uninjected all the same.
    with pytest.raises(ValidationError):
        channel_update(
            channel=page_channel,
            actor=communicator,
            data={"display_name": INJECTION},
            expected_version=page_channel.version,
        )
    Channel.objects.filter(pk=page_channel.pk).update(display_name=INJECTION)
    channel = Channel.objects.get(pk=page_channel.pk)
    entries = [entry for entry in ingested if entry.source == "api"]
    for entry in entries:
        item = Item.objects.get(pk=entry.item.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.item_forward(
                item=item,
                actor=employee,
                expected_version=item.version,
                to_email="gata@example.se",
                note=entry.text[:1000],
            )
    forwards = list(mail.outbox)
    mail.outbox.clear()
    item = Item.objects.get(pk=entries[1].item.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_ask_advice(
            item=item,
            actor=employee,
            expected_version=item.version,
            of=ItemComment.AddressedTo.COMMUNICATOR,
            question=entries[1].text,
        )
    advice = list(mail.outbox)

    assert len(forwards) == len(entries) and len(advice) == 1
    for entry, message in zip(entries, forwards, strict=True):
        assert_plain_and_uninjected(message, to=["gata@example.se"])
        assert entry.text in message.body, entry.name
        assert " ".join(INJECTION.split()) in message.subject
    assert_plain_and_uninjected(advice[0], to=[communicator.email])
    assert entries[1].text in advice[0].body
    assert channel.display_name == INJECTION


def test_reminders_and_escalations_are_plain_and_uninjected(
    ingested, employee, communicator, django_capture_on_commit_callbacks
):
    later = timezone.now() + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_sweep(now=later)

    to_handler = [m for m in mail.outbox if m.to == [employee.email]]
    to_communicator = [m for m in mail.outbox if m.to == [communicator.email]]
    assert to_handler and to_communicator
    for message in mail.outbox:
        assert_plain_and_uninjected(message, to=message.to)
        # The items are listed by their sender, exactly as the platform gave the name.
        assert SENDER in message.body
        assert "window.__pwned" not in message.subject
