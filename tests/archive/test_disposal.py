"""Retention rules, legal holds, disposal runs, the disposal log and the chain after disposal."""

import datetime
import os
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from archive.models import (
    DisposalLogEntry,
    DisposalRun,
    DisposalRunStatus,
    LegalHold,
    Record,
    RecordType,
    RetentionEvent,
    RetentionRule,
)
from archive.selectors import records_due
from archive.services import disposal as services
from archive.services.requests import request_attach_records, request_close, request_create
from archive.services.verification import verify_chain
from core.exceptions import NotPermitted, ServiceError, TransitionNotAllowed
from tests.factories import UserFactory

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def at(year, month=6, day=1):
    return datetime.datetime(year, month, day, 10, 0, tzinfo=datetime.UTC)


def rule(record_type=RecordType.REMOVED, *, years=2, event=RetentionEvent.END_OF_YEAR_RECEIVED):
    return RetentionRule.objects.create(
        record_type=record_type,
        keep_permanently=years is None,
        years=years,
        event=event if years is not None else "",
        decision_number="KS 2025/99",
        decision_date=datetime.date(2025, 3, 1),
    )


@pytest.fixture
def other_registrar(db):
    from core import roles

    return UserFactory(username="rut", roles=[roles.REGISTRAR])


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def due_ids():
    return set(records_due()[0].values_list("pk", flat=True))


def test_no_rule_means_nothing_is_due(make_record):
    make_record(received_at=at(2010))
    assert RetentionRule.objects.count() == 0  # migrations invent no rule
    assert due_ids() == set()


def test_end_of_year_received_rule(make_record):
    rule(years=2)
    # Received in 2023: due from 1 January 2026 (end of 2023 + 2 years).
    old = make_record(received_at=at(2023, 12, 31))
    # Received in 2024: due from 1 January 2027.
    young = make_record(received_at=at(2024, 1, 2))
    assert due_ids() == {old.pk}
    with time_machine.travel(datetime.datetime(2027, 1, 1, 12, tzinfo=datetime.UTC)):
        assert due_ids() == {old.pk, young.pk}
    assert young.pk


def test_rule_counted_from_action_and_keep_permanently(make_record):
    rule(RecordType.DIRECT_MESSAGE, years=1, event=RetentionEvent.ACTED)
    rule(RecordType.REGISTERED, years=None)
    dm_old = make_record(record_type=RecordType.DIRECT_MESSAGE, acted_at=at(2025, 6, 1))
    make_record(record_type=RecordType.DIRECT_MESSAGE, acted_at=at(2025, 7, 1))
    make_record(record_type=RecordType.REGISTERED, received_at=at(2000), acted_at=at(2000))
    assert due_ids() == {dm_old.pk}


def test_legal_hold_on_record_and_channel(make_record, make_channel, registrar):
    rule(years=1)
    other_channel = make_channel(display_name="Fritid")
    held = make_record(received_at=at(2020))
    free = make_record(received_at=at(2020))
    in_held_channel = make_record(received_at=at(2020), channel=other_channel)
    record_hold = services.legal_hold_place(actor=registrar, reason="Tvist", record=held)
    services.legal_hold_place(actor=registrar, reason="JO-ärende", channel=other_channel)
    assert due_ids() == {free.pk}
    services.legal_hold_release(hold=record_hold, actor=registrar)
    assert due_ids() == {free.pk, held.pk}
    assert in_held_channel.pk not in due_ids()


def test_records_of_an_open_request_are_kept(make_record, registrar):
    rule(years=1)
    record = make_record(received_at=at(2020))
    request = request_create(
        actor=registrar, data={"received_via": "email", "description": "Alla kommentarer"}
    )
    request_attach_records(request=request, actor=registrar, records=[record])
    assert due_ids() == set()
    request_close(request=request, actor=registrar)
    assert due_ids() == {record.pk}


