"""Absences (frånvaro) and substitutes (ersättare).

"Vid befattningshavares frånvaro ska ersättare finnas utsedd": a handler
records a period and names a substitute among the handlers of their channels
or the communicators. During the period the substitute works the absent
handler's queue (moderation.selectors follows chains of substitutes). An
absence may be recorded without a substitute; the communicators then see the
channels that have nobody.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel
from channels.services.common import lock
from core import roles
from core.exceptions import NotPermitted, TransitionNotAllowed
from moderation import permissions
from moderation.models import Absence, AuditEvent

NOTE_MAX_LENGTH = 200


def substitute_candidates(user):
    """Who may substitute for `user`: the other handlers of their channels, and communicators."""
    User = get_user_model()
    channels = Channel.objects.not_closed().handled_by(user)
    return (
        User.objects.filter(
            Q(handled_channels__in=channels) | Q(groups__name=roles.COMMUNICATOR), is_active=True
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def absence_create(*, user, actor, starts_at, ends_at, substitute=None, note: str = "") -> Absence:
    """Record that `user` is away from `starts_at` until `ends_at`, covered by `substitute`."""
    if actor.pk != user.pk and not roles.is_communicator(actor):
        raise NotPermitted(_("You can only record your own absence."))
    if not permissions.user_can_record_absence(user):
        raise NotPermitted(_("Absences are recorded by those who handle channels."))
    errors = {}
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = _("The absence must end after it starts.")
    elif ends_at <= timezone.now():
        errors["ends_at"] = _("The absence has already ended.")
    if substitute is not None and not substitute_candidates(user).filter(pk=substitute.pk).exists():
        errors["substitute"] = _(
            "The substitute must handle one of your channels or be a communicator."
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("At most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    # Rows of the user's absences are locked so that two overlapping ones cannot race in.
    mine = Absence.objects.select_for_update().current().filter(user=user)
    if mine.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError(
            {"starts_at": _("You already have an absence recorded in this period.")}
        )
    absence = Absence.objects.create(
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        substitute=substitute,
        note=note,
        created_by=actor,
    )
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.ABSENCE_RECORDED,
        absence=absence,
        changes={
            "user": user.pk,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "substitute": substitute.pk if substitute else None,
        },
    )
    return absence


@transaction.atomic
def absence_end(*, absence: Absence, actor) -> Absence:
    """End an absence now (back early) or cancel one that has not started."""
    absence = lock(Absence, absence.pk)
    if not permissions.user_can_end_absence(actor, absence):
        raise NotPermitted(_("You can only end your own absences."))
    now = timezone.now()
    if absence.cancelled_at is not None or absence.ends_at <= now:
        raise TransitionNotAllowed(_("The absence has already ended."))
    if absence.starts_at > now:
        absence.cancelled_at = now
        absence.cancelled_by = actor
        absence.save(update_fields=["cancelled_at", "cancelled_by"])
        changes = {"cancelled_at": [None, now]}
    else:
        changes = {"ends_at": [absence.ends_at, now]}
        absence.ends_at = now
        absence.save(update_fields=["ends_at"])
    AuditEvent.objects.create(
        actor=actor, kind=AuditEvent.Kind.ABSENCE_ENDED, absence=absence, changes=changes
    )
    return absence
