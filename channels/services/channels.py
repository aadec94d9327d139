"""Writes of the register of official channels.

    registered (not public) → published → closed
            ↑______unpublish_____|

Every change writes a ChannelEvent in the same transaction: the channel's
history, and, where it touches the public register, the public change feed.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.addresses import normalize
from channels.models import (
    ApplicationEvent,
    ApplicationStatus,
    Channel,
    ChannelApplication,
    ChannelContact,
    ChannelEvent,
    ChannelStatus,
)
from channels.services.common import check_transition, check_version, lock, on_commit_delay
from core.audit import changes_between
from core.exceptions import NotPermitted, TransitionNotAllowed

S = ChannelStatus

TRANSITIONS = {
    "publish": ({S.REGISTERED}, S.PUBLISHED),
    "unpublish": ({S.PUBLISHED}, S.REGISTERED),
    "close": ({S.REGISTERED, S.PUBLISHED}, S.CLOSED),
}

# Fields a communicator edits; the public ones change what citizens see.
EDITABLE_FIELDS = (
    "display_name",
    "unit",
    "platform",
    "address",
    "account_id",
    "purpose",
    "target_group",
    "public_email",
    "public_phone",
    "response_target",
)
PUBLIC_FIELDS = (
    "display_name",
    "unit",
    "platform",
    "address",
    "purpose",
    "target_group",
    "public_email",
    "public_phone",
)


def _value(channel, field):
    value = getattr(channel, field)
    return str(value) if hasattr(value, "pk") else value


def _record(channel, *, actor, kind, comment="", changes=None, public=False):
    return ChannelEvent.objects.create(
        channel=channel,
        actor=actor,
        kind=kind,
        comment=comment,
        changes=changes or {},
        public=public,
    )


def handlers_matching_contacts(contacts):
    """Active users whose e-mail matches a responsible person or operator."""
    emails = {c.email.strip().lower() for c in contacts if c.email.strip()}
    if not emails:
        return []
    matches = Q()
    for email in emails:
        matches |= Q(email__iexact=email)
    return list(get_user_model().objects.filter(matches, is_active=True))


def _check_manager_of_register(actor):
    """Register, edit, publish, unpublish, close and set handlers: communicators only."""
    from channels.permissions import user_can_register_channels

    if not user_can_register_channels(actor):
        raise NotPermitted(_("Only a communicator can change the register."))


def _save_checked(channel, update_fields=None):
    channel.normalized_address = normalize(channel.address, channel.platform.kind)
    if not channel.normalized_address:
        raise ValidationError({"address": _("This is not an address that can be registered.")})
    # Constraints are checked below with a message a person understands, and
    # by the database as the last word.
    channel.full_clean(
        exclude=["registered_by", "application", "closed_by"], validate_constraints=False
    )
    duplicate = (
        Channel.objects.not_closed()
        .filter(normalized_address=channel.normalized_address)
        .exclude(pk=channel.pk)
    )
    if channel.status != S.CLOSED and duplicate.exists():
        raise ValidationError(
            {"address": _("This account is already registered as an official channel.")}
        )
    try:
        with transaction.atomic():
            channel.save(update_fields=update_fields)
    except IntegrityError as error:
        raise ValidationError(
            {"address": _("This account is already registered as an official channel.")}
        ) from error


@transaction.atomic
def channel_register(*, application: ChannelApplication, actor, data: dict) -> Channel:
    """Turn an approved application into a registered (not yet public) channel.

    `data` may override what the application said (display name, public
    contact, account id …); the contacts are copied and the users whose
    e-mail matches them become the channel's handlers.
    """
    _check_manager_of_register(actor)
    application = lock(ChannelApplication, application.pk)
    if application.status != ApplicationStatus.APPROVED or application.registered_at:
        raise TransitionNotAllowed(_("Only an approved application can be registered, once."))
    channel = Channel(
        application=application,
        unit=data.get("unit", application.unit),
        platform=data.get("platform", application.platform),
        address=data.get("address", application.address),
        display_name=data.get("display_name", ""),
        account_id=data.get("account_id", ""),
        purpose=data.get("purpose", application.purpose),
        target_group=data.get("target_group", application.target_group),
        public_email=data.get("public_email", ""),
        public_phone=data.get("public_phone", ""),
        registered_by=actor,
    )
    _save_checked(channel)
    contacts = list(application.contacts.all())
    ChannelContact.objects.bulk_create(
        [
            ChannelContact(
                channel=channel,
                role=c.role,
                position=c.position,
                name=c.name,
                phone=c.phone,
                email=c.email,
            )
            for c in contacts
        ]
    )
    handlers = handlers_matching_contacts(contacts)
    channel.handlers.set(handlers)
    application.registered_at = timezone.now()
    application.version += 1
    application.save(update_fields=["registered_at", "version", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        kind=ApplicationEvent.Kind.REGISTERED,
        from_status=application.status,
        to_status=application.status,
        changes={"channel": channel.pk},
    )
    _record(
        channel,
        actor=actor,
        kind=ChannelEvent.Kind.REGISTERED,
        changes={
            "address": channel.address,
            "handlers": sorted(u.username for u in handlers),
        },
    )
    return channel


@transaction.atomic
def channel_update(*, channel: Channel, actor, data: dict, expected_version) -> Channel:
    _check_manager_of_register(actor)
    channel = lock(Channel, channel.pk)
    check_version(channel, expected_version)
    if channel.status == S.CLOSED:
        raise TransitionNotAllowed(_("A closed channel cannot be changed."))
    before = {field: _value(channel, field) for field in EDITABLE_FIELDS}
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(channel, field, data[field])
    after = {field: _value(channel, field) for field in EDITABLE_FIELDS}
    changes = changes_between(before, after)
    if not changes:
        return channel
    channel.version += 1
    _save_checked(channel)
    public = channel.status == S.PUBLISHED and any(f in PUBLIC_FIELDS for f in changes)
    _record(channel, actor=actor, kind=ChannelEvent.Kind.UPDATED, changes=changes, public=public)
    return channel


def _transition(channel, *, actor, action, expected_version, comment=""):
    _check_manager_of_register(actor)
    channel = lock(Channel, channel.pk)
    check_version(channel, expected_version)
    check_transition(TRANSITIONS, action, channel)
    return channel


@transaction.atomic
def channel_publish(*, channel: Channel, actor, expected_version=None) -> Channel:
    channel = _transition(channel, actor=actor, action="publish", expected_version=expected_version)
    channel.status = S.PUBLISHED
    channel.published_at = timezone.now()
    if channel.last_confirmed_at is None:
        # Publishing is the first confirmation; the annual review counts from here.
        channel.last_confirmed_at, channel.last_confirmed_by = channel.published_at, actor
    channel.version += 1
    channel.save(
        update_fields=[
            "status",
            "published_at",
            "last_confirmed_at",
            "last_confirmed_by",
            "version",
            "updated_at",
        ]
    )
    _record(channel, actor=actor, kind=ChannelEvent.Kind.PUBLISHED, public=True)
    return channel


@transaction.atomic
def channel_unpublish(*, channel: Channel, actor, comment="", expected_version=None) -> Channel:
    channel = _transition(
        channel, actor=actor, action="unpublish", expected_version=expected_version
    )
    channel.status = S.REGISTERED
    channel.version += 1
    channel.save(update_fields=["status", "version", "updated_at"])
    _record(channel, actor=actor, kind=ChannelEvent.Kind.UNPUBLISHED, comment=comment, public=True)
    return channel


@transaction.atomic
def channel_report_closure(
    *, channel: Channel, actor, closure_date, reason: str = "", expected_version=None
) -> Channel:
    """The unit reports that the presence ends; a communicator confirms it."""
    channel = lock(Channel, channel.pk)
    check_version(channel, expected_version)
    if channel.status == S.CLOSED:
        raise TransitionNotAllowed(_("The channel is already closed."))
    from channels.permissions import user_can_report_closure

    if not user_can_report_closure(actor, channel):
        raise NotPermitted(_("Only the channel's handlers, managers or applicant can do that."))
    if closure_date is None:
        raise ValidationError({"closure_date": _("Give the date the presence ends.")})
    channel.closure_reported_at = timezone.now()
    channel.closure_reported_by = actor
    channel.closure_date = closure_date
    channel.closure_reason = reason.strip()
    channel.version += 1
    channel.save(
        update_fields=[
            "closure_reported_at",
            "closure_reported_by",
            "closure_date",
            "closure_reason",
            "version",
            "updated_at",
        ]
    )
    event = _record(
        channel,
        actor=actor,
        kind=ChannelEvent.Kind.CLOSURE_REPORTED,
        comment=channel.closure_reason,
        changes={"closure_date": closure_date.isoformat()},
    )
    from channels.tasks import channel_event_notify_task

    on_commit_delay(channel_event_notify_task, event.pk)
    return channel


@transaction.atomic
def channel_close(
    *, channel: Channel, actor, closure_date=None, reason: str = "", expected_version=None
) -> Channel:
    """Confirm (or record directly) that the channel is closed; it leaves the register."""
    channel = _transition(channel, actor=actor, action="close", expected_version=expected_version)
    was_public = channel.published_at is not None
    channel.status = S.CLOSED
    channel.closed_at = timezone.now()
    channel.closed_by = actor
    channel.closure_date = closure_date or channel.closure_date or timezone.localdate()
    if reason.strip():
        channel.closure_reason = reason.strip()
    channel.version += 1
    channel.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "closure_date",
            "closure_reason",
            "version",
            "updated_at",
        ]
    )
    _record(
        channel,
        actor=actor,
        kind=ChannelEvent.Kind.CLOSED,
        comment=channel.closure_reason,
        changes={"closure_date": channel.closure_date.isoformat()},
        public=was_public,
    )
    _archive_final_summary(channel, actor=actor)
    return channel


def _archive_final_summary(channel, *, actor):
    """Keep the closed channel's details and history as a public record."""
    from archive.models import RecordType
    from archive.services.records import record_create

    contacts = list(channel.contacts.all())
    events = list(channel.events.select_related("actor"))
    record_create(
        record_type=RecordType.CHANNEL_CLOSED,
        channel=channel,
        content={
            "channel": {
                "id": channel.pk,
                "name": channel.display_name,
                "platform": channel.platform.name,
                "address": channel.address,
                "normalized_address": channel.normalized_address,
                "account_id": channel.account_id,
                "unit": channel.unit.name,
                "purpose": channel.purpose,
                "target_group": channel.target_group,
                "public_email": channel.public_email,
                "public_phone": channel.public_phone,
                "registered_at": channel.registered_at.isoformat(),
                "published_at": channel.published_at.isoformat() if channel.published_at else None,
                "closure_date": channel.closure_date.isoformat(),
                "closure_reason": channel.closure_reason,
            },
            "contacts": [
                {"role": c.role, "name": c.name, "phone": c.phone, "email": c.email}
                for c in contacts
            ],
            "history": [
                {
                    "time": event.created_at.isoformat(),
                    "event": event.kind,
                    "actor": event.actor.get_username(),
                    "comment": event.comment,
                    "changes": event.changes,
                }
                for event in events
            ],
            "text": channel.closure_reason,
        },
        acted_at=channel.closed_at,
        action="close",
        actor=actor,
        description=_("Final summary of the closed channel %(name)s")
        % {"name": channel.display_name},
    )


