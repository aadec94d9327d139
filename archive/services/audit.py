"""The archive's audit rows: one per change a person (or the scheduler) makes."""

from archive.models import AccessLog, AuditEntry


def audit(*, actor, event: str, target, changes: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        event=event,
        target_type=target._meta.model_name,
        target_id=target.pk,
        changes=changes or {},
    )


def access_log(*, user, action: str, record_ids, request=None, detail: str = "") -> AccessLog:
    """Record that `user` saw or exported the records (ids in the order shown)."""
    return AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        record_ids=[int(pk) for pk in record_ids],
        request=request,
        detail=detail[:500],
    )
