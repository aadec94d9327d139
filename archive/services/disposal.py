"""Legal holds and disposal (gallring) of records whose retention time has run out.

Design
------

A disposal run goes ``proposed -> approved -> executed`` (or ``cancelled``).
Proposing lists the due records as `DisposalCandidate` rows, in batches of
`BATCH_SIZE`, so that whoever signs off sees exactly what may go. With
``ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF`` (the default) a person other than the
proposer approves; without it the scheduler proposes, approves and executes
in one go.

Execution walks the candidates in batches of `BATCH_SIZE`, one transaction
per batch, and logs progress per batch. In each batch it re-reads the records
that are *still* due (a legal hold placed after the proposal, or an open
request, keeps a record), locks them with ``SELECT ... FOR UPDATE SKIP
LOCKED``, writes a `DisposalLogEntry` per record and deletes them. Two runs
executing at once therefore never dispose of one record twice: the second
skips the rows the first has locked, and finds them gone afterwards. A crash
between batches leaves the run ``approved`` with the finished batches
disposed of and logged; executing it again continues with what is left.

The log entry keeps the record's sequence number, hash and previous hash, so
`archive.services.verification` can step over a disposed record and the chain still
verifies.

The same run also covers moderation items that never became records (their
own rule, `RetentionSubject.ITEM`): proposing lists them too, the sign-off
covers both, and executing disposes of the records first, then the items and
the raw webhook deliveries nothing derives from any more. That part lives in
`archive.services.item_disposal`; this module only calls it at those points.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from archive.models import (
    DisposalCandidate,
    DisposalLogEntry,
    DisposalRun,
    DisposalRunStatus,
    LegalHold,
    Record,
)
from archive.selectors import active_holds, records_due
from archive.services import item_disposal
from archive.services.audit import audit
from core.exceptions import NotPermitted, ServiceError, TransitionNotAllowed

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

# The allowed transitions of a disposal run.
TRANSITIONS = {
    DisposalRunStatus.PROPOSED: {DisposalRunStatus.APPROVED, DisposalRunStatus.CANCELLED},
    DisposalRunStatus.APPROVED: {DisposalRunStatus.EXECUTED, DisposalRunStatus.CANCELLED},
    DisposalRunStatus.EXECUTED: set(),
    DisposalRunStatus.CANCELLED: set(),
}


def _check_transition(run: DisposalRun, to: str):
    if to not in TRANSITIONS[run.status]:
        raise TransitionNotAllowed(
            _("A disposal run that is %(status)s cannot become %(to)s.")
            % {
                "status": run.get_status_display().lower(),
                "to": DisposalRunStatus(to).label.lower(),
            }
        )


def _locked(run: DisposalRun) -> DisposalRun:
    return DisposalRun.objects.select_for_update().get(pk=run.pk)


# --- legal holds -----------------------------------------------------------------


def legal_hold_place(*, actor, reason: str, record=None, channel=None) -> LegalHold:
    """Hold one record, or every record of a channel, from disposal."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("State the reason for the legal hold."))
    if (record is None) == (channel is None):
        raise ServiceError(_("A legal hold is on one record or on one channel."))
    with transaction.atomic():
        hold = LegalHold(
            record=record,
            record_ref=record.pk if record else None,
            channel=channel,
            reason=reason,
            created_by=actor,
        )
        hold.full_clean()
        hold.save()
        audit(actor=actor, event="legal_hold_placed", target=hold, changes={"reason": reason})
    return hold


def legal_hold_release(*, hold: LegalHold, actor, reason: str = "") -> LegalHold:
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise TransitionNotAllowed(_("The legal hold is already released."))
        hold.released_at = timezone.now()
        hold.released_by = actor
        hold.release_reason = (reason or "").strip()
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        audit(actor=actor, event="legal_hold_released", target=hold, changes={"reason": reason})
    return hold


def is_held(record: Record) -> bool:
    return active_holds().filter(record=record).exists() or (
        active_holds().filter(channel_id=record.channel_id).exists()
    )


# --- disposal runs -----------------------------------------------------------------


def disposal_run_propose(*, actor=None, today=None, comment: str = "") -> DisposalRun:
    """Propose disposing of every record due on `today`; `actor` None is the scheduler."""
    today = today or timezone.localdate()
    due, rules = records_due(today)
    rule_by_type = {record_type: rule.pk for record_type, rule in rules.items()}
    with transaction.atomic():
        run = DisposalRun.objects.create(as_of=today, proposed_by=actor, comment=comment)
        audit(actor=actor, event="disposal_run_proposed", target=run, changes={"as_of": str(today)})
    count, last = 0, 0
    while True:
        # One transaction per batch: a long listing never holds one huge transaction.
        batch = list(
            due.filter(pk__gt=last).order_by("pk").values_list("pk", "record_type")[:BATCH_SIZE]
        )
        if not batch:
            break
        with transaction.atomic():
            DisposalCandidate.objects.bulk_create(
                [
                    DisposalCandidate(run=run, record_id=pk, rule_id=rule_by_type[record_type])
                    for pk, record_type in batch
                ]
            )
        count += len(batch)
        last = batch[-1][0]
        logger.info("Disposal run %s: %s records proposed so far", run.pk, count)
    run.candidate_count = count
    # Moderation items that never became records: listed in the same run.
    run.item_candidate_count = item_disposal.items_propose(run, today)
    run.save(update_fields=["candidate_count", "item_candidate_count"])
    return run


