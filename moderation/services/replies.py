"""Reply templates: approved texts kept by the communicator, picked and edited by handlers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.services.common import lock
from core.exceptions import NotPermitted
from moderation import permissions
from moderation.models import AuditEvent, ReplyTemplate

FIELDS = ("title", "purpose", "text", "active", "position")


def _check(actor):
    if not (permissions.user_can_manage_reply_templates(actor) or actor.is_superuser):
        raise NotPermitted(_("Only a communicator can maintain the reply templates."))


@transaction.atomic
def reply_template_create(*, actor, data: dict) -> ReplyTemplate:
    _check(actor)
    template = ReplyTemplate(
        **{key: data[key] for key in FIELDS if key in data}, created_by=actor, updated_by=actor
    )
    template.full_clean()
    template.save()
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.REPLY_TEMPLATE_CREATED,
        reply_template=template,
        changes={key: getattr(template, key) for key in FIELDS},
    )
    return template


@transaction.atomic
def reply_template_update(*, template: ReplyTemplate, actor, data: dict) -> ReplyTemplate:
    _check(actor)
    template = lock(ReplyTemplate, template.pk)
    changes = {}
    for key in FIELDS:
        if key in data and data[key] != getattr(template, key):
            changes[key] = [getattr(template, key), data[key]]
            setattr(template, key, data[key])
    if not changes:
        return template
    template.updated_at = timezone.now()
    template.updated_by = actor
    template.full_clean()
    template.save(update_fields=[*changes, "updated_at", "updated_by"])
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.REPLY_TEMPLATE_CHANGED,
        reply_template=template,
        changes=changes,
    )
    return template
