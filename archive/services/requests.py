"""Requests for public records: record, attach records, mask, produce the copy, close."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import copies
from archive.models import (
    AccessLog,
    Mask,
    PublicRecordRequest,
    Record,
    RequestRecord,
    RequestStatus,
)
from archive.services.audit import access_log, audit
from archive.services.guard import disposal_guard
from core.exceptions import ServiceError, TransitionNotAllowed

REQUEST_FIELDS = (
    "received_at",
    "received_via",
    "requester_name",
    "requester_contact",
    "description",
    "registration_number",
)


def _require_open(request: PublicRecordRequest):
    if not request.is_open:
        raise TransitionNotAllowed(_("The request is closed and can no longer be changed."))


def request_create(*, actor, data: dict) -> PublicRecordRequest:
    """Record a request; the requester's name and contact are optional (anonymity)."""
    with transaction.atomic():
        request = PublicRecordRequest(
            created_by=actor, **{name: data[name] for name in REQUEST_FIELDS if name in data}
        )
        if request.received_at is None:
            request.received_at = timezone.now()
        request.full_clean()
        request.save()
        audit(
            actor=actor,
            event="request_created",
            target=request,
            changes={"received_via": request.received_via},
        )
    return request


def request_attach_records(*, request: PublicRecordRequest, actor, records) -> int:
    """Attach records to an open request; records already attached are skipped."""
    _require_open(request)
    added = 0
    records = list(records)
    with transaction.atomic():
        # After the disposal batches under way, before the next (archive/services/guard.py).
        disposal_guard(exclusive=True)
        existing = set(
            Record.objects.filter(pk__in=[record.pk for record in records]).values_list(
                "pk", flat=True
            )
        )
        if len(existing) < len({record.pk for record in records}):
            raise ServiceError(
                _("A record has been disposed of and can no longer be attached to the request.")
            )
        attached = set(request.request_records.values_list("record_ref", flat=True))
        new = [record for record in records if record.pk not in attached]
        RequestRecord.objects.bulk_create(
            [
                RequestRecord(
                    request=request,
                    record=record,
                    record_ref=record.pk,
                    record_hash=record.hash,
                    added_by=actor,
                )
                for record in new
            ]
        )
        added = len(new)
        if added:
            audit(
                actor=actor,
                event="request_records_attached",
                target=request,
                changes={"records": [record.pk for record in new]},
            )
    return added


def request_detach_record(*, request: PublicRecordRequest, actor, record_id: int) -> None:
    _require_open(request)
    with transaction.atomic():
        request.request_records.filter(record_ref=record_id).delete()
        request.masks.filter(record_ref=record_id).delete()
        audit(
            actor=actor,
            event="request_record_detached",
            target=request,
            changes={"record": record_id},
        )


def mask_add(*, request: PublicRecordRequest, actor, record, text: str, legal_basis: str) -> Mask:
    """Mask every occurrence of `text` in the copy of `record` handed out for `request`."""
    _require_open(request)
    legal_basis = (legal_basis or "").strip()
    if not text or not text.strip():
        raise ServiceError(_("Enter the text to mask."))
    if not legal_basis:
        raise ServiceError(_("State the legal basis (chapter and section of OSL) for the mask."))
    if not request.request_records.filter(record_ref=record.pk).exists():
        raise ServiceError(_("The record is not attached to this request."))
    if not copies.occurs_in(record, text):
        raise ServiceError(_("The text to mask does not occur in the record."))
    with transaction.atomic():
        try:
            mask = Mask.objects.create(
                request=request,
                record=record,
                record_ref=record.pk,
                text=text,
                legal_basis=legal_basis,
                created_by=actor,
            )
        except IntegrityError as error:
            raise ServiceError(str(error)) from error
        # The masked text itself stays out of the audit row: it may be secret.
        audit(
            actor=actor,
            event="mask_added",
            target=request,
            changes={"record": record.pk, "legal_basis": legal_basis, "length": len(text)},
        )
    return mask


def mask_remove(*, mask: Mask, actor) -> None:
    _require_open(mask.request)
    with transaction.atomic():
        audit(
            actor=actor,
            event="mask_removed",
            target=mask.request,
            changes={"record": mask.record_ref, "legal_basis": mask.legal_basis},
        )
        mask.delete()


def request_close(*, request: PublicRecordRequest, actor, outcome: str = "") -> PublicRecordRequest:
    with transaction.atomic():
        request = PublicRecordRequest.objects.select_for_update().get(pk=request.pk)
        _require_open(request)
        request.status = RequestStatus.CLOSED
        request.closed_at = timezone.now()
        request.closed_by = actor
        request.outcome = (outcome or "").strip()
        request.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
        audit(actor=actor, event="request_closed", target=request, changes={"outcome": outcome})
    return request


# Records read from the database at a time while a bundle is written.
EXPORT_CHUNK_SIZE = 500


def _copies(request):
    from archive.models import Record

    records = list(
        Record.objects.filter(request_records__request=request)
        .with_related()
        .prefetch_related("annotations")
        .order_by("pk")
    )
    masks = copies.group_masks(request.masks.all())
    return copies.request_copy(request, records, masks)


def request_export(*, request: PublicRecordRequest, actor, kind: str) -> tuple[bytes, str]:
    """The copy to hand out: ``kind`` "pdf" or "bundle". Returns (bytes, file name).

    The export is logged (who, when, which records) in the same transaction.
    """
    from archive.models import Record

    records = (
        Record.objects.filter(request_records__request=request)
        .with_related()
        .prefetch_related("annotations")
        .order_by("pk")
    )
    if not records.exists():
        raise ServiceError(_("Attach at least one record before producing the copy."))
    who = actor.get_full_name() or actor.get_username()
    with transaction.atomic():
        if kind == "bundle":
            # Streamed: one chunk of records in memory at a time (copies.bundle_zip_streamed).
            body, record_ids = copies.bundle_zip_streamed(
                request,
                records.iterator(chunk_size=EXPORT_CHUNK_SIZE),
                copies.group_masks(request.masks.all()),
                generated_by=who,
            )
            name = f"begaran-{request.pk}.zip"
            access_log(
                user=actor,
                action=AccessLog.Action.EXPORT_BUNDLE,
                record_ids=record_ids,
                request=request,
                detail=name,
            )
            return body, name
        items = _copies(request)
        if kind == "pdf":
            body = copies.records_pdf(
                items,
                title=_("Copy of public records, request %(number)s") % {"number": request.pk},
                intro_lines=[
                    _("Received: %(when)s")
                    % {"when": timezone.localtime(request.received_at).strftime("%Y-%m-%d %H:%M")},
                    _("Produced by %(who)s on %(when)s")
                    % {"who": who, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
                ],
            )
            name, action = f"begaran-{request.pk}.pdf", AccessLog.Action.EXPORT_PDF
        else:
            raise ServiceError(_("Unknown kind of copy."))
        access_log(
            user=actor,
            action=action,
            record_ids=[data["id"] for data, _applied in items],
            request=request,
            detail=name,
        )
    return body, name
