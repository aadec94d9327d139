import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from channels.models import ApplicationEvent, ApplicationStatus, ChannelApplication
from channels.services.applications import (
    TRANSITIONS,
    application_approve,
    application_reject,
    application_return,
    application_submit,
    application_update,
)
from channels.tasks import application_event_notify_task
from core import roles
from core.exceptions import NotPermitted, StaleVersion, TransitionNotAllowed
from tests.channels.conftest import application_data, contacts_for
from tests.factories import UnitFactory, UserFactory

S = ApplicationStatus


def test_the_transition_table_is_the_documented_workflow():
    assert {
        "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED),
        "approve": ({S.SUBMITTED}, S.APPROVED),
        "reject": ({S.SUBMITTED}, S.REJECTED),
        "return": ({S.SUBMITTED}, S.RETURNED),
    } == TRANSITIONS


def test_draft_then_submit_records_who_and_when(make_application, employee):
    draft = make_application(submit=False)
    assert draft.status == S.DRAFT
    assert draft.submitted_at is None

    submitted = application_submit(
        application=draft, actor=employee, expected_version=draft.version
    )

    assert submitted.status == S.SUBMITTED
    assert submitted.submitted_at is not None
    kinds = list(submitted.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [("created", "", "draft"), ("submitted", "draft", "submitted")]


def test_approve_records_the_manager_signature(make_application, manager):
    application = make_application()

    approved = application_approve(
        application=application, actor=manager, comment="Bra", expected_version=application.version
    )

    assert approved.status == S.APPROVED
    assert approved.decided_by == manager
    assert manager.username in approved.decided_by_name
    assert approved.decided_at is not None
    event = approved.events.last()
    assert (event.kind, event.actor, event.comment) == ("approved", manager, "Bra")


def test_reject_needs_a_reason_and_changes_nothing_without_one(make_application, manager):
    application = make_application()

    with pytest.raises(ValidationError):
        application_reject(
            application=application,
            actor=manager,
            reason="  ",
            expected_version=application.version,
        )

    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    rejected = application_reject(
        application=application,
        actor=manager,
        reason="Verksamheten har redan en kanal.",
        expected_version=application.version,
    )
    assert rejected.status == S.REJECTED
    assert rejected.decision_comment == "Verksamheten har redan en kanal."


def test_returned_application_can_be_edited_and_submitted_again(
    make_application, manager, employee
):
    application = make_application()
    with pytest.raises(ValidationError):
        application_return(
            application=application, actor=manager, comment="", expected_version=application.version
        )
    returned = application_return(
        application=application,
        actor=manager,
        comment="Ange en funktionsbrevlåda.",
        expected_version=application.version,
    )
    assert returned.status == S.RETURNED

    data = application_data(
        unit=returned.unit,
        platform=returned.platform,
        address=returned.address,
        purpose="Service till låntagare.",
    )
    again = application_update(
        application=returned,
        actor=employee,
        data=data,
        contacts=contacts_for(employee),
        expected_version=returned.version,
        submit=True,
    )

    assert again.status == S.SUBMITTED
    assert again.purpose == "Service till låntagare."
    edited = again.events.get(kind="edited")
    assert edited.changes["purpose"][1] == "Service till låntagare."


@pytest.mark.parametrize("final", ["approve", "reject"])
def test_a_decided_application_cannot_be_changed(make_application, manager, employee, final):
    application = make_application()
    if final == "approve":
        application = application_approve(
            application=application, actor=manager, expected_version=application.version
        )
    else:
        application = application_reject(
            application=application,
            actor=manager,
            reason="Nej",
            expected_version=application.version,
        )
    before = ChannelApplication.objects.get(pk=application.pk)

    with pytest.raises(ValidationError):
        application_update(
            application=application,
            actor=employee,
            data={"purpose": "Nytt syfte"},
            contacts=contacts_for(employee),
            expected_version=application.version,
        )
    with pytest.raises(TransitionNotAllowed):
        application_submit(
            application=application, actor=employee, expected_version=application.version
        )

    after = ChannelApplication.objects.get(pk=application.pk)
    assert (after.purpose, after.status, after.version) == (
        before.purpose,
        before.status,
        before.version,
    )


def test_approving_twice_is_refused_and_changes_nothing(make_application, manager):
    application = make_application()
    approved = application_approve(
        application=application, actor=manager, expected_version=application.version
    )
    events = approved.events.count()

    with pytest.raises(TransitionNotAllowed, match="Godkänd"):
        application_approve(application=approved, actor=manager, expected_version=approved.version)

    assert approved.events.count() == events


def test_approving_a_draft_is_refused(make_application, manager):
    draft = make_application(submit=False)
    with pytest.raises(TransitionNotAllowed):
        application_approve(application=draft, actor=manager, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_a_stale_decision_is_refused(make_application, manager, unit):
    second_manager = UserFactory(roles=[roles.MANAGER])
    unit.managers.add(second_manager)
    application = make_application()
    seen_version = application.version
    application_return(
        application=application,
        actor=second_manager,
        comment="Ändra",
        expected_version=seen_version,
    )

    with pytest.raises(StaleVersion):
        application_approve(application=application, actor=manager, expected_version=seen_version)

    application.refresh_from_db()
    assert application.status == S.RETURNED
    assert application.decided_by == second_manager


def test_nobody_decides_their_own_application(unit, manager, facebook):
    from channels.services.applications import application_create

    own = application_create(
        applicant=manager,
        data=application_data(unit=unit, platform=facebook),
        contacts=contacts_for(manager),
        submit=True,
    )
    with pytest.raises(NotPermitted):
        application_approve(application=own, actor=manager, expected_version=own.version)
    own.refresh_from_db()
    assert own.status == S.SUBMITTED


def test_a_manager_of_another_unit_cannot_decide(make_application, other_manager, other_unit):
    application = make_application()
    with pytest.raises(NotPermitted):
        application_approve(
            application=application, actor=other_manager, expected_version=application.version
        )
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_the_parent_units_manager_decides_when_the_unit_has_none(employee, facebook, manager, unit):
    child = UnitFactory(name="Filialen", slug="filialen", parent=unit)
    from channels.services.applications import application_create

    application = application_create(
        applicant=employee,
        data=application_data(unit=child, platform=facebook),
        contacts=contacts_for(employee),
        submit=True,
    )
    approved = application_approve(
        application=application, actor=manager, expected_version=application.version
    )
    assert approved.status == S.APPROVED


def test_submitting_needs_the_guidelines_box(make_application, employee):
    draft = make_application(submit=False, guidelines_read=False)
    with pytest.raises(ValidationError) as error:
        application_submit(application=draft, actor=employee, expected_version=draft.version)
    assert "guidelines_read" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_one_open_application_per_normalised_address(make_application, other_employee):
    make_application(address="https://www.facebook.com/Smedjebacken/")
    with pytest.raises(ValidationError) as error:
        make_application(applicant=other_employee, address="facebook.com/smedjebacken")
    assert "address" in error.value.message_dict
    assert ChannelApplication.objects.count() == 1


def test_a_rejected_application_frees_the_address(make_application, manager, other_employee):
    first = make_application(address="facebook.com/biblioteket")
    application_reject(
        application=first, actor=manager, reason="Nej", expected_version=first.version
    )

    second = make_application(applicant=other_employee, address="https://facebook.com/Biblioteket")

    assert second.status == S.SUBMITTED


def test_a_registered_channel_blocks_a_new_application(
    make_channel, other_employee, make_application
):
    make_channel(address="https://www.facebook.com/fritid")
    with pytest.raises(ValidationError):
        make_application(applicant=other_employee, address="fb.com/fritid")


# --- E-mail -------------------------------------------------------------------


def test_submission_mails_the_units_managers_with_a_link(
    make_application, manager, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://sociala.example.se"
    with django_capture_on_commit_callbacks(execute=True):
        application = make_application()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [manager.email]
    assert "väntar på ditt beslut" in message.subject
    assert f"https://sociala.example.se/ansokningar/{application.pk}/" in message.body


def test_submission_mails_the_parent_units_managers_when_the_unit_has_none(
    employee, facebook, manager, unit, django_capture_on_commit_callbacks
):
    from channels.services.applications import application_create

    child = UnitFactory(name="Filialen", slug="filialen", parent=unit)
    with django_capture_on_commit_callbacks(execute=True):
        application_create(
            applicant=employee,
            data=application_data(unit=child, platform=facebook),
            contacts=contacts_for(employee),
            submit=True,
        )
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_approval_mails_the_applicant_and_every_communicator(
    make_application, manager, employee, communicator, django_capture_on_commit_callbacks
):
    second_communicator = UserFactory(roles=[roles.COMMUNICATOR])
    application = make_application()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        application_approve(
            application=application, actor=manager, expected_version=application.version
        )

    recipients = sorted(tuple(m.to) for m in mail.outbox)
    assert recipients == sorted(
        [(employee.email,), tuple(sorted([communicator.email, second_communicator.email]))]
    )
    to_applicant = next(m for m in mail.outbox if m.to == [employee.email])
    assert "Godkänd" in to_applicant.subject
    to_communicators = next(m for m in mail.outbox if m.to != [employee.email])
    assert "/ansokningar/att-registrera/" in to_communicators.body


def test_rejection_mails_the_reason_to_the_applicant_only(
    make_application, manager, employee, communicator, django_capture_on_commit_callbacks
):
    application = make_application()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_reject(
            application=application,
            actor=manager,
            reason="Finns redan.",
            expected_version=application.version,
        )
    assert [m.to for m in mail.outbox] == [[employee.email]]
    assert "Finns redan." in mail.outbox[0].body


def test_a_notification_task_delivered_twice_sends_once(make_application):
    application = make_application()
    event = application.events.get(kind=ApplicationEvent.Kind.SUBMITTED)

    assert application_event_notify_task(event.pk) == 1
    assert application_event_notify_task(event.pk) == 0
    assert len(mail.outbox) == 1
