"""Unpublish and delete: the archive record first, in the same transaction; a failed
archive write removes nothing; unpublished items can be shown again; bulk removal."""

import pytest
from django.core.exceptions import ValidationError

from archive.models import Record
from archive.services import records as archive_records
from core.exceptions import NotPermitted, TransitionNotAllowed
from moderation import services
from moderation.models import Item, ItemEvent, ItemState
from moderation.services.actions import ArchiveUnavailable
from tests.moderation.queue_fixtures import capture, fresh, item, other_item, rules

__all__ = ["capture", "item", "other_item", "rules"]

pytestmark = pytest.mark.django_db


def edit(item, text):
    services.item_capture(
        channel=item.channel,
        content=services.ItemContent(kind=item.kind, external_id=item.external_id, text=text),
        source="meta",
        edited=True,
        raw={"edited": text},
    )
    return fresh(item)


def test_delete_archives_every_version_and_the_raw_payload_first(item, employee, rules):
    item = edit(item, "Du är en idiot")
    assert Record.objects.count() == 0

    services.item_delete(
        item=item,
        actor=employee,
        expected_version=item.version,
        rules=[rules[1], rules[6]],
        message="Ditt inlägg bröt mot våra regler.",
        reported_to_police=True,
        note="Personangrepp",
    )

    item = fresh(item)
    assert item.state == ItemState.DELETED
    assert item.removed_by == employee and item.removed_at is not None
    assert sorted(item.removal_rules.values_list("number", flat=True)) == [1, 6]
    assert item.reported_to_police is True
    record = Record.objects.get(item_id=item.pk)
    assert record.record_type == "removed"
    assert record.action == "delete"
    assert (record.channel_id, record.unit_id) == (item.channel_id, item.channel.unit_id)
    assert record.sender_name == "Sven Svensson" and record.sender_id == "1000001"
    assert record.actor == employee
    assert record.rules == [str(rules[1]), str(rules[6])]
    assert record.received_at == item.received_at
    content = record.content
    assert [v["text"] for v in content["versions"]] == [
        "Hej! När öppnar badhuset?",
        "Du är en idiot",
    ]
    assert content["versions"][1]["raw"] == {"edited": "Du är en idiot"}
    assert content["reported_to_police"] is True
    assert content["message_to_writer"] == "Ditt inlägg bröt mot våra regler."
    assert content["unit"]["name"] == str(item.channel.unit)
    event = item.events.get(kind=ItemEvent.Kind.DELETED)
    assert event.changes["archive_record"] == record.pk and event.note == "Personangrepp"


def test_removal_needs_at_least_one_rule(item, employee):
    with pytest.raises(ValidationError) as refused:
        services.item_unpublish(item=item, actor=employee, expected_version=1, rules=[])
    assert "rules" in refused.value.message_dict
    assert fresh(item).state == ItemState.OPEN
    assert not Record.objects.exists()


def test_an_inactive_rule_cannot_be_cited(item, employee, rules):
    rules[5].active = False
    rules[5].save()
    with pytest.raises(ValidationError):
        services.item_unpublish(item=item, actor=employee, expected_version=1, rules=[rules[5]])


