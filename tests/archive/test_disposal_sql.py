"""Set-based disposal (BENCHMARKS.md, 6.): the log entries are inserted with one
``INSERT ... SELECT`` per batch and the records deleted with one statement per
relation, and the result is exactly what the former ORM code wrote.

`orm_dispose_batch` below is that former code, kept here as the reference: a
run executed with it and a run executed by the service, on the same data in
the same frozen moment, must leave the same log, the same rows and a chain
that verifies. Runs on SQLite and on PostgreSQL (the suite runs on both).
"""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.db.models import F, signals
from django.utils import timezone, translation

from archive.models import (
    DisposalCandidate,
    DisposalLogEntry,
    DisposalRun,
    LegalHold,
    Mask,
    Record,
    RecordAnnotation,
    RecordType,
    RequestRecord,
    RetentionEvent,
)
from archive.selectors import records_due
from archive.services import disposal as services
from archive.services.records import (
    record_add_note,
    record_set_confidentiality,
    record_set_registration_number,
)
from archive.services.requests import (
    mask_add,
    request_attach_records,
    request_close,
    request_create,
)
from archive.services.verification import verify_chain
from tests.archive.test_disposal import NOW, at, rule
from tests.factories import PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    # tick=False: both runs of a comparison dispose "at the same moment".
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def other_registrar(db):
    from core import roles

    return UserFactory(username="rut", roles=[roles.REGISTRAR])


def orm_dispose_batch(run, record_ids, actor, today):
    """The former `_dispose_batch` (before INSERT ... SELECT): the reference."""
    with transaction.atomic():
        due, rules = records_due(today)
        records = list(
            due.filter(pk__in=record_ids)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("channel__platform", "unit")
            .defer("content", "text")
            .with_current_annotations()
        )
        if not records:
            return 0
        now = timezone.now()
        DisposalLogEntry.objects.bulk_create(
            [
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
                    rule_id=rules[record.record_type].pk,
                    rule_summary=str(rules[record.record_type])[:300],
                    decision_number=rules[record.record_type].decision_number,
                    decision_date=rules[record.record_type].decision_date,
                    disposed_at=now,
                    disposed_by=actor,
                )
                for record in records
            ]
        )
        Record.objects.filter(pk__in=[record.pk for record in records]).only("pk").delete()
        DisposalRun.objects.filter(pk=run.pk).update(
            disposed_count=F("disposed_count") + len(records)
        )
    return len(records)


def state():
    """Everything disposal writes or changes, comparable between two runs."""
    chain = verify_chain()
    return {
        "log": list(
            DisposalLogEntry.objects.order_by("sequence").values(
                *[f.attname for f in DisposalLogEntry._meta.concrete_fields if f.name != "id"]
            )
        ),
        "runs": list(DisposalRun.objects.order_by("pk").values("pk", "status", "disposed_count")),
        "records": list(Record.objects.order_by("pk").values_list("pk", flat=True)),
        "annotations": list(
            RecordAnnotation.objects.order_by("pk").values_list("pk", "record_id", "kind")
        ),
        "request_records": list(
            RequestRecord.objects.order_by("pk").values_list("pk", "record_id", "record_ref")
        ),
        "masks": list(Mask.objects.order_by("pk").values_list("pk", "record_id", "record_ref")),
        "holds": list(
            LegalHold.objects.order_by("pk").values_list("pk", "record_id", "record_ref")
        ),
        "chain": (chain.ok, chain.checked, chain.message),
    }


