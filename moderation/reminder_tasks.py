"""Celery tasks of the reminders, the annual review and the weekly summary.

Thin: each calls one service (moderation.reminders, moderation.review_reminders,
moderation.weekly_summary). All are safe to run twice at once or to receive twice: the
sweeps claim unique rows before sending, and the e-mail tasks take each e-mail with a
conditional UPDATE. smedje_social/celery.py autodiscovers this module next to tasks.py.
"""

from celery import shared_task

from moderation import reminders, review_reminders, weekly_summary

# A sweep claims at most a few thousand rows; far below these limits.
SWEEP_LIMITS = {"soft_time_limit": 4 * 60, "time_limit": 5 * 60}
# Sending one e-mail: a slow mail server, not more.
EMAIL_LIMITS = {"soft_time_limit": 60, "time_limit": 90}
# Sending a batch (reminders.EMAIL_BATCH_SIZE e-mails): at the soft limit the e-mails not
# sent yet are retried; the hard limit is for a send that does not even notice that.
EMAIL_BATCH_LIMITS = {"soft_time_limit": 4 * 60, "time_limit": 5 * 60}
# A mail server that is down: try again after 1, 2, 3 … minutes, bounded; after that a
# later sweep queues the e-mail again, up to reminders.EMAIL_MAX_ATTEMPTS in all.
EMAIL_MAX_RETRIES = 3
EMAIL_RETRY_COUNTDOWN = 60


@shared_task(ignore_result=True, **SWEEP_LIMITS)
def reminder_sweep_task() -> str:
    """The periodic sweep of response-time reminders (and e-mail left behind)."""
    return str(reminders.reminders_sweep())


@shared_task(ignore_result=True, **SWEEP_LIMITS)
def review_reminder_sweep_task() -> str:
    """The daily run of the annual review of channels."""
    return str(review_reminders.review_reminders_sweep())


@shared_task(ignore_result=True, **SWEEP_LIMITS)
def weekly_summary_task() -> int:
    """Monday's summary to each communicator, once per week."""
    return weekly_summary.weekly_summary_dispatch()


@shared_task(bind=True, ignore_result=True, max_retries=EMAIL_MAX_RETRIES, **EMAIL_BATCH_LIMITS)
def reminder_email_batch_task(self, email_ids: list[int]) -> int:
    """Send a batch of reminder e-mails, each on its own; the number sent.

    An e-mail already sent or being sent is skipped, so a second delivery of the task
    sends nothing twice. The e-mails the mail server refused (and those a time-out left)
    are retried together with a countdown; one that failed otherwise is logged and left
    to the sweep (reminders.reminder_emails_requeue).
    """
    result = reminders.reminder_emails_send(email_ids=email_ids)
    if result.retry:
        raise self.retry(
            args=[result.retry],
            exc=result.error,
            countdown=EMAIL_RETRY_COUNTDOWN * (self.request.retries + 1),
        )
    return len(result.sent)


@shared_task(bind=True, ignore_result=True, max_retries=EMAIL_MAX_RETRIES, **EMAIL_LIMITS)
def reminder_email_send_task(self, email_id: int) -> bool:
    """Send one reminder e-mail; a second delivery finds it taken and does nothing.

    The weekly summary queues this one; messages queued by an earlier version of the
    reminder sweep (one task per e-mail) are still in the broker after an upgrade.
    """
    try:
        return reminders.reminder_email_send(email_id=email_id)
    except OSError as error:  # smtplib's errors are OSErrors too
        raise self.retry(
            exc=error, countdown=EMAIL_RETRY_COUNTDOWN * (self.request.retries + 1)
        ) from error
