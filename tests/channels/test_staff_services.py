"""Services, selectors and permissions added for the communicator's side of the register."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from channels import permissions
from channels.models import Channel, ChannelEvent, ChannelStatus, PoliticalLink
from channels.models.political import PoliticalLinkEvent
from channels.selectors import channels_due_for_review, review_period
from channels.services.channels import (
    channel_close,
    channel_confirm_review,
    channel_match_handlers,
    channel_set_handlers,
    channel_unpublish,
    channel_update,
)
from channels.services.political import (
    political_link_create,
    political_link_delete,
    political_link_update,
)
from core.exceptions import NotPermitted, StaleVersion
from tests.factories import UserFactory

LINK = {
    "party": "Exempelpartiet",
    "person": "Per Politiker",
    "body": "Kommunfullmäktige",
    "url": "https://per.example.se/blogg",
    "is_active": True,
}

# --- Political links -------------------------------------------------------------


def test_a_communicator_creates_a_link_with_an_audit_row(communicator):
    link = political_link_create(actor=communicator, data=LINK)

    assert PoliticalLink.objects.get() == link
    event = PoliticalLinkEvent.objects.get()
    assert (event.link, event.actor, event.kind) == (link, communicator, "created")
    assert event.changes["url"] == LINK["url"]


def test_an_employee_may_not_create_a_link(employee):
    with pytest.raises(NotPermitted):
        political_link_create(actor=employee, data=LINK)

    assert not PoliticalLink.objects.exists()
    assert not PoliticalLinkEvent.objects.exists()


def test_an_invalid_link_is_refused_and_nothing_is_saved(communicator):
    with pytest.raises(ValidationError) as error:
        political_link_create(actor=communicator, data=LINK | {"url": "inte en adress"})

    assert "url" in error.value.message_dict
    assert not PoliticalLink.objects.exists()
    assert not PoliticalLinkEvent.objects.exists()


def test_an_update_records_old_and_new_values(communicator):
    link = political_link_create(actor=communicator, data=LINK)

    political_link_update(
        link=link, actor=communicator, data=LINK | {"body": "Kultur- och fritidsnämnden"}
    )

    link.refresh_from_db()
    assert link.body == "Kultur- och fritidsnämnden"
    event = link.events.last()
    assert event.kind == "updated"
    assert event.changes == {"body": ["Kommunfullmäktige", "Kultur- och fritidsnämnden"]}


def test_an_update_without_changes_records_nothing(communicator):
    link = political_link_create(actor=communicator, data=LINK)

    political_link_update(link=link, actor=communicator, data=LINK)

    assert link.events.count() == 1


def test_a_manager_may_not_update_a_link(communicator, manager):
    link = political_link_create(actor=communicator, data=LINK)

    with pytest.raises(NotPermitted):
        political_link_update(link=link, actor=manager, data=LINK | {"person": "Annan"})

    link.refresh_from_db()
    assert link.person == "Per Politiker"


def test_a_deleted_link_keeps_its_history(communicator):
    link = political_link_create(actor=communicator, data=LINK)

    political_link_delete(link=link, actor=communicator)

    assert not PoliticalLink.objects.exists()
    events = list(PoliticalLinkEvent.objects.order_by("pk"))
    assert [e.kind for e in events] == ["created", "deleted"]
    assert all(e.link is None for e in events)
    assert events[-1].label == "Per Politiker (Exempelpartiet)"
    assert events[-1].changes["url"] == LINK["url"]


def test_an_employee_may_not_delete_a_link(communicator, employee):
    link = political_link_create(actor=communicator, data=LINK)

    with pytest.raises(NotPermitted):
        political_link_delete(link=link, actor=employee)

    assert PoliticalLink.objects.filter(pk=link.pk).exists()


# --- The annual review -------------------------------------------------------------

PUBLISHED_AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def published_in_march(make_channel):
    with time_machine.travel(PUBLISHED_AT, tick=False):
        return make_channel()


def test_review_period_defaults_to_a_year(settings):
    del settings.CHANNEL_REVIEW_PERIOD_DAYS
    assert review_period() == timedelta(days=365)
    settings.CHANNEL_REVIEW_PERIOD_DAYS = 30
    assert review_period() == timedelta(days=30)


def test_a_channel_is_due_once_its_confirmation_is_older_than_the_period(published_in_march):
    period = timedelta(days=365)

    assert list(channels_due_for_review(PUBLISHED_AT + timedelta(days=364), period)) == []
    assert list(channels_due_for_review(PUBLISHED_AT + timedelta(days=366), period)) == [
        published_in_march
    ]


def test_only_published_channels_are_due(make_channel, communicator):
    with time_machine.travel(PUBLISHED_AT, tick=False):
        registered = make_channel(publish=False)
        unpublished = channel_unpublish(channel=make_channel(), actor=communicator)
        closed = channel_close(channel=make_channel(), actor=communicator)
        published = make_channel()
    later = PUBLISHED_AT + timedelta(days=400)

    due = list(channels_due_for_review(later, timedelta(days=365)))

    assert due == [published]
    assert {registered.pk, unpublished.pk, closed.pk}.isdisjoint(c.pk for c in due)


def test_a_confirmation_takes_the_channel_off_the_list(published_in_march, employee):
    later = PUBLISHED_AT + timedelta(days=400)
    with time_machine.travel(later, tick=False):
        assert list(channels_due_for_review()) == [published_in_march]
        # The applicant's e-mail matched the contacts, so they handle the channel.
        channel_confirm_review(channel=published_in_march, actor=employee)
        assert list(channels_due_for_review()) == []

    published_in_march.refresh_from_db()
    assert published_in_march.last_confirmed_at == later
    assert published_in_march.last_confirmed_by == employee


def test_never_confirmed_published_channels_are_due_first(make_channel):
    with time_machine.travel(PUBLISHED_AT, tick=False):
        old = make_channel(display_name="B gammal")
        never = make_channel(display_name="A aldrig")
    # Loaded from elsewhere without a confirmation.
    Channel.objects.filter(pk=never.pk).update(last_confirmed_at=None)

    due = list(channels_due_for_review(PUBLISHED_AT + timedelta(days=400)))

    assert due == [never, old]


@pytest.mark.parametrize("count", [5, 50])
def test_due_for_review_query_budget(make_channel, count, django_assert_max_num_queries):
    with time_machine.travel(PUBLISHED_AT, tick=False):
        for _ in range(count):
            make_channel()
    # One query: channels with their unit and platform joined.
    with django_assert_max_num_queries(1):
        due = list(channels_due_for_review(PUBLISHED_AT + timedelta(days=400)))
        assert {(c.unit.name, c.platform.name) for c in due} == {("Biblioteket", "Facebook")}
    assert len(due) == count


def test_a_stale_confirmation_is_refused(make_channel, communicator, employee):
    channel = make_channel()
    seen = channel.version
    channel_update(
        channel=channel, actor=communicator, data={"purpose": "Ny"}, expected_version=seen
    )
    before = Channel.objects.get(pk=channel.pk).last_confirmed_at

    with pytest.raises(StaleVersion):
        channel_confirm_review(channel=channel, actor=employee, expected_version=seen)

    assert Channel.objects.get(pk=channel.pk).last_confirmed_at == before
    assert not channel.events.filter(kind=ChannelEvent.Kind.CONFIRMED).exists()


def test_a_confirmation_of_the_current_version(make_channel, employee):
    channel = make_channel()

    channel_confirm_review(
        channel=channel, actor=employee, expected_version=channel.version, comment="Stämmer"
    )

    event = channel.events.get(kind=ChannelEvent.Kind.CONFIRMED)
    assert (event.actor, event.comment) == (employee, "Stämmer")


# --- Handlers -------------------------------------------------------------------


def test_matching_again_adds_users_who_got_an_account_later(make_channel, communicator, employee):
    channel = make_channel()
    chosen = UserFactory(username="vikarie")
    channel_set_handlers(channel=channel, actor=communicator, handlers=[chosen])
    assert set(channel.handlers.all()) == {chosen}

    channel_match_handlers(channel=channel, actor=communicator)

    # The contacts carry the applicant's e-mail; the hand-picked handler stays.
    assert set(channel.handlers.all()) == {chosen, employee}
    event = channel.events.filter(kind=ChannelEvent.Kind.HANDLERS_CHANGED).last()
    assert event.changes == {"handlers": [["vikarie"], ["anna", "vikarie"]]}


def test_matching_again_when_nothing_changes_records_nothing(make_channel, communicator):
    channel = make_channel()
    events = channel.events.count()

    channel_match_handlers(channel=channel, actor=communicator)

    assert channel.events.count() == events


def test_only_a_communicator_matches_handlers(make_channel, communicator, employee):
    channel = make_channel()
    channel_set_handlers(channel=channel, actor=communicator, handlers=[])

    with pytest.raises(NotPermitted):
        channel_match_handlers(channel=channel, actor=employee)

    assert not channel.handlers.exists()


# --- Permissions ----------------------------------------------------------------


def test_who_may_view_a_channel(
    make_channel, communicator, employee, other_employee, manager, other_manager, registrar
):
    channel = make_channel(publish=False)

    for user in (communicator, employee, manager):
        assert permissions.user_can_view_channel(user, channel), user
    for user in (other_employee, other_manager, registrar):
        assert not permissions.user_can_view_channel(user, channel), user


def test_only_communicators_manage_political_links(communicator, manager, employee, registrar):
    political_link_create(actor=communicator, data=LINK)

    assert permissions.user_can_manage_political_links(communicator)
    assert permissions.political_links_visible_to(communicator).count() == 1
    for user in (manager, employee, registrar):
        assert not permissions.user_can_manage_political_links(user)
        assert not permissions.political_links_visible_to(user).exists()


def test_closed_channels_stay_visible_to_staff(make_channel, communicator, employee):
    channel = channel_close(channel=make_channel(), actor=communicator)

    assert channel.status == ChannelStatus.CLOSED
    assert permissions.user_can_view_channel(communicator, channel)
    assert permissions.user_can_view_channel(employee, channel)
