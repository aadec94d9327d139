"""Registration (diarieföring): a copy to the registry mailbox and an archive record.

A handler registers an item that concerns an ongoing case; a direct message
is registered automatically when it arrives, because the guidelines count
direct messages as received documents as a rule, and a received document is
to be registered without delay, whether or not its handler is at work.

The archive record carries the OSL 5 kap. 2 § particulars: the date received,
the sender, a short description and, added later by the registrar through
the archive's annotations, the registration number. A handler's registration
writes the record in their transaction (they are told at once if the archive
fails); an automatic one writes it when the copy is first sent, so that a
webhook delivery never fails because of the archive.

The copy is e-mailed by a Celery task with bounded retries; its state
(pending, sent, failed with the error) is on the Registration row and shown
on the item. A periodic sweep sends again whatever is still pending or
failed, so a copy is never lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.services.common import lock
from core.exceptions import TransitionNotAllowed
from core.queueing import delay_or_log
from moderation.models import (
    Item,
    ItemEvent,
    ItemKind,
    Registration,
    RegistrationReason,
    RegistrationStatus,
)

logger = logging.getLogger(__name__)

# The sweep sends again what has waited or failed this long, this many per run.
RESEND_AFTER = timedelta(minutes=5)
RESEND_BATCH_SIZE = 100
ERROR_MAX_LENGTH = 2000


def _delay_send(registration_id: int) -> bool:
    """Queue the send task; False (logged) when the broker is unreachable: the sweep retries."""
    from moderation.tasks import registration_send_task

    return delay_or_log(registration_send_task, registration_id)


def _queue_send(registration_id: int) -> None:
    transaction.on_commit(lambda: _delay_send(registration_id))


def _record_type(item: Item) -> str:
    return "direct_message" if item.kind == ItemKind.DIRECT_MESSAGE else "registered"


def _write_record(registration: Registration, item: Item):
    from moderation.notifications import item_fields
    from moderation.services.actions import _archive

    actor = registration.requested_by
    return _archive(
        record_type=_record_type(item),
        channel=item.channel,
        content=item_fields(item, registration)
        | {
            "versions_raw": [
                {"number": version.number, "raw": version.raw}
                for version in item.versions.order_by("number")
            ]
        },
        sender_id=item.sender_id,
        sender_name=item.sender_name,
        platform_created_at=item.platform_created_at,
        received_at=item.received_at,
        acted_at=registration.requested_at,
        action="registered",
        actor=actor,
        item_id=item.pk,
        description=registration.description,
    )


def default_description(item: Item) -> str:
    return _("%(kind)s from %(sender)s on %(channel)s (%(platform)s)") % {
        "kind": item.get_kind_display(),
        "sender": item.sender_name or item.sender_id or _("unknown sender"),
        "channel": item.channel.display_name,
        "platform": item.channel.platform,
    }


def item_register_direct_message(*, item: Item) -> Registration | None:
    """Register a direct message as it arrives (called by item_capture in its transaction)."""
    if item.kind != ItemKind.DIRECT_MESSAGE or Registration.objects.filter(item=item).exists():
        return None
    registration = Registration.objects.create(
        item=item,
        reason=RegistrationReason.DIRECT_MESSAGE,
        description=default_description(item)[:500],
    )
    ItemEvent.objects.create(
        item=item,
        kind=ItemEvent.Kind.REGISTRATION_REQUESTED,
        changes={"reason": registration.reason, "registration": registration.pk},
    )
    _queue_send(registration.pk)
    return registration


@transaction.atomic
def item_register(
    *, item: Item, actor, expected_version: int | None, description: str, note: str = ""
) -> Registration:
    """Register an item that concerns an ongoing case; the archive record is written now."""
    from moderation.services.actions import _begin, _save, _take

    description = " ".join((description or "").split())
    if not description:
        raise ValidationError(
            {"description": _("Describe briefly what the item concerns (e.g. the case).")}
        )
    if len(description) > 500:
        raise ValidationError({"description": _("At most 500 characters.")})
    item = _begin(item, actor, expected_version)
    if Registration.objects.filter(item=item).exists():
        raise TransitionNotAllowed(_("The item is already registered."))
    reason = (
        RegistrationReason.DIRECT_MESSAGE
        if item.kind == ItemKind.DIRECT_MESSAGE
        else RegistrationReason.ONGOING_CASE
    )
    registration = Registration.objects.create(
        item=item, reason=reason, description=description, requested_by=actor
    )
    record = _write_record(registration, item)
    registration.record_id = record.pk
    registration.save(update_fields=["record_id"])
    changes, fields = (
        {"reason": reason, "registration": registration.pk, "archive_record": record.pk},
        [],
    )
    _take(item, actor, changes, fields)
    _save(item, fields)
    ItemEvent.objects.create(
        item=item,
        kind=ItemEvent.Kind.REGISTRATION_REQUESTED,
        actor=actor,
        note=note,
        changes=changes,
    )
    _queue_send(registration.pk)
    return registration


def _mark(registration_id: int, *, error: str | None) -> Registration:
    """Record an attempt's outcome; an event only when the state changes."""
    with transaction.atomic():
        registration = lock(Registration, registration_id)
        before = registration.status
        registration.attempts += 1
        registration.last_attempt_at = timezone.now()
        if error is None:
            registration.status = RegistrationStatus.SENT
            registration.sent_at = registration.last_attempt_at
            registration.last_error = ""
        else:
            registration.status = RegistrationStatus.FAILED
            registration.last_error = error[:ERROR_MAX_LENGTH]
        registration.save(
            update_fields=["attempts", "last_attempt_at", "status", "sent_at", "last_error"]
        )
        if registration.status != before:
            ItemEvent.objects.create(
                item_id=registration.item_id,
                kind=ItemEvent.Kind.REGISTRATION_SENT
                if error is None
                else ItemEvent.Kind.REGISTRATION_FAILED,
                changes={"status": [before, registration.status], "error": error or ""},
            )
    return registration


