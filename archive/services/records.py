"""Writing records and their annotations.

`record_create` is the only way a record comes into existence. It is meant to
be called inside the caller's transaction (the moderation queue removes an
item in the same `transaction.atomic` block): when it raises, the caller's
transaction rolls back and nothing is removed. Appends to the hash chain are
serialised by locking the single `ChainHead` row, so two concurrent calls can
never chain to the same predecessor.
"""

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive.chain import fields_of, record_hash
from archive.models import ChainHead, Record, RecordAnnotation, RecordType
from archive.services.audit import audit
from core.exceptions import ServiceError
from core.storable import without_unstorable

CHAIN = "records"

# Keys whose string values are a record's readable text, when the content has
# no top-level "text" or "versions" (e.g. a raw platform payload only).
TEXT_KEYS = frozenset({"text", "message", "body", "caption", "content", "summary"})


def extract_text(content: dict) -> str:
    """The readable text of captured content: the text of every version, in order."""
    texts: list[str] = []

    def add(value):
        if isinstance(value, str) and value.strip() and value not in texts:
            texts.append(value)

    add(content.get("text"))
    for version in content.get("versions") or ():
        if isinstance(version, dict):
            add(version.get("text"))
    if not texts:

        def walk(value):
            if isinstance(value, dict):
                for key, inner in value.items():
                    if key in TEXT_KEYS and isinstance(inner, str):
                        add(inner)
                    else:
                        walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)

        walk(content)
    return "\n\n".join(texts)


def _normalised_content(content) -> dict:
    if not isinstance(content, dict):
        raise ServiceError(_("The captured content must be a JSON object."))
    try:
        # Datetimes, UUIDs and decimals become strings here, exactly as stored.
        serialised = json.dumps(content, cls=DjangoJSONEncoder, allow_nan=False)
        # PostgreSQL's jsonb cannot hold U+0000 or lone surrogates; keep the rest.
        return without_unstorable(json.loads(serialised))
    except (TypeError, ValueError) as error:
        raise ServiceError(
            _("The captured content cannot be stored as JSON: %(error)s") % {"error": error}
        ) from error


def _aware(value, name):
    if value is None:
        return None
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        raise ServiceError(_("%(name)s must be a timezone-aware time.") % {"name": name})
    return value


def _lock_chain_head() -> ChainHead:
    """The chain head, locked until the end of the current transaction."""
    if connection.vendor == "sqlite":
        # SQLite has no row locks: a write takes the database's write lock at
        # once, so a concurrent appender waits here instead of reading the
        # same head and failing on the unique sequence later.
        ChainHead.objects.filter(name=CHAIN).update(name=CHAIN)
    head = ChainHead.objects.select_for_update().filter(name=CHAIN).first()
    if head is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(name=CHAIN)
        except IntegrityError:
            pass  # Another transaction created it first.
        head = ChainHead.objects.select_for_update().get(name=CHAIN)
    return head


def record_create(
    *,
    record_type: str,
    channel,
    content: dict,
    sender_id: str = "",
    sender_name: str = "",
    platform_created_at=None,
    received_at=None,
    acted_at=None,
    action: str = "",
    rules=(),
    actor=None,
    item_id: int | None = None,
    registration_number: str = "",
    description: str = "",
) -> Record:
    """Archive a record and append it to the hash chain.

    Raises `ServiceError` on invalid input; runs in (a savepoint of) the
    caller's transaction, so a failure leaves the caller free to roll back.
    """
    if record_type not in RecordType.values:
        raise ServiceError(_("Unknown record type: %(type)s") % {"type": record_type})
    if channel is None or channel.pk is None:
        raise ServiceError(_("A record needs the channel it came from."))
    content = _normalised_content(content)
    rules = [str(rule) for rule in (rules or ())]
    acted_at = _aware(acted_at, "acted_at") or timezone.now()
    record = Record(
        record_type=record_type,
        channel=channel,
        unit_id=channel.unit_id,
        content=content,
        text=extract_text(content),
        sender_id=str(sender_id or "")[:300],
        sender_name=str(sender_name or "")[:300],
        platform_created_at=_aware(platform_created_at, "platform_created_at"),
        received_at=_aware(received_at, "received_at"),
        acted_at=acted_at,
        action=action or "",
        rules=rules,
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        item_id=int(item_id) if item_id is not None else None,
        registration_number=(registration_number or "").strip(),
        description=(description or "").strip(),
    )
    with transaction.atomic():
        head = _lock_chain_head()
        record.sequence = head.sequence + 1
        record.previous_hash = head.hash
        record.archived_at = timezone.now()
        try:
            # Foreign keys and uniqueness are the database's job; this checks lengths.
            record.full_clean(
                exclude=["channel", "unit", "actor", "hash"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            raise ServiceError("; ".join(error.messages)) from error
        record.hash = record_hash(fields_of(record))
        record.save()
        head.sequence = record.sequence
        head.hash = record.hash
        head.save(update_fields=["sequence", "hash", "updated_at"])
    return record


def record_set_registration_number(
    *, record: Record, actor, registration_number: str, comment: str = ""
) -> RecordAnnotation:
    """Correct or add the registration number (diarienummer) as an annotation."""
    number = (registration_number or "").strip()
    if not number:
        raise ServiceError(_("Enter the registration number."))
    with transaction.atomic():
        previous = record.current_registration_number
        annotation = RecordAnnotation.objects.create(
            record=record,
            kind=RecordAnnotation.Kind.REGISTRATION_NUMBER,
            registration_number=number[:100],
            comment=comment,
            created_by=actor,
        )
        audit(
            actor=actor,
            event="registration_number_set",
            target=record,
            changes={"registration_number": [previous, annotation.registration_number]},
        )
    return annotation


def record_set_confidentiality(
    *, record: Record, actor, confidential: bool, legal_basis: str = "", comment: str = ""
) -> RecordAnnotation:
    """Mark a record confidential (with its OSL provision) or lift the marking."""
    legal_basis = (legal_basis or "").strip()
    if confidential and not legal_basis:
        raise ServiceError(
            _("State the legal basis (chapter and section of OSL) for the confidentiality.")
        )
    with transaction.atomic():
        previous = record.current_confidentiality
        annotation = RecordAnnotation.objects.create(
            record=record,
            kind=RecordAnnotation.Kind.CONFIDENTIALITY,
            confidential=confidential,
            legal_basis=legal_basis[:200],
            comment=comment,
            created_by=actor,
        )
        audit(
            actor=actor,
            event="confidentiality_set",
            target=record,
            changes={"confidentiality": [list(previous), [confidential, legal_basis]]},
        )
    return annotation


def record_add_note(*, record: Record, actor, comment: str) -> RecordAnnotation:
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError(_("Write the note."))
    with transaction.atomic():
        annotation = RecordAnnotation.objects.create(
            record=record, kind=RecordAnnotation.Kind.NOTE, comment=comment, created_by=actor
        )
        audit(actor=actor, event="note_added", target=record, changes={"note": comment})
    return annotation