@pytest.fixture
def archive_world(make_record, make_channel, registrar, unit):
    """Records of three types and two channels, with everything that hangs on a record.

    Returns the records that must be disposed of and those that must stay.
    """
    rule(RecordType.REMOVED, years=2)  # end of the year received
    rule(RecordType.DIRECT_MESSAGE, years=1, event=RetentionEvent.ACTED)
    rule(RecordType.REGISTERED, years=None)  # kept permanently
    unit.name = "Kultur- och fritidsförvaltningen, Biblioteket i Smedjebacken"
    unit.save(update_fields=["name"])
    # The longest names there can be: "name (platform)" is 303 characters, logged as 300.
    platform = PlatformFactory(
        kind="other", slug="alandska", name="Plattform för ålänningar " + "ö" * 75
    )
    long_channel = make_channel(
        display_name="Biblioteket på " + "Å" * 185,
        platform=platform,
        address="https://exempel.se/biblioteket",
    )
    held_channel = make_channel(display_name="Fritid", address="https://exempel.se/fritid")
    old = {"received_at": at(2020)}
    gone = []

    plain = gone_record = make_record(**old)
    gone.append(plain)
    # Two corrections of the registration number: the later one is logged.
    numbered = make_record(**old, registration_number="KS 2019/1")
    record_set_registration_number(record=numbered, actor=registrar, registration_number="KS 1")
    record_set_registration_number(
        record=numbered, actor=registrar, registration_number="KS 2020/" + "9" * 95
    )
    record_set_confidentiality(
        record=numbered, actor=registrar, confidential=True, legal_basis="OSL 21 kap. 7 §"
    )
    record_add_note(record=numbered, actor=registrar, comment="Granskad")
    gone.append(numbered)
    # A captured registration number and no annotation; another channel and platform.
    dm = make_record(
        record_type=RecordType.DIRECT_MESSAGE,
        channel=long_channel,
        received_at=at(2020),
        acted_at=at(2025, 1, 1),
        registration_number="KS 2024/17",
    )
    gone.append(dm)
    # Attached to a request that is closed, with a mask: the links become null.
    requested = make_record(**old, text="Ett namn som maskas: Anna Svensson.")
    request = request_create(
        actor=registrar, data={"received_via": "email", "description": "Alla kommentarer"}
    )
    request_attach_records(request=request, actor=registrar, records=[requested])
    mask_add(
        request=request,
        actor=registrar,
        record=requested,
        text="Anna Svensson",
        legal_basis="OSL 26 kap. 1 §",
    )
    request_close(request=request, actor=registrar)
    gone.append(requested)
    # A released hold: the hold stays, its link becomes null.
    released = make_record(**old)
    hold = services.legal_hold_place(actor=registrar, reason="Tvist", record=released)
    services.legal_hold_release(hold=hold, actor=registrar, reason="Avgjord")
    gone.append(released)
    gone.extend(make_record(**old) for _ in range(4))

    kept = []
    held = make_record(**old)
    services.legal_hold_place(actor=registrar, reason="JO-ärende", record=held)
    kept.append(held)
    in_held_channel = make_record(**old, channel=held_channel)
    services.legal_hold_place(actor=registrar, reason="Granskning", channel=held_channel)
    kept.append(in_held_channel)
    open_requested = make_record(**old)
    open_request = request_create(
        actor=registrar, data={"received_via": "email", "description": "Pågående"}
    )
    request_attach_records(request=open_request, actor=registrar, records=[open_requested])
    kept.append(open_requested)
    kept.append(make_record(received_at=at(2025)))  # not due yet
    kept.append(make_record(record_type=RecordType.REGISTERED, **old))  # kept permanently
    assert gone_record.pk
    return gone, kept


def proposed_and_approved(registrar, other_registrar):
    run = services.disposal_run_propose(actor=registrar)
    return services.disposal_run_approve(run=run, actor=other_registrar)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_log_and_the_rows_are_what_the_orm_wrote(
    language, archive_world, registrar, other_registrar, monkeypatch
):
    gone, kept = archive_world
    monkeypatch.setattr(services, "BATCH_SIZE", 3)  # several batches, one of them short
    run = proposed_and_approved(registrar, other_registrar)
    # Placed after the proposal: still keeps the record.
    late = gone.pop()
    services.legal_hold_place(actor=registrar, reason="Ny begäran", record=late)
    kept.append(late)
    before = state()

    with translation.override(language):
        with transaction.atomic():
            monkeypatch.setattr(services, "_dispose_batch", orm_dispose_batch)
            services.disposal_run_execute(run=run, actor=other_registrar)
            reference = state()
            transaction.set_rollback(True)  # back to the approved run and all the records
        monkeypatch.undo()
        monkeypatch.setattr(services, "BATCH_SIZE", 3)
        assert state() == before
        services.disposal_run_execute(run=DisposalRun.objects.get(pk=run.pk), actor=other_registrar)
        result = state()

    assert result == reference
    # And what that is, spelled out.
    assert result["records"] == sorted(r.pk for r in kept)
    log = {entry["record_id"]: entry for entry in result["log"]}
    assert sorted(log) == sorted(r.pk for r in gone)
    numbered, dm = gone[1], gone[2]
    assert log[numbered.pk]["registration_number"] == "KS 2020/" + "9" * 92
    assert log[dm.pk]["registration_number"] == "KS 2024/17"
    assert log[dm.pk]["channel_name"] == str(dm.channel)[:300]
    assert len(log[dm.pk]["channel_name"]) == 300 < len(str(dm.channel))
    assert log[gone[0].pk]["channel_name"] == "Biblioteket på Facebook (Facebook)"
    assert log[gone[0].pk]["unit_name"] == gone[0].unit.name
    with translation.override(language):
        rules = records_due()[1]
        assert log[dm.pk]["rule_summary"] == str(rules[RecordType.DIRECT_MESSAGE])
        assert log[gone[0].pk]["rule_summary"] == str(rules[RecordType.REMOVED])
    assert {entry["disposed_at"] for entry in result["log"]} == {timezone.now()}
    assert {entry["disposed_by_id"] for entry in result["log"]} == {other_registrar.pk}
    assert not RecordAnnotation.objects.filter(record_id__in=log).exists()
    assert RequestRecord.objects.filter(record_ref=gone[3].pk, record__isnull=True).exists()
    assert Mask.objects.filter(record_ref=gone[3].pk, record__isnull=True).exists()
    assert LegalHold.objects.filter(record_ref=gone[4].pk, record__isnull=True).exists()
    assert result["chain"][0], result["chain"]
    assert result["runs"][0]["disposed_count"] == len(gone)


