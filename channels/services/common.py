from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import StaleVersion, TransitionNotAllowed


def lock(model, pk):
    """Fetch a row afresh under a row lock; the caller holds a transaction."""
    return model.objects.select_for_update().get(pk=pk)


def check_version(obj, expected_version):
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(
            _(
                "Someone else changed this while you were working on it. Nothing was saved; "
                "reload the page to see the current version."
            )
        )


def check_transition(table, action, obj):
    """The target status of `action` from obj.status, or a refusal that changes nothing."""
    allowed_from, target = table[action]
    if obj.status not in allowed_from:
        raise TransitionNotAllowed(
            _("That is not possible now: the status is “%(status)s”.")
            % {"status": obj.get_status_display()}
        )
    return target


def on_commit_delay(task, *args):
    # A broker outage must not turn the committed change into an error page: the
    # failure is logged (core.queueing) and the event stays unnotified.
    from core.queueing import delay_or_log

    transaction.on_commit(lambda: delay_or_log(task, *args))
