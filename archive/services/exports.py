"""E-ARK submission packages (CSIP/SIP 2.1, FGS Paketstruktur 2.0) of a selection.

Design
------

`sip_write` is the one way a package is made: the export page (small
selections, answered at once from a temporary file), the Celery task (large
selections, `Export` rows with progress) and `archive_export_sip` all call it.
Records are read with `QuerySet.iterator(chunk_size=CHUNK_SIZE)` and handed to
`archive.eark.write_sip` one at a time, which writes them into the ZIP as they
come, so memory stays small. Progress is reported every `PROGRESS_EVERY`
records. Each record goes in as its JSON (unmasked: the e-archive keeps the
originals; confidentiality markings are part of the JSON) and, unless turned
off, its PDF rendering. Every export is written to the access log.
"""

import dataclasses
import datetime
import logging
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import copies
from archive.eark import SipDocument, SipManifest, SipMetadata, write_sip
from archive.models import AccessLog, Export, ExportStatus, Record, RecordType
from archive.services.audit import access_log, audit
from core.exceptions import ServiceError, TransitionNotAllowed

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
PROGRESS_EVERY = 100
EXPORT_DIR = "exports"
SOFTWARE_VERSION = "0.1.0"
# A queued export not started after this long was never queued (the broker was down)
# or its task was lost: `exports_requeue` queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
# A running export older than this has outlived its task's hard time limit (65 min,
# archive/tasks.py): its worker was killed, and the export is marked failed.
LOST_AFTER = datetime.timedelta(minutes=70)

README = """Smedje Social – arkivpaket

Varje post (allmän handling) ligger i representations/rep1/data/ som JSON
(record-<id>.json) och, när den finns, som PDF (record-<id>.pdf).

JSON-fälten: id, sequence (plats i hashkedjan), record_type, channel, unit,
sender_id, sender_name, platform_created_at, received_at, acted_at,
archived_at, action, rules (innehållsregler), acting_user, item_id,
registration_number (diarienummer), confidential och
confidentiality_legal_basis (sekretess enligt OSL), description, text,
content (allt som fångades: varje version, rådata från plattformen),
sha256 och previous_sha256.

sha256 är SHA-256 av postens kanoniska serialisering (JSON med sorterade
nycklar, UTF-8, utan blanksteg) inklusive previous_sha256; posterna bildar
en hashkedja i sequence-ordning.
"""


@dataclasses.dataclass(frozen=True)
class Selection:
    channel: object = None
    record_type: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    def records(self):
        records = Record.objects.all()
        if self.channel is not None:
            records = records.for_channel(self.channel)
        if self.record_type:
            records = records.of_type(self.record_type)
        if self.since:
            start = datetime.datetime.combine(self.since, datetime.time.min)
            records = records.filter(acted_at__gte=timezone.make_aware(start))
        if self.until:
            end = datetime.datetime.combine(
                self.until + datetime.timedelta(days=1), datetime.time.min
            )
            records = records.filter(acted_at__lt=timezone.make_aware(end))
        return records.order_by("sequence")

    def label(self) -> str:
        parts = [settings.MUNICIPALITY_NAME, "Smedje Social"]
        if self.channel is not None:
            parts.append(self.channel.display_name)
        if self.record_type:
            parts.append(str(RecordType(self.record_type).label))
        if self.since or self.until:
            parts.append(f"{self.since or ''}–{self.until or ''}")
        return " – ".join(parts)


def _metadata(selection: Selection, created) -> SipMetadata:
    return SipMetadata(
        package_id=f"uuid:{uuid.uuid4()}",
        label=selection.label(),
        submitter_name=settings.MUNICIPALITY_NAME,
        submitter_id=settings.ARCHIVE_ORGANISATION_NUMBER or None,
        archivist_name=settings.ARCHIVE_ARCHIVAL_CREATOR or settings.MUNICIPALITY_NAME,
        archivist_id=settings.ARCHIVE_ORGANISATION_NUMBER or None,
        software_name="Smedje Social",
        software_version=SOFTWARE_VERSION,
        created=created,
        submission_agreement=settings.ARCHIVE_SUBMISSION_AGREEMENT or None,
        documentation={"README.txt": README.encode("utf-8")},
    )