def test_dry_run_lists_and_changes_nothing(make_record):
    rule(years=1)
    old = make_record(received_at=at(2020))
    make_record(received_at=at(2026))
    out = StringIO()
    call_command("archive_dispose", "--dry-run", stdout=out)
    assert f"{old.pk}\tremoved" in out.getvalue()
    assert "1 records would be disposed of" in out.getvalue()
    assert Record.objects.count() == 2
    assert DisposalRun.objects.count() == 0


def test_sign_off_flow_disposes_and_logs(make_record, registrar, other_registrar, settings):
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = True
    the_rule = rule(years=1)
    old = [make_record(received_at=at(2020)) for _ in range(3)]
    kept = make_record(received_at=at(2026))

    run = services.disposal_run_propose(actor=registrar)
    assert run.candidate_count == 3 and run.status == DisposalRunStatus.PROPOSED
    with pytest.raises(TransitionNotAllowed):
        services.disposal_run_execute(run=run, actor=registrar)
    with pytest.raises(NotPermitted):
        services.disposal_run_approve(run=run, actor=registrar)
    assert Record.objects.count() == 4

    run = services.disposal_run_approve(run=run, actor=other_registrar)
    run = services.disposal_run_execute(run=run, actor=other_registrar)
    assert run.status == DisposalRunStatus.EXECUTED and run.disposed_count == 3
    assert list(Record.objects.values_list("pk", flat=True)) == [kept.pk]

    entries = list(DisposalLogEntry.objects.order_by("sequence"))
    assert [e.record_id for e in entries] == [r.pk for r in old]
    assert [e.hash for e in entries] == [r.hash for r in old]
    first = entries[0]
    assert first.record_type == "removed" and first.channel_id == old[0].channel_id
    assert first.decision_number == the_rule.decision_number
    assert first.rule_id == the_rule.pk and first.disposed_by == other_registrar
    with pytest.raises(Exception):  # noqa: B017 - the log is permanent
        first.delete()

    result = verify_chain()
    assert result.ok, result.message
    code_out = StringIO()
    call_command("archive_verify", stdout=code_out)
    assert "4 records checked" in code_out.getvalue()


def test_hold_placed_after_proposal_still_keeps_the_record(make_record, registrar, other_registrar):
    rule(years=1)
    a, b = make_record(received_at=at(2020)), make_record(received_at=at(2020))
    run = services.disposal_run_propose(actor=registrar)
    services.legal_hold_place(actor=registrar, reason="Ny begäran väntas", record=b)
    run = services.disposal_run_approve(run=run, actor=other_registrar)
    run = services.disposal_run_execute(run=run, actor=other_registrar)
    assert run.disposed_count == 1
    assert list(Record.objects.values_list("pk", flat=True)) == [b.pk]
    assert a.pk in DisposalLogEntry.objects.values_list("record_id", flat=True)


def test_batches_one_transaction_each(make_record, registrar, other_registrar, monkeypatch, caplog):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    rule(years=1)
    for _ in range(5):
        make_record(received_at=at(2020))
    run = services.disposal_run_propose(actor=registrar)
    assert run.candidates.count() == 5
    run = services.disposal_run_approve(run=run, actor=other_registrar)
    with caplog.at_level("INFO", logger="archive.services.disposal"):
        run = services.disposal_run_execute(run=run, actor=other_registrar)
    batches = [m for m in caplog.messages if "batch up to record" in m]
    assert len(batches) == 3
    assert run.disposed_count == 5 and Record.objects.count() == 0
    assert verify_chain().ok


