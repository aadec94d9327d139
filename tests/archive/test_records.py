"""record_create, the hash chain and immutability."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from archive.chain import canonical_bytes, fields_of, record_hash
from archive.models import GENESIS_HASH, ChainHead, Record, RecordAnnotation, RecordImmutable
from archive.services import records as services
from archive.services.records import extract_text, record_create
from core.exceptions import ServiceError


def run_verify():
    """archive_verify's exit status and its output."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("archive_verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_record_create_keeps_everything_and_chains(make_record, channel, employee):
    assert Record.objects.count() == 0
    first = make_record(text="Första kommentaren")
    second = make_record(text="Andra kommentaren", registration_number=" KS 2026/12 ")

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    assert second.registration_number == "KS 2026/12"
    assert first.channel == channel and first.unit_id == channel.unit_id
    assert first.actor == employee and first.actor_name == employee.get_full_name()
    assert first.text == "Första kommentaren"
    assert first.content["raw"]["message"] == "Första kommentaren"
    head = ChainHead.objects.get()
    assert (head.sequence, head.hash) == (2, second.hash)

    stored = Record.objects.get(pk=second.pk)
    assert record_hash(fields_of(stored)) == stored.hash


def test_hash_is_sha256_of_canonical_serialisation(make_record):
    record = Record.objects.get(pk=make_record(text="Hej å ä ö").pk)
    data = canonical_bytes(fields_of(record))
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)
    assert data == json.dumps(
        parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert "å" in data.decode("utf-8")
    assert parsed["previous_hash"] == record.previous_hash
    import hashlib

    assert hashlib.sha256(data).hexdigest() == record.hash


def test_record_create_rolls_back_with_the_callers_transaction(make_record):
    make_record()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_record()
        raise RuntimeError("the item's status change failed")
    assert Record.objects.count() == 1
    assert ChainHead.objects.get().sequence == 1
    assert make_record().sequence == 2


def test_record_create_refuses_bad_input(channel):
    with pytest.raises(ServiceError):
        record_create(record_type="nonsense", channel=channel, content={})
    with pytest.raises(ServiceError):
        record_create(record_type="removed", channel=channel, content={"x": object()})
    with pytest.raises(ServiceError):
        record_create(
            record_type="removed",
            channel=channel,
            content={},
            received_at=datetime.datetime(2026, 1, 1),  # naive
        )
    assert Record.objects.count() == 0


def test_content_is_stored_as_json_it_was_hashed_as(channel):
    when = timezone.now()
    record = record_create(
        record_type="direct_message",
        channel=channel,
        content={"at": when, "text": "nul\x00byte"},
    )
    stored = Record.objects.get(pk=record.pk)
    assert stored.content == record.content
    assert isinstance(stored.content["at"], str)
    assert record_hash(fields_of(stored)) == stored.hash


def test_extract_text_takes_every_version_once():
    content = {
        "text": "v2",
        "versions": [{"text": "v1"}, {"text": "v2"}],
        "raw": {"message": "v2"},
    }
    assert extract_text(content) == "v1\n\nv2" or extract_text(content) == "v2\n\nv1"
    assert extract_text({"raw": {"entry": [{"message": "från Meta"}]}}) == "från Meta"


def test_saving_an_existing_record_is_refused(make_record):
    record = make_record(text="Original")
    record.text = "Ändrad"
    with pytest.raises(RecordImmutable):
        record.save()
    assert Record.objects.get(pk=record.pk).text == "Original"


def test_services_have_no_edit_path():
    names = [name for name in dir(services) if name.startswith("record_")]
    assert "record_create" in names
    assert not [name for name in names if any(w in name for w in ("update", "edit", "change"))]


def test_corrections_are_annotations(make_record, registrar):
    record = make_record(registration_number="KS 1")
    services.record_set_registration_number(
        record=record, actor=registrar, registration_number="KS 2026/7"
    )
    services.record_set_confidentiality(
        record=record, actor=registrar, confidential=True, legal_basis="OSL 21 kap. 7 §"
    )
    record = Record.objects.get(pk=record.pk)
    assert record.registration_number == "KS 1"  # the captured value is untouched
    assert record.current_registration_number == "KS 2026/7"
    assert record.current_confidentiality == (True, "OSL 21 kap. 7 §")
    services.record_set_confidentiality(record=record, actor=registrar, confidential=False)
    assert Record.objects.get(pk=record.pk).current_confidentiality == (False, "")
    annotated = Record.objects.with_current_annotations().get(pk=record.pk)
    assert annotated.current_registration_number == "KS 2026/7"
    assert RecordAnnotation.objects.filter(record=record).count() == 3
    with pytest.raises(ServiceError):
        services.record_set_confidentiality(record=record, actor=registrar, confidential=True)
    assert run_verify()[0] == 0


def test_archive_verify_passes_on_an_intact_chain(make_record):
    for _ in range(5):
        make_record()
    code, output = run_verify()
    assert code == 0, output
    assert "5 records" in output


def test_archive_verify_names_a_record_changed_in_the_database(make_record):
    records = [make_record() for _ in range(4)]
    tampered = records[2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Record._meta.db_table} SET text = %s WHERE id = %s",  # noqa: S608
            ["Något helt annat", tampered.pk],
        )
    code, output = run_verify()
    assert code == 1
    assert f"Record {tampered.pk} " in output and "changed" in output


def test_archive_verify_names_a_record_whose_hash_was_recomputed(make_record):
    """A forger who also fixes the hash breaks the link from the next record."""
    records = [make_record() for _ in range(3)]
    tampered = Record.objects.get(pk=records[1].pk)
    tampered.sender_name = "Någon annan"
    fields = fields_of(tampered)
    Record.objects.filter(pk=tampered.pk).update(
        sender_name="Någon annan", hash=record_hash(fields)
    )
    code, output = run_verify()
    assert code == 1
    assert f"record {records[2].pk} does not link" in output


def test_archive_verify_reports_a_record_deleted_outside_disposal(make_record):
    records = [make_record() for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Record._meta.db_table} WHERE id = %s",  # noqa: S608
            [records[1].pk],
        )
    code, output = run_verify()
    assert code == 1
    assert f"sequence {records[1].sequence} is missing" in output


def test_archive_verify_reports_the_last_record_deleted(make_record):
    records = [make_record() for _ in range(2)]
    Record.objects.filter(pk=records[-1].pk).delete()
    code, output = run_verify()
    assert code == 1
    assert "missing" in output


def test_verification_walks_in_batches(make_record, monkeypatch, django_assert_max_num_queries):
    from archive.services import verification

    monkeypatch.setattr(verification, "BATCH_SIZE", 2)
    for _ in range(7):
        make_record()
    # 1 head + 4 windows x (records + log) + 1 stray check + the run and its audit row.
    with django_assert_max_num_queries(14):
        run = verification.verification_run()
    assert run.ok and run.checked == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_chain(channel, employee):
    """Appenders wait for the chain head's row lock instead of forking the chain."""
    import threading

    from django.db import connections

    from tests.archive.test_disposal import postgres_only

    postgres_only()
    barrier = threading.Barrier(4)
    errors = []

    def append(n):
        try:
            barrier.wait(timeout=10)
            for i in range(5):
                with transaction.atomic():
                    record_create(
                        record_type="removed", channel=channel, content={"text": f"{n}-{i}"}
                    )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Record.objects.count() == 20
    assert sorted(Record.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    assert run_verify()[0] == 0
