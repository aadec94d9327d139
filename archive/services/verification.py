"""Walking the hash chain: is every record as it was archived, and none missing?

Design
------

Records carry consecutive sequence numbers from 1 to the chain head's. The
walk reads them in windows of `BATCH_SIZE` sequence numbers: the records of
the window (only the hashed fields) and the disposal log entries of the
window, so memory stays constant however large the archive grows. For each
sequence number, in order:

* a record: its hash is recomputed from its fields and must equal the stored
  hash, and its previous hash must equal the hash of the link before it;
* a disposal log entry: the record was disposed of lawfully; its logged
  previous hash must link to the link before it, and its logged hash is the
  link for the next one;
* neither: a record was removed outside the disposal process.

At the end the last link must be the chain head's hash. The first problem
found is reported; nothing is changed.
"""

import dataclasses
import logging

from django.db import transaction
from django.utils import timezone

from archive.chain import HASHED_FIELDS, fields_of, record_hash
from archive.models import GENESIS_HASH, ChainHead, DisposalLogEntry, Record, VerificationRun
from archive.services.audit import audit

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclasses.dataclass
class ChainResult:
    ok: bool
    checked: int
    message: str
    sequence: int | None = None
    record_id: int | None = None


def verify_chain(*, progress=None) -> ChainResult:
    """Walk the chain; `progress(checked)` is called after every window."""
    head = ChainHead.objects.filter(name="records").first()
    last_sequence = head.sequence if head else 0
    expected_previous = GENESIS_HASH
    checked = 0
    fields = ["pk", "hash", *[name for name in HASHED_FIELDS if name != "sequence"], "sequence"]
    for start in range(1, last_sequence + 1, BATCH_SIZE):
        end = start + BATCH_SIZE
        records = {
            row["sequence"]: row
            for row in Record.objects.filter(sequence__gte=start, sequence__lt=end)
            .order_by()
            .values(*fields)
        }
        disposed = {
            entry.sequence: entry
            for entry in DisposalLogEntry.objects.filter(
                sequence__gte=start, sequence__lt=end
            ).only("sequence", "record_id", "hash", "previous_hash")
        }
        for sequence in range(start, min(end, last_sequence + 1)):
            row = records.get(sequence)
            entry = disposed.get(sequence)
            if row is not None and entry is not None:
                return ChainResult(
                    False,
                    checked,
                    f"Record {row['pk']} (sequence {sequence}) is in the disposal log "
                    "but still in the archive.",
                    sequence,
                    row["pk"],
                )
            if row is not None:
                computed = record_hash(fields_of(row))
                if computed != row["hash"]:
                    return ChainResult(
                        False,
                        checked,
                        f"Record {row['pk']} (sequence {sequence}) was changed: its content "
                        f"no longer matches its hash (stored {row['hash']}, "
                        f"computed {computed}).",
                        sequence,
                        row["pk"],
                    )
                if row["previous_hash"] != expected_previous:
                    return ChainResult(
                        False,
                        checked,
                        f"The record before record {row['pk']} (sequence {sequence - 1}) was "
                        f"changed or replaced: record {row['pk']} does not link to it.",
                        sequence - 1,
                        _record_id_at(sequence - 1),
                    )
                expected_previous = row["hash"]
            elif entry is not None:
                if entry.previous_hash != expected_previous:
                    return ChainResult(
                        False,
                        checked,
                        f"The record before disposed record {entry.record_id} "
                        f"(sequence {sequence - 1}) was changed or replaced.",
                        sequence - 1,
                        _record_id_at(sequence - 1),
                    )
                expected_previous = entry.hash
            else:
                return ChainResult(
                    False,
                    checked,
                    f"The record with sequence {sequence} is missing: it was removed outside "
                    "the disposal process.",
                    sequence,
                    None,
                )
            checked += 1
        if progress:
            progress(checked)
    stray = Record.objects.filter(sequence__gt=last_sequence).order_by("sequence").first()
    if stray is not None:
        return ChainResult(
            False,
            checked,
            f"Record {stray.pk} (sequence {stray.sequence}) lies beyond the end of the chain.",
            stray.sequence,
            stray.pk,
        )
    if head is not None and expected_previous != head.hash:
        return ChainResult(
            False,
            checked,
            f"The last record (sequence {last_sequence}) was changed or replaced: "
            "it does not match the chain head.",
            last_sequence,
            _record_id_at(last_sequence),
        )
    return ChainResult(True, checked, f"The chain holds: {checked} records checked.")


def _record_id_at(sequence):
    return (
        Record.objects.filter(sequence=sequence).values_list("pk", flat=True).first()
        or DisposalLogEntry.objects.filter(sequence=sequence)
        .values_list("record_id", flat=True)
        .first()
    )


def verification_run(*, actor=None) -> VerificationRun:
    """Verify the chain and store the result for the registrar's page."""
    started = timezone.now()
    result = verify_chain()
    with transaction.atomic():
        run = VerificationRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            ok=result.ok,
            checked=result.checked,
            first_bad_sequence=result.sequence,
            first_bad_record_id=result.record_id,
            message=result.message,
            run_by=actor,
        )
        audit(actor=actor, event="chain_verified", target=run, changes={"ok": result.ok})
    (logger.info if result.ok else logger.error)("Archive verification: %s", result.message)
    return run
