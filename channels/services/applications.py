"""Writes of channel applications: one service per edge of the workflow.

    draft → submitted → approved | rejected | returned (→ submitted again)

Each service locks the row, refuses a stale version or a transition that the
table below does not allow (changing nothing), records who and when, writes
an ApplicationEvent in the same transaction, and queues its e-mail after
commit.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.addresses import normalize
from channels.models import (
    ApplicationContact,
    ApplicationEvent,
    ApplicationStatus,
    Channel,
    ChannelApplication,
    ContactRole,
)
from channels.permissions import user_can_decide_application
from channels.services.common import check_transition, check_version, lock, on_commit_delay
from channels.services.renotify import NOTIFIED_APPLICATION_KINDS
from core.audit import changes_between
from core.exceptions import NotPermitted

S = ApplicationStatus

# action: (statuses it may start from, status it leads to)
TRANSITIONS = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED),
    "approve": ({S.SUBMITTED}, S.APPROVED),
    "reject": ({S.SUBMITTED}, S.REJECTED),
    "return": ({S.SUBMITTED}, S.RETURNED),
}

APPLICATION_FIELDS = ("unit", "platform", "address", "purpose", "target_group", "guidelines_read")


@dataclass(frozen=True)
class ContactData:
    role: str
    position: int
    name: str
    phone: str = ""
    email: str = ""


def address_conflict(*, normalized: str, exclude_application=None) -> str | None:
    """Why this address cannot be applied for, or None when it is free."""
    if not normalized:
        return None
    applications = ChannelApplication.objects.open().filter(normalized_address=normalized)
    if exclude_application is not None:
        applications = applications.exclude(pk=exclude_application.pk)
    if Channel.objects.not_closed().filter(normalized_address=normalized).exists():
        return _("This account is already registered as an official channel.")
    if applications.exists():
        return _("There is already an open application for this account.")
    return None


def _check_complete_for_submission(application, contacts):
    errors = {}
    if not application.guidelines_read:
        errors["guidelines_read"] = _("You must confirm that you have read the guidelines.")
    if not application.purpose.strip():
        errors["purpose"] = _("Describe the purpose.")
    if not application.target_group.strip():
        errors["target_group"] = _("Describe the target group.")
    roles = {contact.role for contact in contacts}
    if ContactRole.RESPONSIBLE not in roles:
        errors["responsible_1_name"] = _("Name at least one person responsible for the channel.")
    if ContactRole.OPERATOR not in roles:
        errors["operator_1_name"] = _("Name at least one person who runs the channel.")
    if errors:
        raise ValidationError(errors)


def _save_contacts(application, contacts):
    application.contacts.all().delete()
    ApplicationContact.objects.bulk_create(
        [
            ApplicationContact(
                application=application,
                role=c.role,
                position=c.position,
                name=c.name,
                phone=c.phone,
                email=c.email,
            )
            for c in contacts
        ]
    )


def _snapshot(application, contacts=None):
    data = {
        "unit": application.unit.name,
        "platform": application.platform.name,
        "address": application.address,
        "purpose": application.purpose,
        "target_group": application.target_group,
        "guidelines_read": application.guidelines_read,
    }
    if contacts is not None:
        data["contacts"] = [
            {"role": c.role, "name": c.name, "phone": c.phone, "email": c.email} for c in contacts
        ]
    return data


def _record(application, *, actor, kind, from_status="", comment="", changes=None):
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=application.status,
        comment=comment,
        changes=changes or {},
    )
    from channels.tasks import application_event_notify_task

    if kind in NOTIFIED_APPLICATION_KINDS:
        on_commit_delay(application_event_notify_task, event.pk)
    return event


def _save_checked(application, update_fields=None):
    application.normalized_address = normalize(application.address, application.platform.kind)
    # The address constraint was checked with a readable message already; the
    # database enforces the constraints as the last word.
    application.full_clean(exclude=["applicant", "decided_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            application.save(update_fields=update_fields)
    except IntegrityError as error:
        # Another application for the same address was saved a moment ago.
        raise ValidationError(
            {"address": _("There is already an open application for this account.")}
        ) from error


@transaction.atomic
def application_create(
    *, applicant, data: dict, contacts: list[ContactData], submit: bool = False
) -> ChannelApplication:
    application = ChannelApplication(
        applicant=applicant, **{k: data[k] for k in APPLICATION_FIELDS if k in data}
    )
    conflict = address_conflict(
        normalized=normalize(application.address, application.platform.kind)
    )
    if conflict:
        raise ValidationError({"address": conflict})
    if submit:
        _check_complete_for_submission(application, contacts)
    _save_checked(application)
    _save_contacts(application, contacts)
    _record(
        application,
        actor=applicant,
        kind=ApplicationEvent.Kind.CREATED,
        changes=_snapshot(application, contacts),
    )
    if submit:
        application = application_submit(
            application=application, actor=applicant, expected_version=application.version
        )
    return application


@transaction.atomic
def application_update(
    *,
    application: ChannelApplication,
    actor,
    data: dict,
    contacts: list[ContactData],
    expected_version: int | None,
    submit: bool = False,
) -> ChannelApplication:
    application = lock(ChannelApplication, application.pk)
    check_version(application, expected_version)
    if actor.pk != application.applicant_id:
        raise NotPermitted(_("Only the applicant can change the application."))
    if not application.is_editable:
        raise ValidationError(
            _("The application can no longer be changed: it is “%(status)s”.")
            % {"status": application.get_status_display()}
        )
    before = _snapshot(application, list(application.contacts.all()))
    for key in APPLICATION_FIELDS:
        if key in data:
            setattr(application, key, data[key])
    conflict = address_conflict(
        normalized=normalize(application.address, application.platform.kind),
        exclude_application=application,
    )
    if conflict:
        raise ValidationError({"address": conflict})
    if submit:
        _check_complete_for_submission(application, contacts)
    application.version += 1
    _save_checked(application)
    _save_contacts(application, contacts)
    changes = changes_between(before, _snapshot(application, contacts))
    _record(application, actor=actor, kind=ApplicationEvent.Kind.EDITED, changes=changes)
    if submit:
        application = application_submit(
            application=application, actor=actor, expected_version=application.version
        )
    return application


@transaction.atomic
def application_submit(*, application, actor, expected_version) -> ChannelApplication:
    application = lock(ChannelApplication, application.pk)
    check_version(application, expected_version)
    if actor.pk != application.applicant_id:
        raise NotPermitted(_("Only the applicant can submit the application."))
    from_status = application.status
    target = check_transition(TRANSITIONS, "submit", application)
    _check_complete_for_submission(application, list(application.contacts.all()))
    application.status = target
    application.submitted_at = timezone.now()
    application.version += 1
    application.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    _record(application, actor=actor, kind=ApplicationEvent.Kind.SUBMITTED, from_status=from_status)
    return application


def _decide(*, application, actor, action, kind, comment, expected_version):
    application = lock(ChannelApplication, application.pk)
    check_version(application, expected_version)
    if application.applicant_id == actor.pk:
        raise NotPermitted(_("Nobody can decide their own application."))
    from_status = application.status
    target = check_transition(TRANSITIONS, action, application)
    if not user_can_decide_application(actor, application):
        raise NotPermitted(_("Only a manager of the unit can decide this application."))
    application.status = target
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decided_by_name = f"{actor.get_full_name() or actor.username} ({actor.username})"
    application.decision_comment = comment
    application.version += 1
    application.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decided_by_name",
            "decision_comment",
            "version",
            "updated_at",
        ]
    )
    _record(application, actor=actor, kind=kind, from_status=from_status, comment=comment)
    return application


@transaction.atomic
def application_approve(*, application, actor, comment: str = "", expected_version):
    return _decide(
        application=application,
        actor=actor,
        action="approve",
        kind=ApplicationEvent.Kind.APPROVED,
        comment=comment.strip(),
        expected_version=expected_version,
    )


@transaction.atomic
def application_reject(*, application, actor, reason: str, expected_version):
    if not reason.strip():
        raise ValidationError({"comment": _("Give a reason for the rejection.")})
    return _decide(
        application=application,
        actor=actor,
        action="reject",
        kind=ApplicationEvent.Kind.REJECTED,
        comment=reason.strip(),
        expected_version=expected_version,
    )


@transaction.atomic
def application_return(*, application, actor, comment: str, expected_version):
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should be changed.")})
    return _decide(
        application=application,
        actor=actor,
        action="return",
        kind=ApplicationEvent.Kind.RETURNED,
        comment=comment.strip(),
        expected_version=expected_version,
    )


@transaction.atomic
def application_delete_draft(*, application, actor, expected_version):
    application = lock(ChannelApplication, application.pk)
    check_version(application, expected_version)
    if actor.pk != application.applicant_id or application.status != S.DRAFT:
        raise NotPermitted(_("Only the applicant can delete a draft."))
    application.delete()
