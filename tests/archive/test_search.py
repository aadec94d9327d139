"""Searching the archive: filters, full text, paging and query budgets."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from archive.chain import fields_of, record_hash
from archive.models import GENESIS_HASH, AccessLog, ChainHead, Record, RecordType
from archive.selectors import RecordFilters, record_search
from archive.services.records import extract_text, record_set_registration_number
from archive.services.verification import verify_chain
from archive.views.records import SEARCH_COUNT_CAP


def bulk_records(channel, actor, count, *, words=("kommentar",)):
    """`count` records with a valid hash chain, made with bulk_create (fast fixtures).

    Mirrors record_create field by field; the chain is rebuilt here and
    checked with verify_chain by the test that uses it.
    """
    head, _ = ChainHead.objects.get_or_create(name="records")
    previous, sequence = head.hash, head.sequence
    now = timezone.now()
    batch = []
    for n in range(count):
        sequence += 1
        text = f"{words[n % len(words)]} nummer {n} om simhallen"
        content = {"kind": "comment", "text": text, "versions": [{"number": 1, "text": text}]}
        record = Record(
            sequence=sequence,
            record_type=RecordType.REMOVED if n % 2 else RecordType.DIRECT_MESSAGE,
            channel=channel,
            unit_id=channel.unit_id,
            content=content,
            text=extract_text(content),
            sender_id=f"s{n}",
            sender_name=f"Avsändare {n}",
            received_at=now - datetime.timedelta(minutes=n),
            acted_at=now - datetime.timedelta(minutes=n),
            action="delete",
            rules=["1"],
            actor=actor,
            actor_name=actor.get_full_name(),
            archived_at=now,
            previous_hash=previous,
        )
        record.hash = record_hash(fields_of(record))
        previous = record.hash
        batch.append(record)
    Record.objects.bulk_create(batch, batch_size=500)
    ChainHead.objects.filter(pk=head.pk).update(sequence=sequence, hash=previous)


def test_bulk_fixture_builds_a_valid_chain(channel, employee):
    bulk_records(channel, employee, 30)
    assert ChainHead.objects.get().sequence == 30
    assert Record.objects.order_by("sequence").first().previous_hash == GENESIS_HASH
    assert verify_chain().ok


def test_filters(make_record, make_channel, other_unit, manager, registrar):
    other_unit.managers.add(manager)
    manager.__dict__.pop("_decided_unit_ids", None)  # computed when `channel` was made
    other = make_channel(display_name="Fritidsgården", unit=other_unit)
    a = make_record(text="Badhuset är stängt", sender_name="Greta Gris", registration_number="KS 1")
    b = make_record(
        text="Fråga om badhuset",
        channel=other,
        record_type=RecordType.DIRECT_MESSAGE,
        acted_at=timezone.now() - datetime.timedelta(days=10),
    )
    c = make_record(text="Något annat")
    record_set_registration_number(record=c, actor=registrar, registration_number="KS 2026/5")

    def ids(**filters):
        return set(
            record_search(Record.objects.all(), RecordFilters(**filters)).values_list(
                "pk", flat=True
            )
        )

    assert ids(text="badhuset") == {a.pk, b.pk}
    assert ids(channel=other) == {b.pk}
    assert ids(unit=other_unit) == {b.pk}
    assert ids(record_type="direct_message") == {b.pk}
    today = timezone.localdate()
    assert ids(since=today) == {a.pk, c.pk}
    assert ids(until=today - datetime.timedelta(days=5)) == {b.pk}
    assert ids(sender="greta") == {a.pk}
    assert ids(registration_number="ks 1") == {a.pk}
    assert ids(registration_number="KS 2026/5") == {c.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search needs PostgreSQL")
def test_full_text_search_in_swedish(make_record):
    hit = make_record(text="Jag har många synpunkter på kommentarerna om simhallarna")
    make_record(text="Inget om det här")
    found = set(
        record_search(Record.objects.all(), RecordFilters(text="simhall")).values_list(
            "pk", flat=True
        )
    )
    assert found == {hit.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL")
def test_the_search_document_is_stored_and_indexed(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'archive_record_search'")
        (definition,) = cursor.fetchone()
        cursor.execute(
            "SELECT is_generated, generation_expression FROM information_schema.columns "
            "WHERE table_name = 'archive_record' AND column_name = 'search_document'"
        )
        generated, expression = cursor.fetchone()
    assert "gin (search_document)" in definition.lower()
    assert generated == "ALWAYS"
    assert "swedish" in expression
    for column in ("text", "sender_name", "description"):
        assert column in expression


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored document is PostgreSQL's")
def test_search_uses_the_stored_document_in_a_subquery_too(make_record):
    hit = make_record(text="Simhallen stänger tidigt")
    make_record(text="Inget om det här")
    searched = Record.objects.search("simhall")
    assert set(searched.values_list("pk", flat=True)) == {hit.pk}
    # As a subquery the records' table gets another alias; the column must follow it.
    outer = Record.objects.filter(pk__in=Record.objects.search("simhallen").values("pk"))
    assert list(outer.values_list("pk", flat=True)) == [hit.pk]
    plan = Record.objects.search("simhall").only("pk").explain()
    assert "search_document" in plan
    assert "to_tsvector" not in plan  # read from the column, never computed per row


def test_search_page_paginates_and_logs(client, registrar, make_record):
    records = [make_record(text=f"Post {n}") for n in range(30)]
    client.force_login(registrar)
    response = client.get(reverse("archive:search"), {"q": "Post"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30
    assert len(response.context["page"].object_list) == 25
    response = client.get(reverse("archive:search"), {"q": "Post", "sida": 2})
    assert len(response.context["page"].object_list) == 5
    logs = AccessLog.objects.filter(action=AccessLog.Action.SEARCH, user=registrar)
    assert logs.count() == 2
    assert set(logs.first().record_ids) <= {r.pk for r in records}


def test_a_wrong_filter_value_is_ignored(client, registrar, make_record):
    make_record()
    client.force_login(registrar)
    response = client.get(reverse("archive:search"), {"since": "inte-ett-datum", "channel": "x"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


# The search page's queries: session and user (2), the user's and the
# groups' permissions for the role check (2), the count and the page (2), the
# access-log row (1), the navigation's role names (1), the form's unit choices
# (1), and the session save with its savepoint (3): 12, the same at 100 and
# 5,000 records. The channel filter is a text field and loads no channel
# unless it is used (tests/archive/test_channel_filter.py: one query more).
SEARCH_BUDGET = 12


@pytest.mark.parametrize("size", [100, 5000])
def test_search_query_budget(
    client, registrar, channel, employee, size, django_assert_max_num_queries
):
    bulk_records(channel, employee, size, words=("kommentar", "synpunkt"))
    client.force_login(registrar)
    with django_assert_max_num_queries(SEARCH_BUDGET):
        response = client.get(reverse("archive:search"), {"q": "synpunkt"})
    assert response.status_code == 200
    # The count stops one past the cap (archive.views.records.CappedPaginator).
    assert response.context["page"].paginator.count == min(size // 2, SEARCH_COUNT_CAP + 1)
    with django_assert_max_num_queries(SEARCH_BUDGET):
        response = client.get(
            reverse("archive:search"),
            {"record_type": "removed", "sender": "Avsändare", "sida": 3},
        )
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