def test_a_failed_archive_write_removes_nothing(item, employee, rules, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(archive_records, "record_create", broken)

    with pytest.raises(ArchiveUnavailable) as refused:
        services.item_delete(item=item, actor=employee, expected_version=1, rules=[rules[1]])

    # The handler is told (the views show this message; test_queue_views).
    assert refused.value.message
    item = fresh(item)
    assert (item.state, item.version, item.removed_at, item.claimed_by) == (
        ItemState.OPEN,
        1,
        None,
        None,
    )
    assert not item.removal_rules.exists()
    assert not item.events.filter(kind=ItemEvent.Kind.DELETED).exists()
    assert not Record.objects.exists()


def test_the_archive_is_written_before_the_state_changes(item, employee, rules, monkeypatch):
    seen = {}
    original = archive_records.record_create

    def spy(**kwargs):
        seen["state"] = Item.objects.get(pk=item.pk).state
        return original(**kwargs)

    monkeypatch.setattr(archive_records, "record_create", spy)
    services.item_unpublish(item=item, actor=employee, expected_version=1, rules=[rules[2]])
    assert seen["state"] == ItemState.OPEN
    assert fresh(item).state == ItemState.UNPUBLISHED


def test_an_unpublished_item_can_be_made_visible_again_and_its_record_stays(item, employee, rules):
    services.item_unpublish(item=item, actor=employee, expected_version=1, rules=[rules[6]])
    record = Record.objects.get(item_id=item.pk)

    with pytest.raises(ValidationError):
        services.item_republish(item=item, actor=employee, expected_version=2, note="")
    services.item_republish(item=item, actor=employee, expected_version=2, note="Felbedömning")

    item = fresh(item)
    assert item.state == ItemState.OPEN
    assert item.events.filter(kind=ItemEvent.Kind.REPUBLISHED, note="Felbedömning").exists()
    assert Record.objects.filter(pk=record.pk).exists()


def test_republish_only_from_unpublished(item, employee, rules):
    with pytest.raises(TransitionNotAllowed):
        services.item_republish(item=item, actor=employee, expected_version=1, note="x")
    services.item_delete(item=item, actor=employee, expected_version=1, rules=[rules[1]])
    with pytest.raises(TransitionNotAllowed):
        services.item_republish(item=item, actor=employee, expected_version=2, note="x")
    # A deleted item cannot be deleted again; nothing more is archived.
    with pytest.raises(TransitionNotAllowed):
        services.item_delete(item=item, actor=employee, expected_version=2, rules=[rules[1]])
    assert Record.objects.filter(item_id=item.pk).count() == 1


def test_an_unpublished_item_can_then_be_deleted_with_a_second_record(item, employee, rules):
    services.item_unpublish(item=item, actor=employee, expected_version=1, rules=[rules[1]])
    services.item_delete(item=item, actor=employee, expected_version=2, rules=[rules[1]])
    assert fresh(item).state == ItemState.DELETED
    assert Record.objects.filter(item_id=item.pk).count() == 2


def test_a_handler_of_another_channel_cannot_remove(item, other_employee, rules):
    with pytest.raises(NotPermitted):
        services.item_delete(item=item, actor=other_employee, expected_version=1, rules=[rules[1]])
    assert not Record.objects.exists()


# --- Bulk -------------------------------------------------------------------------------------


def test_bulk_removal_gives_each_item_its_own_record(capture, page_channel, employee, rules):
    items = [capture(page_channel, f"Skräp {n}") for n in range(3)]

    result = services.items_remove_bulk(
        selection=[(i.pk, i.version) for i in items],
        actor=employee,
        action="delete",
        rules=[rules[6]],
        message="Borttaget enligt reglerna.",
    )

    assert sorted(result.removed) == sorted(i.pk for i in items) and result.refused == []
    assert Item.objects.filter(state=ItemState.DELETED).count() == 3
    records = Record.objects.filter(item_id__in=[i.pk for i in items])
    assert records.count() == 3
    assert {r.rules[0] for r in records} == {str(rules[6])}


def test_bulk_removal_leaves_changed_and_foreign_items_and_removes_the_rest(
    capture, page_channel, employee, communicator, other_item, rules, monkeypatch
):
    fine, changed, held = (capture(page_channel, f"Inlägg {n}") for n in range(3))
    edit(changed, "ändrat efter att listan visades")
    services.item_claim(item=held, actor=communicator, expected_version=1)

    result = services.items_remove_bulk(
        selection=[(fine.pk, 1), (changed.pk, 1), (held.pk, 1), (other_item.pk, 1), (999999, 1)],
        actor=employee,
        action="unpublish",
        rules=[rules[1]],
    )

    assert result.removed == [fine.pk]
    assert [item_id for item_id, _reason in result.refused] == [
        changed.pk,
        held.pk,
        other_item.pk,
        999999,
    ]
    assert fresh(changed).state == ItemState.OPEN
    assert fresh(held).state == ItemState.OPEN
    assert fresh(other_item).state == ItemState.OPEN
    assert Record.objects.count() == 1


def test_bulk_removal_with_a_failing_archive_removes_only_what_was_archived(
    capture, page_channel, employee, rules, monkeypatch
):
    first, second = capture(page_channel, "Ett"), capture(page_channel, "Två")
    original = archive_records.record_create

    def fail_second(**kwargs):
        if kwargs["item_id"] == second.pk:
            raise RuntimeError("archive down")
        return original(**kwargs)

    monkeypatch.setattr(archive_records, "record_create", fail_second)
    result = services.items_remove_bulk(
        selection=[(first.pk, 1), (second.pk, 1)], actor=employee, action="delete", rules=[rules[1]]
    )
    assert result.removed == [first.pk]
    assert fresh(second).state == ItemState.OPEN
    assert not Record.objects.filter(item_id=second.pk).exists()


def test_bulk_removal_needs_rules_and_items(employee, item, rules):
    with pytest.raises(ValidationError):
        services.items_remove_bulk(
            selection=[(item.pk, 1)], actor=employee, action="delete", rules=[]
        )
    with pytest.raises(ValidationError):
        services.items_remove_bulk(selection=[], actor=employee, action="delete", rules=[rules[1]])
