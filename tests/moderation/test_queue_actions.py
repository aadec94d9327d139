"""The queue's actions as services: allowed and refused, with permissions, claims,
versions and the transition table."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from channels.services.channels import channel_set_handlers
from core.exceptions import NotPermitted, StaleVersion, TransitionNotAllowed
from moderation import services
from moderation.models import Item, ItemComment, ItemEvent, ItemState
from moderation.services.actions import TRANSITIONS, ClaimConflict
from tests.factories import UserFactory
from tests.moderation.queue_fixtures import capture, fresh, item, other_item, rules

__all__ = ["capture", "item", "other_item", "rules"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def co_handler(page_channel, employee, communicator):
    """A second handler of the page channel."""
    colleague = UserFactory(username="cissi")
    channel_set_handlers(channel=page_channel, actor=communicator, handlers=[employee, colleague])
    return colleague


# --- The table ----------------------------------------------------------------------------


def test_the_transition_table_names_every_state():
    targets = {target for _sources, target in TRANSITIONS.values()}
    sources = set().union(*(sources for sources, _target in TRANSITIONS.values()))
    assert set(ItemState.values) == targets | sources | {ItemState.DELETED}
    # Deleted is final.
    assert all(ItemState.DELETED not in sources for sources, _t in TRANSITIONS.values())


# --- Permissions: handler, handler of another channel, communicator -----------------------


SIMPLE_ACTIONS = [
    (
        "answer",
        lambda i, u: services.item_answer(item=i, actor=u, expected_version=i.version, text="Svar"),
    ),
    ("leave", lambda i, u: services.item_leave(item=i, actor=u, expected_version=i.version)),
    (
        "refer",
        lambda i, u: services.item_refer(
            item=i, actor=u, expected_version=i.version, text="Partierna"
        ),
    ),
    (
        "forward",
        lambda i, u: services.item_forward(
            item=i, actor=u, expected_version=i.version, to_email="ansvarig@example.se"
        ),
    ),
    ("claim", lambda i, u: services.item_claim(item=i, actor=u, expected_version=i.version)),
    (
        "bullying",
        lambda i, u: services.item_report_bullying(
            item=i, actor=u, expected_version=i.version, note="Mobbning av en elev"
        ),
    ),
    (
        "advice",
        lambda i, u: services.item_ask_advice(
            item=i, actor=u, expected_version=i.version, of="communicator", question="Hur gör jag?"
        ),
    ),
    (
        "register",
        lambda i, u: services.item_register(
            item=i, actor=u, expected_version=i.version, description="Bygglovsärende"
        ),
    ),
]


@pytest.mark.parametrize("name, act", SIMPLE_ACTIONS, ids=[a[0] for a in SIMPLE_ACTIONS])
def test_a_handler_of_another_channel_is_refused_and_nothing_changes(
    name, act, item, other_employee
):
    with pytest.raises(NotPermitted):
        act(item, other_employee)
    item = fresh(item)
    assert (item.state, item.version, item.claimed_by) == (ItemState.OPEN, 1, None)
    assert not item.events.exclude(kind=ItemEvent.Kind.FLAGGED).exists()


@pytest.mark.parametrize("name, act", SIMPLE_ACTIONS, ids=[a[0] for a in SIMPLE_ACTIONS])
def test_the_handler_of_the_channel_may(name, act, item, employee, communicator):
    act(item, employee)
    assert fresh(item).version == 2


@pytest.mark.parametrize("name, act", SIMPLE_ACTIONS, ids=[a[0] for a in SIMPLE_ACTIONS])
def test_a_communicator_may_act_on_any_channel(name, act, item, communicator):
    act(item, communicator)
    assert fresh(item).version == 2


def test_an_employee_who_handles_nothing_may_not(item, manager):
    with pytest.raises(NotPermitted):
        services.item_claim(item=item, actor=manager, expected_version=1)


# --- Each action's effect -------------------------------------------------------------------


def test_answer_records_the_reply_and_leaves_the_queue(item, employee):
    before = fresh(item)
    assert before.state == ItemState.OPEN and before.is_open

    item = services.item_answer(
        item=item, actor=employee, expected_version=1, text="Vi öppnar 8.00.", note="Enkelt"
    )

    item = fresh(item)
    assert item.state == ItemState.ANSWERED
    assert item.answer_text == "Vi öppnar 8.00."
    assert (item.handled_by, item.claimed_by) == (employee, None)
    event = item.events.get(kind=ItemEvent.Kind.ANSWERED)
    assert (event.actor, event.note, event.changes["state"]) == (
        employee,
        "Enkelt",
        ["open", "answered"],
    )
    assert not Item.objects.open().filter(pk=item.pk).exists()


def test_answer_needs_the_reply_text(item, employee):
    with pytest.raises(ValidationError):
        services.item_answer(item=item, actor=employee, expected_version=1, text="  ")
    assert fresh(item).state == ItemState.OPEN


def test_forward_emails_the_item_and_stays_open_until_the_outcome(
    item, employee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.item_forward(
            item=item,
            actor=employee,
            expected_version=1,
            to_email="gata@example.se",
            note="Din fråga",
        )

    item = fresh(item)
    assert item.state == ItemState.FORWARDED
    assert Item.objects.open().filter(pk=item.pk).exists()
    assert item.claimed_by == employee
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["gata@example.se"]
    assert "Hej! När öppnar badhuset?" in message.body
    assert f"/moderering/inlagg/{item.pk}/" in message.body
    assert "Din fråga" in message.body
    # The outcome is recorded later, from forwarded.
    services.item_leave(
        item=item, actor=employee, expected_version=item.version, note="Besvarat av gatukontoret"
    )
    assert fresh(item).state == ItemState.NO_ANSWER


def test_forward_refuses_an_invalid_address(item, employee):
    with pytest.raises(ValidationError):
        services.item_forward(
            item=item, actor=employee, expected_version=1, to_email="inte en adress"
        )


def test_an_event_email_is_sent_once(item, employee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.item_forward(
            item=item, actor=employee, expected_version=1, to_email="a@example.se"
        )
    event = item.events.get(kind=ItemEvent.Kind.FORWARDED)
    assert services.item_event_notify(event_id=event.pk) == 0
    assert len(mail.outbox) == 1


def test_leave_and_refer(item, employee, capture, page_channel):
    services.item_leave(item=item, actor=employee, expected_version=1)
    assert fresh(item).state == ItemState.NO_ANSWER

    debate = capture(page_channel, "Kommunstyrelsen borde avgå!")
    services.item_refer(
        item=debate, actor=employee, expected_version=1, text="Vi hänvisar till partierna."
    )
    debate = fresh(debate)
    assert (debate.state, debate.answer_text) == (ItemState.REFERRED, "Vi hänvisar till partierna.")


def test_a_handled_item_cannot_be_handled_again(item, employee):
    services.item_answer(item=item, actor=employee, expected_version=1, text="Svar")
    with pytest.raises(TransitionNotAllowed):
        services.item_leave(item=item, actor=employee, expected_version=2)
    assert fresh(item).state == ItemState.ANSWERED


def test_an_edit_brings_a_handled_item_back_to_the_queue(item, employee):
    services.item_answer(item=item, actor=employee, expected_version=1, text="Svar")
    services.item_capture(
        channel=item.channel,
        content=services.ItemContent(kind="comment", external_id=item.external_id, text="Ändrat"),
        source="meta",
        edited=True,
    )
    item = fresh(item)
    assert item.state == ItemState.OPEN
    assert item.version == 3
    assert item.events.filter(kind=ItemEvent.Kind.REOPENED).exists()


def test_report_bullying_emails_the_nearest_manager(
    item, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.item_report_bullying(
            item=item, actor=employee, expected_version=1, note="En elev hängs ut i tråden."
        )
    assert fresh(item).state == ItemState.OPEN
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "En elev hängs ut i tråden." in mail.outbox[0].body
    event = item.events.get(kind=ItemEvent.Kind.BULLYING_REPORTED)
    assert event.changes["recipients"] == [manager.email] and event.notified_at


def test_ask_advice_notifies_and_the_manager_answers_on_the_item(
    item, employee, manager, django_capture_on_commit_callbacks
):
    from moderation import permissions

    assert not permissions.user_can_view_item(manager, item)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_ask_advice(
            item=item, actor=employee, expected_version=1, of="manager", question="Radera?"
        )
    assert [m.to for m in mail.outbox] == [[manager.email]]
    # The manager now sees the item and answers in its comments; they act on nothing.
    assert permissions.user_can_view_item(manager, item)
    assert not permissions.user_can_act_on_item(manager, item)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_comment(item=item, actor=manager, text="Avpublicera, regel 1.")
    assert list(item.comments.values_list("text", flat=True)) == [
        "Radera?",
        "Avpublicera, regel 1.",
    ]
    # The handler who asked gets the answer.
    assert mail.outbox[-1].to == [employee.email]
    with pytest.raises(NotPermitted):
        services.item_claim(item=item, actor=manager, expected_version=fresh(item).version)


def test_a_manager_of_another_unit_does_not_see_the_question(item, employee, other_manager):
    from moderation import permissions

    services.item_ask_advice(
        item=item, actor=employee, expected_version=1, of="manager", question="?"
    )
    assert not permissions.user_can_view_item(other_manager, item)
    with pytest.raises(NotPermitted):
        services.item_comment(item=item, actor=other_manager, text="Hej")


def test_ask_the_communicators(item, employee, communicator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.item_ask_advice(
            item=item, actor=employee, expected_version=1, of="communicator", question="Politik?"
        )
    assert comment.addressed_to == ItemComment.AddressedTo.COMMUNICATOR
    assert mail.outbox[0].to == [communicator.email]


# --- Claims ---------------------------------------------------------------------------------


def test_claim_shows_who_and_since_when(item, employee):
    services.item_claim(item=item, actor=employee, expected_version=1)
    item = fresh(item)
    assert item.claimed_by == employee and item.claimed_at is not None
    # Taking one's own item again changes nothing.
    services.item_claim(item=item, actor=employee, expected_version=2)
    assert fresh(item).version == 2


def test_an_item_held_by_someone_else_is_refused_and_unchanged(item, employee, co_handler, rules):
    services.item_claim(item=item, actor=employee, expected_version=1)

    for act in (
        lambda: services.item_claim(item=item, actor=co_handler, expected_version=2),
        lambda: services.item_answer(item=item, actor=co_handler, expected_version=2, text="x"),
        lambda: services.item_delete(
            item=item, actor=co_handler, expected_version=2, rules=[rules[1]]
        ),
    ):
        with pytest.raises(ClaimConflict) as refused:
            act()
        # The message names who holds it.
        assert employee.get_full_name() in refused.value.message
    item = fresh(item)
    assert (item.state, item.version, item.claimed_by) == (ItemState.OPEN, 2, employee)
    assert not item.removal_rules.exists()


def test_the_action_takes_an_unclaimed_item(item, co_handler):
    services.item_report_bullying(item=item, actor=co_handler, expected_version=1, note="x")
    assert fresh(item).claimed_by == co_handler


def test_a_communicator_releases_a_claim_the_co_handler_cannot(
    item, employee, co_handler, communicator
):
    services.item_claim(item=item, actor=employee, expected_version=1)
    with pytest.raises(NotPermitted):
        services.item_release(item=item, actor=co_handler)
    services.item_release(item=item, actor=communicator)
    item = fresh(item)
    assert item.claimed_by is None
    assert item.events.filter(kind=ItemEvent.Kind.RELEASED, actor=communicator).exists()
    services.item_claim(item=item, actor=co_handler, expected_version=item.version)
    assert fresh(item).claimed_by == co_handler


def test_the_holder_releases_their_own(item, employee):
    services.item_claim(item=item, actor=employee, expected_version=1)
    services.item_release(item=item, actor=employee, expected_version=2)
    assert fresh(item).claimed_by is None
    with pytest.raises(TransitionNotAllowed):
        services.item_release(item=item, actor=employee)


def test_a_claim_of_someone_absent_does_not_block(item, employee, co_handler):
    from datetime import timedelta

    from django.utils import timezone

    services.item_claim(item=item, actor=employee, expected_version=1)
    services.absence_create(
        user=employee,
        actor=employee,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(days=2),
        substitute=co_handler,
    )
    services.item_leave(item=item, actor=co_handler, expected_version=2)
    assert fresh(item).state == ItemState.NO_ANSWER


# --- Versions ---------------------------------------------------------------------------------


def test_acting_on_a_stale_version_is_refused_and_changes_nothing(item, employee):
    # A new version arrives while the handler reads version 1.
    services.item_capture(
        channel=item.channel,
        content=services.ItemContent(kind="comment", external_id=item.external_id, text="Ny text"),
        source="meta",
        edited=True,
    )
    with pytest.raises(StaleVersion):
        services.item_answer(item=item, actor=employee, expected_version=1, text="Svar")
    item = fresh(item)
    assert (item.state, item.version, item.answer_text) == (ItemState.OPEN, 2, "")
    services.item_answer(item=item, actor=employee, expected_version=2, text="Svar")
    assert fresh(item).state == ItemState.ANSWERED


def test_another_persons_action_makes_the_version_stale(item, employee, co_handler):
    services.item_report_bullying(item=item, actor=employee, expected_version=1, note="x")
    services.item_release(item=item, actor=employee)
    with pytest.raises(StaleVersion):
        services.item_leave(item=item, actor=co_handler, expected_version=1)
