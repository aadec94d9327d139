"""Registration (diarieföring): the copy to the registry mailbox with the item's fields as
JSON, the archive record with the OSL 5 kap. 2 § particulars, and retries that never lose
a copy."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.utils import timezone

from archive.models import Record
from archive.services import records as archive_records
from archive.services.records import record_set_registration_number
from core.exceptions import NotPermitted, TransitionNotAllowed
from moderation import services, tasks
from moderation.models import ItemEvent, ItemKind, Registration, RegistrationStatus
from tests.moderation.queue_fixtures import capture, fresh, item, rules

__all__ = ["capture", "item", "rules"]

pytestmark = pytest.mark.django_db


def test_a_handler_registers_an_item_about_an_ongoing_case(
    item, employee, settings, django_capture_on_commit_callbacks
):
    settings.REGISTRY_MAILBOX = "diarium@example.se"
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.item_register(
            item=item,
            actor=employee,
            expected_version=1,
            description="Synpunkt i bygglovsärende BN 2024/123",
        )

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SENT
    assert registration.sent_at is not None and registration.attempts == 1
    # The archive record with the OSL 5 kap. 2 § particulars.
    record = Record.objects.get(pk=registration.record_id)
    assert record.record_type == "registered"
    assert record.item_id == item.pk
    assert record.received_at == item.received_at  # date received
    assert (record.sender_name, record.sender_id) == ("Sven Svensson", "1000001")  # sender
    assert record.description == "Synpunkt i bygglovsärende BN 2024/123"  # short description
    assert record.registration_number == ""  # added later by the registrar
    # The e-mail: the text in the body, every field in the JSON attachment.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["diarium@example.se"]
    assert "Hej! När öppnar badhuset?" in message.body
    assert "Synpunkt i bygglovsärende BN 2024/123" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"inlagg-{item.pk}.json", "application/json")
    fields = json.loads(content)
    assert fields["id"] == item.pk
    assert fields["text"] == "Hej! När öppnar badhuset?"
    assert fields["sender"] == {"id": "1000001", "name": "Sven Svensson"}
    assert fields["channel"]["name"] == item.channel.display_name
    assert fields["registration"]["description"] == "Synpunkt i bygglovsärende BN 2024/123"
    assert fields["registration"]["archive_record"] == record.pk
    assert [v["number"] for v in fields["versions"]] == [1]
    kinds = list(fresh(item).events.values_list("kind", flat=True))
    assert ItemEvent.Kind.REGISTRATION_REQUESTED in kinds
    assert ItemEvent.Kind.REGISTRATION_SENT in kinds


def test_the_registrar_adds_the_registration_number_later(item, employee, registrar):
    registration = services.item_register(
        item=item, actor=employee, expected_version=1, description="Ärende"
    )
    record = Record.objects.get(pk=registration.record_id)
    record_set_registration_number(record=record, actor=registrar, registration_number="KS 2025/17")
    assert Record.objects.get(pk=record.pk).current_registration_number == "KS 2025/17"


def test_registration_is_refused_twice_without_a_description_and_for_others(
    item, employee, other_employee
):
    with pytest.raises(ValidationError):
        services.item_register(item=item, actor=employee, expected_version=1, description=" ")
    with pytest.raises(NotPermitted):
        services.item_register(item=item, actor=other_employee, expected_version=1, description="x")
    services.item_register(item=item, actor=employee, expected_version=1, description="x")
    with pytest.raises(TransitionNotAllowed):
        services.item_register(item=item, actor=employee, expected_version=2, description="x")
    assert Registration.objects.count() == 1


def test_a_direct_message_is_registered_when_it_arrives(
    capture, page_channel, settings, django_capture_on_commit_callbacks
):
    settings.REGISTRY_MAILBOX = "diarium@example.se"
    with django_capture_on_commit_callbacks(execute=True):
        dm = capture(
            page_channel, "Hej, jag vill klaga på min hemtjänst.", kind=ItemKind.DIRECT_MESSAGE
        )

    registration = Registration.objects.get(item=dm)
    assert registration.reason == "direct_message"
    assert registration.requested_by is None
    assert registration.status == RegistrationStatus.SENT
    record = Record.objects.get(pk=registration.record_id)
    assert record.record_type == "direct_message"
    assert record.sender_name == "Sven Svensson"
    assert page_channel.display_name in record.description
    assert mail.outbox[0].to == ["diarium@example.se"]
    assert "klaga på min hemtjänst" in mail.outbox[0].body


def test_a_comment_is_not_registered_automatically(item):
    assert not Registration.objects.exists()


def test_a_failed_send_is_retried_a_few_times_shown_and_swept_later(
    item, employee, monkeypatch, django_capture_on_commit_callbacks
):
    def down(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", down)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.item_register(
            item=item, actor=employee, expected_version=1, description="x"
        )

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.FAILED
    assert "mail server down" in registration.last_error
    # The first try and the task's bounded retries (run at once while eager).
    assert registration.attempts == 1 + tasks.REGISTRATION_MAX_RETRIES
    assert registration.record_id is not None  # the record was kept all along
    assert fresh(item).events.filter(kind=ItemEvent.Kind.REGISTRATION_FAILED).count() == 1

    # Not swept again at once …
    monkeypatch.undo()
    assert services.registrations_resend() == 0
    # … but after a while the sweep sends it: never lost.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert services.registrations_resend() == 1
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SENT and registration.last_error == ""
    assert len(mail.outbox) == 1
    # Sent is final: sending again does nothing.
    services.registration_send(registration_id=registration.pk)
    assert len(mail.outbox) == 1


def test_an_archive_failure_of_an_arriving_direct_message_is_retried_not_lost(
    capture, page_channel, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("archive down")

    monkeypatch.setattr(archive_records, "record_create", broken)
    with django_capture_on_commit_callbacks(execute=True):
        dm = capture(page_channel, "Ett direktmeddelande", kind=ItemKind.DIRECT_MESSAGE)

    # The message itself was captured; its registration waits, with the reason shown.
    registration = Registration.objects.get(item=dm)
    assert registration.status == RegistrationStatus.FAILED
    assert registration.record_id is None and "ArchiveUnavailable" in registration.last_error
    assert not mail.outbox

    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        services.registrations_resend()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SENT
    assert Record.objects.get(pk=registration.record_id).record_type == "direct_message"


def test_a_pending_registration_whose_task_was_lost_is_swept(item, employee):
    # Registered outside a commit callback: the task never ran (a broker outage).
    registration = services.item_register(
        item=item, actor=employee, expected_version=1, description="x"
    )
    assert Registration.objects.get().status == RegistrationStatus.PENDING
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert services.registrations_resend() == 1
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_is_on_the_beat_schedule():
    from smedje_social.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule["resend-registrations"]["task"] == "moderation.tasks.resend_registrations_task"
