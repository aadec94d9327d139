"""Proposing the disposal of moderation items: one ``INSERT ... SELECT`` of
candidates per batch, like the records (archive.services.item_disposal)."""

import pytest
import time_machine
from django.db.models import signals

from archive.models import ItemDisposalCandidate, RetentionEvent
from archive.services import disposal as services
from archive.services import item_disposal
from moderation import services as moderation
from moderation.models import Item, ItemKind
from tests.archive.test_item_retention import NOW, SENDER, at, item_rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def left_items(channel, communicator):
    """Items that were left without an answer at a given time, and open ones."""

    def make(when, count, *, leave=True):
        items = []
        with time_machine.travel(when, tick=False):
            for n in range(count):
                item = moderation.item_capture(
                    channel=channel,
                    content=moderation.ItemContent(
                        kind=ItemKind.COMMENT,
                        text=f"Hej {n}",
                        external_id=f"sql-{when:%Y}-{n}-{leave}",
                        sender_name=SENDER,
                    ),
                    source="api",
                ).item
                if leave:
                    item = moderation.item_leave(
                        item=item, actor=communicator, expected_version=item.version
                    )
                items.append(item)
        return items

    return make


def test_the_item_proposal_lists_every_due_item_with_the_rule(left_items, registrar, monkeypatch):
    monkeypatch.setattr(item_disposal, "BATCH_SIZE", 2)
    rule = item_rule(years=1, event=RetentionEvent.END_OF_YEAR_ACTED)
    due = left_items(at(2020), 5)
    left_items(at(2020), 2, leave=False)  # still open
    left_items(at(2026, 1, 2), 2)  # not due yet
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    signals.post_init.connect(count, sender=ItemDisposalCandidate)
    try:
        run = services.disposal_run_propose(actor=registrar)
    finally:
        signals.post_init.disconnect(count, sender=ItemDisposalCandidate)
    assert built == []  # no candidate passes through Python
    assert run.item_candidate_count == len(due)
    assert sorted(run.item_candidates.values_list("item_id", "rule_id")) == sorted(
        (item.pk, rule.pk) for item in due
    )
    assert sorted(item_disposal.items_due()[0].values_list("pk", flat=True)) == sorted(
        item.pk for item in due
    )


def test_proposed_items_are_disposed_of(left_items, registrar, monkeypatch):
    from core import roles
    from tests.factories import UserFactory

    monkeypatch.setattr(item_disposal, "BATCH_SIZE", 2)
    item_rule(years=1)
    due = left_items(at(2020), 3)
    kept = left_items(at(2026, 1, 2), 1)
    approver = UserFactory(username="rut", roles=[roles.REGISTRAR])
    run = services.disposal_run_approve(
        run=services.disposal_run_propose(actor=registrar), actor=approver
    )
    run = services.disposal_run_execute(run=run, actor=approver)
    assert run.item_candidate_count == run.items_disposed_count == len(due)
    assert list(Item.objects.values_list("pk", flat=True)) == [kept[0].pk]


def test_without_an_item_rule_nothing_is_listed(left_items, registrar):
    left_items(at(2015), 2)
    run = services.disposal_run_propose(actor=registrar)
    assert run.item_candidate_count == 0 and not run.item_candidates.exists()
