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

The rows never pass through Python (at 100,000 records, building, saving and
collecting model instances was most of the time, BENCHMARKS.md 6.). Proposing
is one ``INSERT ... SELECT`` of candidates per batch. A batch of the execution
is one query that locks the records still due and returns their ids, one
``INSERT ... SELECT`` of their log entries (`_log_entries_insert`), one
statement per relation to `Record` doing what its ``on_delete`` says and the
records' own ``DELETE`` (`_delete_records`), all in the batch's transaction.
Should the number logged differ from the number deleted, the batch is rolled
back: no record goes without its log entry. The handwritten statements use SQL
that PostgreSQL and SQLite share, so one path runs on both; what needs Python
(the rules' translated summaries) is computed once per batch. A record that
ever needs Django's collector (a receiver of its delete signals, a protecting
relation) is deleted through it.

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
from django.db import connections, models, router, transaction
from django.db.models import Case, F, Value, When
from django.db.models.deletion import Collector
from django.db.models.signals import post_delete, pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _

from archive.models import (
    DisposalCandidate,
    DisposalLogEntry,
    DisposalRun,
    DisposalRunStatus,
    LegalHold,
    Record,
    RecordAnnotation,
)
from archive.selectors import active_holds, records_due
from archive.services import item_disposal
from archive.services.audit import audit
from archive.services.guard import disposal_guard
from channels.models import Channel, Platform
from core.exceptions import NotPermitted, ServiceError, TransitionNotAllowed
from core.models import Unit

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
        # After the disposal batches under way, before the next (archive/services/guard.py).
        disposal_guard(exclusive=True)
        if record is not None and not Record.objects.filter(pk=record.pk).exists():
            raise ServiceError(_("The record has been disposed of and can no longer be held."))
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
    with transaction.atomic():
        run = DisposalRun.objects.create(as_of=today, proposed_by=actor, comment=comment)
        audit(actor=actor, event="disposal_run_proposed", target=run, changes={"as_of": str(today)})
    # Each record's rule, chosen by its type in the statement itself.
    rule_id = by_record_type(
        {record_type: rule.pk for record_type, rule in rules.items()},
        DisposalCandidate._meta.get_field("rule"),
    )
    count, last = 0, 0
    while True:
        # One transaction per batch: a long listing never holds one huge transaction.
        batch = (
            due.filter(pk__gt=last)
            .order_by("pk")
            .annotate(candidate_run=Value(run.pk), candidate_rule=rule_id)
            .values_list("candidate_run", "pk", "candidate_rule")[:BATCH_SIZE]
        )
        with transaction.atomic():
            added = insert_select(DisposalCandidate, ["run", "record_id", "rule"], batch)
            if not added:
                break
            last = run.candidates.aggregate(last=models.Max("record_id"))["last"]
        count += added
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


def insert_select(model, fields: list[str], rows) -> int:
    """Insert into `model` the rows that the queryset `rows` selects; one statement.

    `rows` is a `values_list` with one value per name in `fields`, in that order
    (model fields by name: "run" for the column run_id). The rows never pass
    through Python. Returns how many were inserted.
    """
    using = router.db_for_write(model)
    connection = connections[using]
    # elide_empty=False: a query that can match nothing compiles to "WHERE 0 = 1".
    select_sql, params = rows.query.get_compiler(using=using, elide_empty=False).as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {select_sql}", params
        )
        return cursor.rowcount


def by_record_type(values: dict, output_field):
    """An expression worth `values[record_type]` for each row (NULL for another type)."""
    return Case(
        *[
            When(record_type=record_type, then=Value(value, output_field=output_field))
            for record_type, value in values.items()
        ],
        default=Value(None, output_field=output_field),
        output_field=output_field,
    )