def test_the_scheduler_logs_as_the_orm_did(make_record, settings, monkeypatch):
    """No user: disposed_by is null in both."""
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = False
    rule(RecordType.REMOVED, years=1)
    for _ in range(3):
        make_record(received_at=at(2020))
    with transaction.atomic():
        monkeypatch.setattr(services, "_dispose_batch", orm_dispose_batch)
        services.disposal_scheduled()
        reference = state()
        transaction.set_rollback(True)
    monkeypatch.undo()
    services.disposal_scheduled()
    result = state()
    # The runs differ (the first was rolled back with its id used); their logs do not.
    for log in (reference["log"], result["log"]):
        for entry in log:
            entry.pop("run_id")
    assert result["log"] == reference["log"] and len(result["log"]) == 3
    assert result["records"] == reference["records"] == []
    assert {entry["disposed_by_id"] for entry in result["log"]} == {None}
    assert result["chain"][0]


def test_no_record_or_log_entry_passes_through_python(
    archive_world, registrar, other_registrar, monkeypatch
):
    """Proposing and executing build no model instance per record (that was the time)."""
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    watched = (Record, DisposalCandidate, DisposalLogEntry)
    for model in watched:
        signals.post_init.connect(count, sender=model)
    try:
        run = proposed_and_approved(registrar, other_registrar)
        run = services.disposal_run_execute(run=run, actor=other_registrar)
    finally:
        for model in watched:
            signals.post_init.disconnect(count, sender=model)
    gone, _kept = archive_world
    assert run.candidate_count == len(gone) and run.disposed_count == len(gone)
    assert built == []


def test_the_proposal_lists_every_due_record_with_its_rule(archive_world, registrar, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    due, rules = records_due()
    expected = sorted((pk, rules[kind].pk) for pk, kind in due.values_list("pk", "record_type"))
    run = services.disposal_run_propose(actor=registrar)
    assert run.candidate_count == len(expected) == len(archive_world[0])
    assert sorted(run.candidates.values_list("record_id", "rule_id")) == expected


def test_a_proposal_without_rules_lists_nothing(make_record, registrar):
    make_record(received_at=at(2010))
    run = services.disposal_run_propose(actor=registrar)
    assert run.candidate_count == 0 and not run.candidates.exists()


def test_a_batch_whose_log_falls_short_deletes_nothing(
    make_record, registrar, other_registrar, monkeypatch
):
    """No record goes without its log entry: a mismatch rolls the batch back."""
    rule(RecordType.REMOVED, years=1)
    records = [make_record(received_at=at(2020)) for _ in range(3)]
    run = proposed_and_approved(registrar, other_registrar)
    real = services._log_entries_insert

    def one_short(run, record_ids, *args):
        return real(run, record_ids[1:], *args)

    monkeypatch.setattr(services, "_log_entries_insert", one_short)
    with pytest.raises(RuntimeError, match="2 logged, 3 deleted"):
        services.disposal_run_execute(run=run, actor=other_registrar)
    assert Record.objects.count() == len(records)
    assert not DisposalLogEntry.objects.exists()
    assert DisposalRun.objects.get(pk=run.pk).disposed_count == 0
    assert verify_chain().ok


def test_the_set_based_delete_covers_every_relation_to_a_record():
    """Today nothing needs Django's collector; a new relation or receiver is checked here."""
    assert services._set_based_delete_possible()
    relations = {
        (r.related_model._meta.label, r.on_delete.__name__) for r in services.record_relations()
    }
    assert relations == {
        ("archive.RecordAnnotation", "CASCADE"),
        ("archive.RequestRecord", "SET_NULL"),
        ("archive.Mask", "SET_NULL"),
        ("archive.LegalHold", "SET_NULL"),
    }


def test_a_delete_receiver_gets_every_disposed_record(
    archive_world, registrar, other_registrar, monkeypatch
):
    """With a receiver of a record's delete signal the collector deletes, as before."""
    gone, _kept = archive_world
    deleted = []

    def receiver(sender, instance, **kwargs):
        deleted.append(instance.pk)

    signals.post_delete.connect(receiver, sender=Record)
    try:
        assert not services._set_based_delete_possible()
        run = proposed_and_approved(registrar, other_registrar)
        run = services.disposal_run_execute(run=run, actor=other_registrar)
    finally:
        signals.post_delete.disconnect(receiver, sender=Record)
    assert sorted(deleted) == sorted(r.pk for r in gone)
    assert run.disposed_count == len(gone) == DisposalLogEntry.objects.count()
    assert verify_chain().ok


def test_disposal_is_the_same_at_the_new_year(make_record, registrar, other_registrar):
    """The log's times are the records' times, whatever the backend stores."""
    rule(RecordType.REMOVED, years=1)
    received = timezone.make_aware(datetime.datetime(2024, 12, 31, 23, 59, 59, 999999))
    record = make_record(received_at=received)
    run = services.disposal_run_execute(
        run=proposed_and_approved(registrar, other_registrar), actor=other_registrar
    )
    entry = DisposalLogEntry.objects.get()
    assert run.disposed_count == 1
    assert entry.received_at == record.received_at and entry.acted_at == record.acted_at
    assert entry.disposed_at == timezone.now()
