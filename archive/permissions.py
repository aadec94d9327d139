"""Who reaches the archive, and what they may do there.

Only Registrator (everything) and Kommunikatör (search and view records)
reach the archive; for everyone else every archive page answers 404, exactly
like a page that does not exist. The roles hold these as model permissions
(core.roles): ``archive.search_record`` to search and view records,
``archive.manage_archive`` for requests, annotations, holds, disposal and
exports. A superuser passes these checks as everywhere in Django: they see every
record in the admin anyway, and the access log records their reads like anyone
else's.
"""

from archive.models import DisposalRun, DisposalRunStatus, Export, PublicRecordRequest, Record


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def user_can_search_archive(user) -> bool:
    return _active(user) and user.has_perm("archive.search_record")


def user_can_manage_archive(user) -> bool:
    return _active(user) and user.has_perm("archive.manage_archive")


def records_visible_to(user):
    return Record.objects.all() if user_can_search_archive(user) else Record.objects.none()


def user_can_view_record(user, record) -> bool:
    return user_can_search_archive(user)


def user_can_annotate_record(user, record) -> bool:
    return user_can_manage_archive(user)


def requests_visible_to(user):
    if user_can_manage_archive(user):
        return PublicRecordRequest.objects.all()
    return PublicRecordRequest.objects.none()


def user_can_change_request(user, request) -> bool:
    return user_can_manage_archive(user) and request.is_open


def disposal_runs_visible_to(user):
    return (
        DisposalRun.objects.all() if user_can_manage_archive(user) else DisposalRun.objects.none()
    )


def user_can_sign_off(user, run) -> bool:
    """A registrar other than the proposer (when sign-off is required, see the service)."""
    return (
        user_can_manage_archive(user)
        and run.status == DisposalRunStatus.PROPOSED
        and run.proposed_by_id != user.pk
    )


def exports_visible_to(user):
    return Export.objects.all() if user_can_manage_archive(user) else Export.objects.none()


def user_can_download_export(user, export) -> bool:
    return user_can_manage_archive(user)
