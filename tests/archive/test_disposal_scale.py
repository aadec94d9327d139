"""Disposal at national scale (BENCHMARKS.md, 6.): a batch costs the same number of
queries however many records it holds (no query per record for its channel's
platform or its rule's summary)."""

import datetime

import pytest
import time_machine

from archive.models import DisposalLogEntry, Record, RecordType
from archive.services import disposal as services
from archive.services.verification import verify_chain
from tests.archive.test_disposal import NOW, at, rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def approved_run(count, make_record, registrar):
    from core import roles

    for n in range(count):
        make_record(
            received_at=at(2020) + datetime.timedelta(days=n),
            record_type=RecordType.REMOVED if n % 2 else RecordType.DIRECT_MESSAGE,
        )
    run = services.disposal_run_propose(actor=registrar)
    other = UserFactory(username=f"rut{count}", roles=[roles.REGISTRAR])
    return services.disposal_run_approve(run=run, actor=other)


@pytest.mark.parametrize("count", [2, 12])
def test_a_batch_costs_the_same_queries_for_few_and_many_records(
    count, make_record, registrar, django_assert_max_num_queries
):
    rule(RecordType.REMOVED)
    rule(RecordType.DIRECT_MESSAGE)
    run = approved_run(count, make_record, registrar)
    # Lock the run, candidates, the rules, the batch (the ids of the due records,
    # locked), the log entries (one INSERT ... SELECT), one statement per relation to
    # a record (annotations, requests, masks, holds) and the records' DELETE, the run's
    # count, the next (empty) candidates, the items part, finishing the run and its
    # audit row, with savepoints: 25 whatever the batch size.
    with django_assert_max_num_queries(26):
        run = services.disposal_run_execute(run=run, actor=registrar)
    assert run.disposed_count == count
    assert not Record.objects.exists()
    entries = list(DisposalLogEntry.objects.order_by("sequence"))
    assert len(entries) == count
    assert entries[0].channel_name == "Biblioteket på Facebook (Facebook)"
    assert entries[0].rule_summary and "2" in entries[0].rule_summary
    assert verify_chain().ok