@transaction.atomic
def channel_confirm_review(
    *, channel: Channel, actor, comment: str = "", expected_version=None
) -> Channel:
    """The annual review: the channel is still in use and its details are right.

    A person confirming what their page showed passes its version: the
    confirmation is refused when the details changed after the page was loaded.
    """
    from channels.permissions import user_can_confirm_review

    channel = lock(Channel, channel.pk)
    check_version(channel, expected_version)
    if channel.status != S.PUBLISHED:
        raise TransitionNotAllowed(_("Only a published channel is reviewed."))
    if not user_can_confirm_review(actor, channel):
        raise NotPermitted(_("Only the channel's handlers can confirm it."))
    channel.last_confirmed_at = timezone.now()
    channel.last_confirmed_by = actor
    channel.save(update_fields=["last_confirmed_at", "last_confirmed_by", "updated_at"])
    _record(channel, actor=actor, kind=ChannelEvent.Kind.CONFIRMED, comment=comment.strip())
    return channel


@transaction.atomic
def channel_set_handlers(*, channel: Channel, actor, handlers) -> Channel:
    _check_manager_of_register(actor)
    channel = lock(Channel, channel.pk)
    before = sorted(channel.handlers.values_list("username", flat=True))
    channel.handlers.set(handlers)
    after = sorted(u.username for u in handlers)
    if before != after:
        _record(
            channel,
            actor=actor,
            kind=ChannelEvent.Kind.HANDLERS_CHANGED,
            changes={"handlers": [before, after]},
        )
    return channel


@transaction.atomic
def channel_match_handlers(*, channel: Channel, actor) -> Channel:
    """Add the users whose e-mail matches a contact of the channel to its handlers.

    What `channel_register` does at registration, again: for contacts who got
    a user account later. Nobody is removed, so handlers chosen by hand stay.
    """
    from channels.permissions import user_can_set_handlers

    channel = lock(Channel, channel.pk)
    if not user_can_set_handlers(actor, channel):
        raise NotPermitted(_("Only a communicator can choose the channel's handlers."))
    wanted = {user.pk: user for user in channel.handlers.all()}
    for user in handlers_matching_contacts(list(channel.contacts.all())):
        wanted.setdefault(user.pk, user)
    return channel_set_handlers(channel=channel, actor=actor, handlers=list(wanted.values()))
