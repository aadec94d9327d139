from celery import shared_task

from core.services import heartbeat_record


@shared_task(ignore_result=False)
def heartbeat_task():
    """Proves that the periodic schedule fires; /healthz reports the time."""
    return heartbeat_record().isoformat()
