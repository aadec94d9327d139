"""Ingestion API tokens: created and revoked by administrators, stored hashed.

The plain token is generated here, handed back once to be shown to the
administrator, and never stored: only its SHA-256 and its first characters
(so that people can tell tokens apart) are kept.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.services.common import lock
from core.exceptions import TransitionNotAllowed
from moderation.models import AuditEvent, IngestToken
from moderation.models.tokens import TOKEN_PREFIX_LENGTH, hash_token

TOKEN_BYTES = 32
# `last_used_at` is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _channel_ids(channels) -> list[int]:
    return sorted(channel.pk for channel in channels)


@transaction.atomic
def ingest_token_create(*, name: str, channels, actor) -> tuple[IngestToken, str]:
    """Create a token for `channels`; returns (token, plain token to show once)."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    token = IngestToken(
        name=name.strip(),
        token_hash=hash_token(plain),
        prefix=plain[:TOKEN_PREFIX_LENGTH],
        created_by=actor,
    )
    token.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=False)
    token.save()
    channels = list(channels)
    token.channels.set(channels)
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.TOKEN_CREATED,
        token=token,
        changes={"name": token.name, "channels": _channel_ids(channels)},
    )
    return token, plain


@transaction.atomic
def ingest_token_update(*, token: IngestToken, name: str, channels, actor) -> IngestToken:
    """Rename a token or change the channels it may deliver to."""
    token = lock(IngestToken, token.pk)
    channels = list(channels)
    before = {"name": token.name, "channels": _channel_ids(token.channels.all())}
    after = {"name": name.strip(), "channels": _channel_ids(channels)}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changes:
        return token
    token.name = after["name"]
    token.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=False)
    token.save(update_fields=["name"])
    token.channels.set(channels)
    AuditEvent.objects.create(
        actor=actor, kind=AuditEvent.Kind.TOKEN_CHANGED, token=token, changes=changes
    )
    return token


@transaction.atomic
def ingest_token_revoke(*, token: IngestToken, actor) -> IngestToken:
    """Revoke a token: from now on it answers 401. It is kept for the record."""
    token = lock(IngestToken, token.pk)
    if token.revoked_at is not None:
        raise TransitionNotAllowed(_("The token is already revoked."))
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.TOKEN_REVOKED,
        token=token,
        changes={"revoked_at": token.revoked_at},
    )
    return token


def ingest_token_find(plain: str) -> IngestToken | None:
    """The token (revoked or not) whose hash matches `plain`, or None."""
    if not plain:
        return None
    return IngestToken.objects.filter(token_hash=hash_token(plain)).first()


def ingest_token_touch(*, token: IngestToken) -> None:
    """Note that the token was used; one write per token and minute at most."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    IngestToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