def disposal_run_approve(*, run: DisposalRun, actor) -> DisposalRun:
    """Sign off a proposed run. Nobody signs off a run they proposed themselves."""
    with transaction.atomic():
        run = _locked(run)
        _check_transition(run, DisposalRunStatus.APPROVED)
        if (
            settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF
            and actor is not None
            and run.proposed_by_id == actor.pk
        ):
            raise NotPermitted(_("Another person must sign off a disposal run you proposed."))
        run.status = DisposalRunStatus.APPROVED
        run.approved_at = timezone.now()
        run.approved_by = actor
        run.save(update_fields=["status", "approved_at", "approved_by"])
        audit(actor=actor, event="disposal_run_approved", target=run)
    return run


def disposal_run_cancel(*, run: DisposalRun, actor, comment: str = "") -> DisposalRun:
    with transaction.atomic():
        run = _locked(run)
        _check_transition(run, DisposalRunStatus.CANCELLED)
        run.status = DisposalRunStatus.CANCELLED
        run.cancelled_at = timezone.now()
        run.cancelled_by = actor
        if comment:
            run.comment = "\n".join(filter(None, [run.comment, comment]))
        run.save(update_fields=["status", "cancelled_at", "cancelled_by", "comment"])
        audit(actor=actor, event="disposal_run_cancelled", target=run, changes={"comment": comment})
    return run


def _dispose_batch(run: DisposalRun, record_ids: list[int], actor, today) -> int:
    """Dispose of those of `record_ids` that are still due; one transaction."""
    with transaction.atomic():
        due, rules = records_due(today)
        records = list(
            due.filter(pk__in=record_ids)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            # The channel's name shows its platform: joined, not a query per record.
            .select_related("channel__platform", "unit")
            # The log needs none of the captured content; decoding it was a third of the time.
            .defer("content", "text")
            .with_current_annotations()
        )
        if not records:
            return 0
        now = timezone.now()
        entries = []
        summaries = {}  # each rule's summary, translated once per batch
        for record in records:
            rule = rules[record.record_type]
            if rule.pk not in summaries:
                summaries[rule.pk] = str(rule)[:300]
            entries.append(
                DisposalLogEntry(
                    run=run,
                    record_id=record.pk,
                    sequence=record.sequence,
                    record_type=record.record_type,
                    channel_id=record.channel_id,
                    channel_name=str(record.channel)[:300],
                    unit_name=record.unit.name,
                    hash=record.hash,
                    previous_hash=record.previous_hash,
                    registration_number=record.current_registration_number[:100],
                    received_at=record.received_at,
                    acted_at=record.acted_at,
                    rule_id=rule.pk,
                    rule_summary=summaries[rule.pk],
                    decision_number=rule.decision_number,
                    decision_date=rule.decision_date,
                    disposed_at=now,
                    disposed_by=actor,
                )
            )
        DisposalLogEntry.objects.bulk_create(entries)
        # The delete collects the rows again for the cascades: their ids are enough.
        Record.objects.filter(pk__in=[record.pk for record in records]).only("pk").delete()
        DisposalRun.objects.filter(pk=run.pk).update(
            disposed_count=F("disposed_count") + len(records)
        )
    return len(records)


def candidate_batches(candidates, field: str, size: int):
    """The ids in `field` of a run's candidates, in ascending batches of `size`.

    Keyset paging: each batch starts after the last id of the one before, so the
    rows the previous batch disposed of (or left) cost nothing to skip.
    """
    last = 0
    while True:
        ids = list(
            candidates.filter(**{f"{field}__gt": last})
            .order_by(field)
            .values_list(field, flat=True)[:size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def disposal_run_execute(*, run: DisposalRun, actor=None) -> DisposalRun:
    """Dispose of an approved run's records, batch by batch; `actor` None is the scheduler."""
    with transaction.atomic():
        run = _locked(run)
        _check_transition(run, DisposalRunStatus.EXECUTED)
    today = timezone.localdate()
    total = 0
    for ids in candidate_batches(run.candidates, "record_id", BATCH_SIZE):
        disposed = _dispose_batch(run, ids, actor, today)
        total += disposed
        logger.info(
            "Disposal run %s: batch up to record %s, %s disposed of (%s so far)",
            run.pk,
            ids[-1],
            disposed,
            total,
        )
    # Then the items that never became records, and the spent webhook deliveries.
    item_disposal.items_execute(run, actor, today)
    item_disposal.spent_deliveries_delete(run, today)
    with transaction.atomic():
        run = _locked(run)
        if run.status == DisposalRunStatus.APPROVED:
            run.status = DisposalRunStatus.EXECUTED
            run.executed_at = timezone.now()
            run.executed_by = actor
            run.save(update_fields=["status", "executed_at", "executed_by"])
            audit(
                actor=actor,
                event="disposal_run_executed",
                target=run,
                changes={
                    "disposed": run.disposed_count,
                    "items_disposed": run.items_disposed_count,
                    "deliveries_deleted": run.deliveries_deleted_count,
                },
            )
    return run


def disposal_scheduled(*, actor=None) -> dict:
    """What the periodic task and `archive_dispose` do.

    With sign-off required: execute the approved runs, and propose a new run
    when records are due and no proposal is waiting. Without: propose,
    approve and execute at once.
    """
    result = {"executed": [], "proposed": None}
    for run in DisposalRun.objects.filter(status=DisposalRunStatus.APPROVED).order_by("pk"):
        result["executed"].append(disposal_run_execute(run=run, actor=actor).pk)
    due, _rules = records_due()
    if not due.exists() and not item_disposal.items_due()[0].exists():
        return result
    if settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF:
        if not DisposalRun.objects.filter(status=DisposalRunStatus.PROPOSED).exists():
            result["proposed"] = disposal_run_propose(actor=actor).pk
        return result
    run = disposal_run_propose(actor=actor)
    result["proposed"] = run.pk
    run = disposal_run_approve(run=run, actor=actor)
    result["executed"].append(disposal_run_execute(run=run, actor=actor).pk)
    return result