def _log_entries_insert(
    run: DisposalRun, record_ids: list[int], rules: dict, actor, now, connection
) -> int:
    """Write the log entries of the records `record_ids`: one ``INSERT ... SELECT``.

    The entries hold what they always held (the former code built them as model
    instances): the channel's name as `Channel.__str__` gives it, "name
    (platform)", cut at 300 characters; the current registration number (the
    latest annotation's, else the captured one) cut at 100; the rule's summary
    in the active language, translated once per batch. Handwritten, in SQL that
    PostgreSQL and SQLite share: compiling it through the ORM cost more than
    running it. Returns how many entries were written.
    """
    quote = connection.ops.quote_name
    log, field = DisposalLogEntry._meta, DisposalLogEntry._meta.get_field

    def prep(name, value):
        return field(name).get_db_prep_value(value, connection)

    # One CASE per rule column, chosen by the record's type; no rule, no value (refused).
    by_type, by_type_params = {}, {}
    for name, value_of in (
        ("rule_id", lambda rule: rule.pk),
        ("rule_summary", lambda rule: str(rule)[:300]),
        ("decision_number", lambda rule: rule.decision_number),
        ("decision_date", lambda rule: rule.decision_date),
    ):
        by_type[name] = "CASE r.record_type " + " ".join(["WHEN %s THEN %s"] * len(rules)) + " END"
        by_type_params[name] = [
            param
            for record_type, rule in rules.items()
            for param in (record_type, prep(name, value_of(rule)))
        ]
    latest_registration = (
        "SELECT a.registration_number "  # noqa: S608 - names from the models, values bound
        f"FROM {quote(RecordAnnotation._meta.db_table)} a "
        "WHERE a.record_id = r.id AND a.kind = %s ORDER BY a.created_at DESC, a.id DESC LIMIT 1"
    )
    columns = [
        ("run", "%s", [run.pk]),
        ("record_id", "r.id", []),
        ("sequence", "r.sequence", []),
        ("record_type", "r.record_type", []),
        ("channel_id", "r.channel_id", []),
        ("channel_name", "SUBSTR(c.display_name || ' (' || p.name || ')', 1, 300)", []),
        ("unit_name", "u.name", []),
        ("hash", "r.hash", []),
        ("previous_hash", "r.previous_hash", []),
        (
            "registration_number",
            f"SUBSTR(COALESCE(NULLIF(({latest_registration}), ''), r.registration_number), 1, 100)",
            [RecordAnnotation.Kind.REGISTRATION_NUMBER.value],
        ),
        ("received_at", "r.received_at", []),
        ("acted_at", "r.acted_at", []),
        *[(name, by_type[name], by_type_params[name]) for name in by_type],
        ("disposed_at", "%s", [prep("disposed_at", now)]),
        ("disposed_by", "%s", [actor.pk if actor else None]),
    ]
    placeholders = ", ".join(["%s"] * len(record_ids))
    sql = (
        f"INSERT INTO {quote(log.db_table)} "  # noqa: S608 - names from the models, values bound
        f"({', '.join(quote(field(name).column) for name, _sql, _params in columns)}) "
        f"SELECT {', '.join(expression for _name, expression, _params in columns)} "
        f"FROM {quote(Record._meta.db_table)} r "
        f"JOIN {quote(Channel._meta.db_table)} c ON c.id = r.channel_id "
        f"JOIN {quote(Platform._meta.db_table)} p ON p.id = c.platform_id "
        f"JOIN {quote(Unit._meta.db_table)} u ON u.id = r.unit_id "
        f"WHERE r.id IN ({placeholders}) ORDER BY r.id"
    )
    params = [param for _name, _sql, column_params in columns for param in column_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *record_ids])
        return cursor.rowcount


# What `_delete_records` does for each relation to Record, by its on_delete.
SET_BASED_ON_DELETE = (models.CASCADE, models.SET_NULL, models.DO_NOTHING)


def record_relations():
    """Every foreign key to `Record`, hidden ones (related_name "+") too, as Django's
    collector sees them."""
    return [
        field
        for field in Record._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_one or field.one_to_many)
    ]