def test_a_failing_batch_keeps_the_earlier_batches(
    make_record, registrar, other_registrar, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    rule(years=1)
    for _ in range(4):
        make_record(received_at=at(2020))
    run = services.disposal_run_approve(
        run=services.disposal_run_propose(actor=registrar), actor=other_registrar
    )
    real = services._dispose_batch
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(*args)

    monkeypatch.setattr(services, "_dispose_batch", flaky)
    with pytest.raises(RuntimeError):
        services.disposal_run_execute(run=run, actor=other_registrar)
    assert Record.objects.count() == 2 and DisposalLogEntry.objects.count() == 2
    assert verify_chain().ok
    monkeypatch.setattr(services, "_dispose_batch", real)
    run = services.disposal_run_execute(run=run, actor=other_registrar)  # continues
    assert Record.objects.count() == 0 and run.status == DisposalRunStatus.EXECUTED


def test_scheduler_only_proposes_when_sign_off_is_required(make_record, settings):
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = True
    rule(years=1)
    make_record(received_at=at(2020))
    out = StringIO()
    call_command("archive_dispose", stdout=out)
    run = DisposalRun.objects.get()
    assert run.status == DisposalRunStatus.PROPOSED and run.proposed_by is None
    assert Record.objects.count() == 1
    call_command("archive_dispose", stdout=StringIO())  # no second proposal
    assert DisposalRun.objects.count() == 1


def test_scheduler_executes_approved_runs(make_record, registrar, settings):
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = True
    rule(years=1)
    make_record(received_at=at(2020))
    from archive.tasks import disposal_task

    disposal_task.delay()
    run = DisposalRun.objects.get()
    services.disposal_run_approve(run=run, actor=registrar)  # proposed by the scheduler
    disposal_task.delay()
    run.refresh_from_db()
    assert run.status == DisposalRunStatus.EXECUTED and run.executed_by is None
    assert Record.objects.count() == 0
    assert DisposalLogEntry.objects.get().disposed_by is None


def test_without_sign_off_the_scheduler_disposes_at_once(make_record, settings):
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = False
    rule(years=1)
    make_record(received_at=at(2020))
    kept = make_record(received_at=at(2026))
    out = StringIO()
    call_command("archive_dispose", stdout=out)
    assert "Executed disposal run" in out.getvalue()
    assert list(Record.objects.values_list("pk", flat=True)) == [kept.pk]
    assert verify_chain().ok


def test_chain_verifies_across_disposal_and_new_records(make_record, registrar, settings):
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = False
    rule(years=1)
    make_record(received_at=at(2026))
    make_record(received_at=at(2020))
    make_record(received_at=at(2026))
    services.disposal_scheduled(actor=registrar)
    make_record(received_at=at(2026))
    result = verify_chain()
    assert result.ok and result.checked == 4


def test_cancel(make_record, registrar):
    rule(years=1)
    make_record(received_at=at(2020))
    run = services.disposal_run_cancel(
        run=services.disposal_run_propose(actor=registrar), actor=registrar, comment="Fel"
    )
    assert run.status == DisposalRunStatus.CANCELLED
    with pytest.raises(TransitionNotAllowed):
        services.disposal_run_approve(run=run, actor=registrar)
    assert Record.objects.count() == 1


def postgres_only():
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL row locks (DATABASE_URL is not PostgreSQL)"
        if os.environ.get("REQUIRE_SERVICES") == "1" and os.environ.get(
            "DATABASE_URL", ""
        ).startswith("postgres"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_dispose_of_each_record_once(
    make_record, registrar, other_registrar, monkeypatch
):
    postgres_only()
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    rule(years=1)
    for _ in range(20):
        make_record(received_at=at(2020))
    runs = []
    for _ in range(2):
        run = services.disposal_run_propose(actor=registrar)
        runs.append(services.disposal_run_approve(run=run, actor=other_registrar))
    barrier = threading.Barrier(2)
    errors = []

    def execute(run):
        try:
            barrier.wait(timeout=10)
            services.disposal_run_execute(run=run, actor=other_registrar)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Record.objects.count() == 0
    assert DisposalLogEntry.objects.count() == 20
    counts = sorted(DisposalRun.objects.values_list("disposed_count", flat=True))
    assert sum(counts) == 20
    assert verify_chain().ok


def test_disposal_time_is_local_new_year(make_record):
    """The end of the year is the end of the local (Stockholm) year, not UTC's."""
    rule(years=1)
    stockholm_new_year = timezone.make_aware(datetime.datetime(2025, 1, 1, 0, 30))
    record = make_record(received_at=stockholm_new_year)  # 2024-12-31 23:30 UTC
    assert record.pk not in due_ids()  # received in 2025: due on 1 January 2027
    local_2027 = timezone.make_aware(datetime.datetime(2027, 1, 1, 0, 10))
    with time_machine.travel(local_2027, tick=False):  # still 2026 in UTC
        assert record.pk in due_ids()


def _dispose_all(registrar, other_registrar) -> DisposalRun:
    run = services.disposal_run_propose(actor=registrar)
    run = services.disposal_run_approve(run=run, actor=other_registrar)
    return services.disposal_run_execute(run=run, actor=other_registrar)


def test_a_hold_on_a_record_disposed_of_meanwhile_is_refused_with_a_message(
    make_record, registrar, other_registrar
):
    rule(years=1)
    record = make_record(received_at=at(2020))  # the registrar's page still shows it
    _dispose_all(registrar, other_registrar)
    with pytest.raises(ServiceError, match="disposed of"):
        services.legal_hold_place(actor=registrar, reason="Tvist", record=record)
    assert not LegalHold.objects.exists()


def test_attaching_a_record_disposed_of_meanwhile_is_refused_with_a_message(
    make_record, registrar, other_registrar
):
    rule(years=1)
    kept = make_record(received_at=at(2025))
    gone = make_record(received_at=at(2020))
    request = request_create(actor=registrar, data={"received_via": "email", "description": "Allt"})
    _dispose_all(registrar, other_registrar)
    with pytest.raises(ServiceError, match="disposed of"):
        request_attach_records(request=request, actor=registrar, records=[kept, gone])
    assert not request.request_records.exists()
    assert request_attach_records(request=request, actor=registrar, records=[kept]) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_channel_hold_placed_while_disposal_starts_keeps_the_channels_records(
    make_record, make_channel, registrar, other_registrar, monkeypatch
):
    """The hold's transaction is still open when the disposal run starts: the run waits
    for it and then sees it (archive/services/guard.py), instead of deciding on a snapshot
    without it and disposing of the held channel's records."""
    postgres_only()
    rule(years=1)
    held_channel = make_channel(display_name="Fritid")
    held = [make_record(received_at=at(2020), channel=held_channel) for _ in range(3)]
    free = [make_record(received_at=at(2020)) for _ in range(3)]
    run = services.disposal_run_approve(
        run=services.disposal_run_propose(actor=registrar), actor=other_registrar
    )
    hold_saved, commit_hold = threading.Event(), threading.Event()
    audit = services.audit

    def audit_then_wait(**kwargs):
        audit(**kwargs)
        if kwargs.get("event") == "legal_hold_placed":
            hold_saved.set()
            assert commit_hold.wait(timeout=30)

    monkeypatch.setattr(services, "audit", audit_then_wait)
    errors = []

    def in_thread(work):
        def run_it():
            try:
                work()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run_it)
        thread.start()
        return thread

    placing = in_thread(
        lambda: services.legal_hold_place(actor=registrar, reason="JO-ärende", channel=held_channel)
    )
    assert hold_saved.wait(timeout=30)
    disposing = in_thread(lambda: services.disposal_run_execute(run=run, actor=other_registrar))
    disposing.join(timeout=2)
    assert disposing.is_alive()  # waiting for the hold's transaction
    assert Record.objects.count() == 6
    commit_hold.set()
    placing.join(timeout=30)
    disposing.join(timeout=30)
    assert not errors, errors
    assert set(Record.objects.values_list("pk", flat=True)) == {record.pk for record in held}
    assert {entry.record_id for entry in DisposalLogEntry.objects.all()} == {
        record.pk for record in free
    }