def registration_send(*, registration_id: int) -> Registration | None:
    """Write the record if it is missing, then e-mail the copy; safe to call again.

    A sent registration is not sent twice. A failure (the archive, the mail
    server) is recorded on the registration and returned, not raised: the
    task retries it and the sweep picks it up later.
    """
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
        if registration is None or registration.status == RegistrationStatus.SENT:
            return registration
        if registration.record_id is None:
            try:
                record = _write_record(registration, registration.item)
            except Exception as error:  # recorded and retried, never lost
                failed_with = f"{type(error).__name__}: {getattr(error, 'message', error)}"
            else:
                failed_with = None
                registration.record_id = record.pk
                registration.save(update_fields=["record_id"])
        else:
            failed_with = None
    if failed_with is not None:
        return _mark(registration_id, error=failed_with)

    from moderation.notifications import registration_message

    registration = Registration.objects.select_related(
        "item__channel__platform", "item__channel__unit", "requested_by"
    ).get(pk=registration_id)
    try:
        registration_message(registration).send()
    except Exception as error:  # the mail server: recorded and retried, never lost
        logger.warning("Registration %s could not be sent: %s", registration_id, error)
        return _mark(registration_id, error=f"{type(error).__name__}: {error}")
    return _mark(registration_id, error=None)


def registrations_resend(*, now=None) -> int:
    """Queue again the copies still pending or failed after RESEND_AFTER; returns how many."""
    cutoff = (now or timezone.now()) - RESEND_AFTER
    waiting = Registration.objects.filter(
        status=RegistrationStatus.PENDING, requested_at__lt=cutoff
    ) | Registration.objects.filter(status=RegistrationStatus.FAILED, last_attempt_at__lt=cutoff)
    ids = list(
        waiting.order_by("requested_at", "pk").values_list("pk", flat=True)[:RESEND_BATCH_SIZE]
    )
    queued = 0
    for registration_id in ids:
        if not _delay_send(registration_id):
            break
        queued += 1
    if ids:
        logger.info("Queued %s of %s registration copies again.", queued, len(ids))
    return queued
