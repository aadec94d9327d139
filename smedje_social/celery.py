"""The Celery app, and the one place where the periodic schedule is declared.

Configuration comes from Django's settings (names prefixed CELERY_). Without
REDIS_URL the broker is kombu's filesystem transport under var/celery, so a
worker with embedded beat (`celery -A smedje_social worker -B`) runs tasks and
the schedule on one machine with no server; with REDIS_URL the same code uses
Redis.
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smedje_social.settings.local")

app = Celery("smedje_social")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The response-time reminders keep their tasks in moderation/reminder_tasks.py.
app.autodiscover_tasks(related_name="reminder_tasks")


@app.on_after_finalize.connect
def declare_schedule(sender, **kwargs):
    """Every periodic task of the product, in one table."""
    from django.conf import settings

    sender.conf.beat_schedule = {
        "heartbeat": {
            "task": "core.tasks.heartbeat_task",
            "schedule": settings.HEARTBEAT_INTERVAL,
            "options": {"expires": settings.HEARTBEAT_INTERVAL},
        },
        # Webhook deliveries stored while the broker was down are parsed late, not never.
        "requeue-pending-deliveries": {
            "task": "moderation.tasks.requeue_pending_deliveries_task",
            "schedule": 60.0,
            "options": {"expires": 60.0},
        },
        # E-mails of applications and channel closures not queued (broker down) are queued again.
        "renotify-channel-events": {
            "task": "channels.tasks.renotify_events_task",
            "schedule": 300.0,
            "options": {"expires": 300.0},
        },
        # Registry copies (diarieföring) still pending or failed are sent again: never lost.
        "resend-registrations": {
            "task": "moderation.tasks.resend_registrations_task",
            "schedule": 300.0,
            "options": {"expires": 300.0},
        },
        # The archive: walk the hash chain nightly, then dispose of what is due.
        "archive-verify-chain": {
            "task": "archive.tasks.verify_chain_task",
            "schedule": crontab(minute=15, hour=settings.ARCHIVE_VERIFY_HOUR),
        },
        # Exports queued while the broker was down are queued again; lost ones fail.
        "requeue-exports": {
            "task": "archive.tasks.requeue_exports_task",
            "schedule": 600.0,
            "options": {"expires": 600.0},
        },
        "archive-disposal": {
            "task": "archive.tasks.disposal_task",
            "schedule": crontab(minute=30, hour=settings.ARCHIVE_DISPOSAL_HOUR),
        },
        # Response times: remind, escalate, and send what a lost task left behind.
        "reminder-sweep": {
            "task": "moderation.reminder_tasks.reminder_sweep_task",
            "schedule": settings.REMINDER_SWEEP_INTERVAL,
            "options": {"expires": settings.REMINDER_SWEEP_INTERVAL},
        },
        # The annual review of channels, daily; the communicators' summary on Mondays.
        "channel-review-reminders": {
            "task": "moderation.reminder_tasks.review_reminder_sweep_task",
            "schedule": crontab(minute=0, hour=settings.CHANNEL_REVIEW_HOUR),
        },
        "weekly-summary": {
            "task": "moderation.reminder_tasks.weekly_summary_task",
            "schedule": crontab(minute=0, hour=settings.WEEKLY_SUMMARY_HOUR, day_of_week="mon"),
        },
    }


@beat_init.connect
def heartbeat_on_start(sender, **kwargs):
    """Beat's first interval would leave /healthz unhealthy for a minute after start."""
    sender.app.send_task("core.tasks.heartbeat_task")


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs):
    """Before and after a task, as around a request: close the connections that are older
    than CONN_MAX_AGE or broken, and keep the rest for the next task (CELERY_DB_REUSE_MAX
    keeps Celery from closing them all). An eager task runs inside its caller: untouched."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
