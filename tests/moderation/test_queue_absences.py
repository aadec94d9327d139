"""Absences and substitutes: recording and ending them, who may act during and after,
the chain, "mina ersättarärenden", and channels left with nobody."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels.services.channels import channel_set_handlers
from core.exceptions import NotPermitted, TransitionNotAllowed
from moderation import permissions, selectors, services
from moderation.models import Absence, AuditEvent, ItemState
from tests.factories import UserFactory
from tests.moderation.queue_fixtures import capture, fresh, item, rules

__all__ = ["capture", "item", "rules"]

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def away(user, substitute, *, start=-1, end=2, actor=None):
    return services.absence_create(
        user=user,
        actor=actor or user,
        starts_at=NOW + timedelta(hours=start),
        ends_at=NOW + timedelta(days=end),
        substitute=substitute,
    )


@pytest.fixture
def bea(page_channel, kultur_channel, employee, other_employee, communicator):
    """Handles both channels: with `employee` on the page, with `other_employee` on kultur."""
    bea = UserFactory(username="bea")
    channel_set_handlers(channel=page_channel, actor=communicator, handlers=[employee, bea])
    channel_set_handlers(channel=kultur_channel, actor=communicator, handlers=[other_employee, bea])
    return bea


# --- Recording --------------------------------------------------------------------------------


def test_a_handler_records_an_absence_with_a_co_handler_as_substitute(employee, bea):
    absence = away(employee, bea)
    assert (absence.user, absence.substitute, absence.created_by) == (employee, bea, employee)
    audit = AuditEvent.objects.get(absence=absence)
    assert audit.kind == AuditEvent.Kind.ABSENCE_RECORDED and audit.actor == employee


def test_a_communicator_can_be_the_substitute(employee, page_channel, communicator):
    assert away(employee, communicator).substitute == communicator


def test_the_substitute_must_be_a_handler_of_the_channel_or_a_communicator(
    employee, page_channel, other_employee, manager
):
    for stranger in (other_employee, manager):
        with pytest.raises(ValidationError) as refused:
            away(employee, stranger)
        assert "substitute" in refused.value.message_dict
    assert not Absence.objects.exists()


def test_periods_must_make_sense_and_not_overlap(employee, bea):
    with pytest.raises(ValidationError):
        away(employee, bea, start=5, end=0)  # ends before it starts
    with pytest.raises(ValidationError):
        away(employee, bea, start=-72, end=-1)  # already over
    away(employee, bea)
    with pytest.raises(ValidationError):
        away(employee, bea, start=24, end=5)
    assert Absence.objects.count() == 1


def test_one_records_only_ones_own_absence_unless_communicator(employee, bea, communicator):
    with pytest.raises(NotPermitted):
        away(employee, None, actor=bea)
    assert away(employee, None, actor=communicator).created_by == communicator


def test_someone_who_handles_nothing_records_no_absence(manager):
    with pytest.raises(NotPermitted):
        away(manager, None)


def test_ending_and_cancelling(employee, bea):
    ongoing = away(employee, bea)
    services.absence_end(absence=ongoing, actor=employee)
    ongoing.refresh_from_db()
    assert ongoing.ends_at <= timezone.now() and not selectors.is_absent(employee)
    with pytest.raises(TransitionNotAllowed):
        services.absence_end(absence=ongoing, actor=employee)

    coming = away(employee, bea, start=48, end=5)
    with pytest.raises(NotPermitted):
        services.absence_end(absence=coming, actor=bea)
    services.absence_end(absence=coming, actor=employee)
    coming.refresh_from_db()
    assert coming.cancelled_by == employee
    assert not selectors.is_absent(employee, NOW + timedelta(days=3))


# --- Who may act during and after -----------------------------------------------------------


def test_a_substitute_at_the_end_of_a_chain_acts_during_the_absence_only(
    item, employee, bea, other_employee
):
    """employee away → bea; bea away → other_employee, who does not handle the page."""
    away(employee, bea)
    away(bea, other_employee)
    assert selectors.substitute_for(employee) == other_employee

    # During: other_employee sees and acts on the page's items.
    assert permissions.user_can_act_on_item(other_employee, item)
    assert item in permissions.items_visible_to(other_employee)
    services.item_claim(item=item, actor=other_employee, expected_version=1)
    assert fresh(item).claimed_by == other_employee
    services.item_release(item=item, actor=other_employee)

    # After: refused, and the item is not theirs to see.
    with time_machine.travel(NOW + timedelta(days=3)):
        assert not permissions.user_can_act_on_item(other_employee, item)
        with pytest.raises(NotPermitted):
            services.item_leave(item=item, actor=other_employee, expected_version=3)
        assert item not in permissions.items_visible_to(other_employee)
    assert fresh(item).state == ItemState.OPEN


def test_a_handler_of_another_channel_without_an_absence_may_not(item, other_employee):
    assert not permissions.user_can_act_on_item(other_employee, item)


def test_the_absent_handler_still_sees_their_channel(item, employee, bea):
    away(employee, bea)
    assert permissions.user_can_act_on_item(employee, item)


def test_my_substitute_items_list_the_absent_handlers_channels(
    item, employee, bea, other_employee, capture, kultur_channel
):
    capture(kultur_channel, "Kulturens eget")
    away(employee, bea)
    assert selectors.substitute_channel_ids(bea) == {item.channel_id}
    assert selectors.substitute_channel_ids(other_employee) == set()
    away(bea, other_employee)
    # The chain: employee's and bea's channels end at other_employee.
    assert selectors.substitute_channel_ids(other_employee) == {item.channel_id, kultur_channel.pk}
    assert selectors.substitute_channel_ids(bea) == set()  # bea is away herself


def test_a_channel_whose_handlers_are_all_away_without_substitute_is_unattended(
    page_channel, kultur_channel, employee, other_employee
):
    assert list(selectors.unattended_channels()) == []
    away(employee, None)
    assert list(selectors.unattended_channels()) == [page_channel]
    # With a substitute who is present, it is attended again.
    with time_machine.travel(NOW + timedelta(days=3)):
        assert list(selectors.unattended_channels()) == []


def test_a_chain_into_an_absent_person_without_substitute_is_unattended(
    page_channel, employee, bea
):
    away(employee, bea)
    assert page_channel not in selectors.unattended_channels()
    away(bea, None)
    assert page_channel in selectors.unattended_channels()


def test_unattended_channels_cost_a_fixed_number_of_queries(
    make_channel, employee, django_assert_num_queries
):
    channels = [make_channel(address=f"https://www.facebook.com/sida{n}") for n in range(4)]
    away(employee, None)
    # Absences, channels without handlers, the handlers of the channels of the absent,
    # and the channels themselves: 4, whatever the number of channels.
    with django_assert_num_queries(4):
        unattended = list(selectors.unattended_channels())
    assert set(unattended) == set(channels)