def sip_write(
    out,
    *,
    selection: Selection,
    actor=None,
    include_pdf: bool | None = None,
    progress=None,
) -> SipManifest:
    """Write the package of `selection` to `out` (a path or a binary stream).

    `progress(written)` is called every PROGRESS_EVERY records. Raises
    ServiceError when the selection holds no record.
    """
    if include_pdf is None:
        include_pdf = settings.ARCHIVE_EXPORT_PDF
    written_ids: list[int] = []

    def documents():
        records = (
            selection.records()
            .with_related()
            .with_current_annotations()
            .iterator(chunk_size=CHUNK_SIZE)
        )
        for record in records:
            yield SipDocument(
                identifier=f"record-{record.pk}",
                json_bytes=copies.record_json_bytes(record),
                pdf_bytes=copies.single_record_pdf(record) if include_pdf else None,
                created=record.archived_at,
            )
            written_ids.append(record.pk)
            if progress and len(written_ids) % PROGRESS_EVERY == 0:
                progress(len(written_ids))

    try:
        manifest = write_sip(out, _metadata(selection, timezone.now()), documents())
    except ValueError as error:
        if not written_ids:
            raise ServiceError(_("The selection holds no records to export.")) from error
        raise
    if progress:
        progress(len(written_ids))
    access_log(
        user=actor,
        action=AccessLog.Action.EXPORT_SIP,
        record_ids=written_ids,
        detail=selection.label(),
    )
    return manifest


def sip_response_file(*, selection: Selection, actor):
    """A small selection's package in a temporary file (rewound), for a streamed response."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse, which closes it
    try:
        sip_write(handle, selection=selection, actor=actor)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def export_create(*, actor, selection: Selection) -> Export:
    """Queue a large export; the task builds the package and the registrar downloads it."""
    total = selection.records().count()
    if not total:
        raise ServiceError(_("The selection holds no records to export."))
    with transaction.atomic():
        export = Export.objects.create(
            channel=selection.channel,
            record_type=selection.record_type,
            since=selection.since,
            until=selection.until,
            total=total,
            created_by=actor,
        )
        audit(actor=actor, event="export_created", target=export, changes={"total": total})

        def queue():
            from archive.tasks import export_run_task
            from core.queueing import delay_or_log

            # Broker down: logged; the export stays queued and `exports_requeue` queues
            # it again.
            delay_or_log(export_run_task, export.pk)

        transaction.on_commit(queue)
    return export


def export_path(export: Export) -> Path:
    return Path(settings.MEDIA_ROOT) / export.file_path


def export_run(*, export_id: int) -> Export:
    """Build a queued export's package; does nothing for one that is not queued."""
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != ExportStatus.QUEUED:
            return export
        export.status = ExportStatus.RUNNING
        export.started_at = timezone.now()
        export.file_path = f"{EXPORT_DIR}/sip-{export.pk}-{uuid.uuid4().hex[:12]}.zip"
        export.save(update_fields=["status", "started_at", "file_path"])
    selection = Selection(
        channel=export.channel,
        record_type=export.record_type,
        since=export.since,
        until=export.until,
    )
    path = export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(written):
        Export.objects.filter(pk=export.pk).update(progress=written)
        logger.info("Export %s: %s of %s records written", export.pk, written, export.total)

    try:
        sip_write(path, selection=selection, actor=export.created_by, progress=progress)
    except Exception as error:
        logger.exception("Export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        export.refresh_from_db()
        return export
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE, file_size=path.stat().st_size, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def exports_requeue(*, now=None) -> int:
    """Queue again what waits too long, and fail what lost its worker; how many were queued.

    Run periodically (smedje_social/celery.py). Queuing an export twice is safe:
    `export_run` builds only a queued export. An export that was running when its
    worker was killed (or passed the task's hard time limit) would otherwise show
    "running" for ever; it is marked failed, so that the registrar can try again
    or narrow the selection.
    """
    from archive.tasks import export_run_task
    from core.queueing import delay_or_log

    now = now or timezone.now()
    lost = Export.objects.filter(status=ExportStatus.RUNNING, started_at__lt=now - LOST_AFTER)
    failed = lost.update(
        status=ExportStatus.FAILED,
        error=_("The export was interrupted (its worker stopped). Start it again."),
        finished_at=now,
    )
    if failed:
        logger.warning("%s exports that lost their worker were marked failed.", failed)
    waiting = list(
        Export.objects.filter(status=ExportStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    queued = 0
    for export_id in waiting:
        if not delay_or_log(export_run_task, export_id):
            break  # the broker is down: the next run tries again
        queued += 1
    if waiting:
        logger.info("Queued %s of %s waiting exports again.", queued, len(waiting))
    return queued


def export_delete(*, export: Export, actor) -> None:
    """Remove a finished or failed export's file and row."""
    if export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        raise TransitionNotAllowed(_("The export is still running."))
    with transaction.atomic():
        audit(actor=actor, event="export_deleted", target=export)
        if export.file_path:
            export_path(export).unlink(missing_ok=True)
        export.delete()
