"""Periodic and background work of the archive; each task calls one service.

All are idempotent: verification only reads and stores its result, disposal
re-reads what is still due (and a record disposed of is gone), and an export
that is no longer queued is left alone.
"""

from celery import shared_task

from archive.services.disposal import disposal_scheduled
from archive.services.exports import export_run, exports_requeue
from archive.services.verification import verification_run

# A chain of millions of records takes a while to walk.
LONG = {"soft_time_limit": 60 * 60, "time_limit": 65 * 60}


@shared_task(**LONG)
def verify_chain_task():
    run = verification_run()
    return {"ok": run.ok, "checked": run.checked}


@shared_task(**LONG)
def disposal_task():
    return disposal_scheduled()


@shared_task(
    autoretry_for=(ConnectionError,),
    retry_backoff=30,
    max_retries=3,
    **LONG,
)
def export_run_task(export_id):
    export = export_run(export_id=export_id)
    return export.status if export else None


@shared_task(ignore_result=True)
def requeue_exports_task():
    """Queue again the exports the broker never got; fail those whose worker was lost."""
    return exports_requeue()


@shared_task(**LONG)
def disposal_execute_task(run_id, user_id=None):
    """Execute an approved run; a run no longer approved is left alone."""
    from django.contrib.auth import get_user_model

    from archive.models import DisposalRun, DisposalRunStatus
    from archive.services.disposal import disposal_run_execute

    run = DisposalRun.objects.filter(pk=run_id, status=DisposalRunStatus.APPROVED).first()
    if run is None:
        return None
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return disposal_run_execute(run=run, actor=actor).status