def _set_based_delete_possible() -> bool:
    """Whether deleting records needs nothing that only Django's collector does.

    No receiver of a record's delete signals (they need the instances), and no
    relation whose on_delete is anything but cascade, set null or nothing
    (protect, restrict and the rest need the collector's checks).
    """
    if any(signal.has_listeners(Record) for signal in (pre_delete, post_delete)):
        return False
    return all(relation.on_delete in SET_BASED_ON_DELETE for relation in record_relations())


def _where_in(model, column: str, ids: list[int]):
    """The quoted table and column of `model`, and "column IN (%s, ...)" for `ids`.

    Handwritten statements, the ids bound: Django prepares each value of an
    ``__in`` filter one by one, which for a foreign key was a third of a batch's time.
    """
    quote = connections[router.db_for_write(model)].ops.quote_name
    placeholders = ", ".join(["%s"] * len(ids))
    return quote(model._meta.db_table), quote(column), f"{quote(column)} IN ({placeholders})"


def _execute(model, sql: str, params) -> int:
    with connections[router.db_for_write(model)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _delete_records(record_ids: list[int]) -> int:
    """Delete the records `record_ids` and what goes with them; returns how many records.

    What `Record.objects.filter(...).delete()` does, without loading the records
    for its collector: each relation to `Record` gets one statement for the whole
    batch doing what its ``on_delete`` says (the annotations go, a request's or a
    released hold's link is set to null), then the records go in one ``DELETE``.
    Should a record ever need what only the collector does (a signal receiver,
    a protecting relation), the collector does it.
    """
    if not _set_based_delete_possible():
        _total, by_model = Record.objects.filter(pk__in=record_ids).only("pk").delete()
        return by_model.get(Record._meta.label, 0)
    for relation in record_relations():
        model, column = relation.related_model, relation.field.column
        table, column, where = _where_in(model, column, record_ids)
        if relation.on_delete is models.SET_NULL:
            _execute(model, f"UPDATE {table} SET {column} = NULL WHERE {where}", record_ids)  # noqa: S608 - names from the model, ids bound
        elif relation.on_delete is not models.CASCADE:
            continue  # DO_NOTHING
        elif Collector(using=router.db_for_write(model)).can_fast_delete(model):
            # Nothing hangs on those rows and nobody listens: what Django would do too.
            _execute(model, f"DELETE FROM {table} WHERE {where}", record_ids)  # noqa: S608 - names from the model, ids bound
        else:
            model._base_manager.filter(**{f"{relation.field.name}__in": record_ids}).delete()
    table, _column, where = _where_in(Record, Record._meta.pk.column, record_ids)
    return _execute(Record, f"DELETE FROM {table} WHERE {where}", record_ids)  # noqa: S608 - names from the model, ids bound


def _dispose_batch(run: DisposalRun, record_ids: list[int], actor, today) -> int:
    """Dispose of those of `record_ids` that are still due; one transaction."""
    with transaction.atomic():
        # Holds and requests placed meanwhile wait for this batch; a batch waits for them.
        disposal_guard(exclusive=False)
        due, rules = records_due(today)
        # Re-checked and locked here; the statements below touch exactly these rows.
        ids = list(
            due.filter(pk__in=record_ids)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        connection = connections[router.db_for_write(DisposalLogEntry)]
        logged = _log_entries_insert(run, ids, rules, actor, timezone.now(), connection)
        deleted = _delete_records(ids)
        if not logged == deleted == len(ids):
            # A broken invariant, not bad input: roll the batch back, no record goes unlogged.
            raise RuntimeError(
                f"Disposal run {run.pk}: {len(ids)} records locked, {logged} logged, "
                f"{deleted} deleted; the batch is rolled back."
            )
        DisposalRun.objects.filter(pk=run.pk).update(disposed_count=F("disposed_count") + len(ids))
    return len(ids)


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
