"""The communicator's handling of events that did not become items."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.services.common import lock
from core.exceptions import NotPermitted, TransitionNotAllowed
from moderation import permissions
from moderation.models import AuditEvent, UnhandledEvent


@transaction.atomic
def unhandled_event_resolve(*, event: UnhandledEvent, actor) -> UnhandledEvent:
    """Mark an unhandled event as handled (e.g. the account was registered, or it needs nothing)."""
    if not permissions.user_can_resolve_unhandled_event(actor, event):
        raise NotPermitted(_("Only communicators can do that."))
    event = lock(UnhandledEvent, event.pk)
    if event.resolved_at is not None:
        raise TransitionNotAllowed(_("This event is already marked as handled."))
    event.resolved_at = timezone.now()
    event.resolved_by = actor
    event.save(update_fields=["resolved_at", "resolved_by"])
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.UNHANDLED_RESOLVED,
        unhandled_event=event,
        changes={"resolved_at": event.resolved_at},
    )
    return event
