"""Reminders about response times and the annual review, and the e-mail that carries them.

The rows here are what makes a reminder go out once (see moderation/reminders.py):

* `ItemReminder` — one row per item and step, inserted (claimed) before anything is sent;
  the unique constraint is the guarantee, whatever number of sweeps run.
* `ReviewReminder` — the same for a channel's annual review, per review period (the
  confirmation the period counts from) and step.
* `ReminderEmail` — one e-mail to one person, listing the reminders of one run; sent by a
  task that takes it with a conditional UPDATE and marks `sent_at`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderStep(models.TextChoices):
    """The steps of an item's response clock, in order."""

    BEFORE = "before", _("Before the target")
    DUE = "due", _("At the target")
    ESCALATION = "escalation", _("Escalated: the target is passed")


class ReviewStep(models.TextChoices):
    """The steps of a channel's annual review, in order."""

    NOTICE = "notice", _("A month before the review date")
    DUE = "due", _("At the review date")
    MANAGERS = "managers", _("To the unit's managers")


class _Claim(models.Model):
    run = models.UUIDField(_("sweep"), db_index=True)
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    # When the e-mails listing this reminder were created (null: not yet).
    dispatched_at = models.DateTimeField(_("e-mail created"), null=True, blank=True)

    class Meta:
        abstract = True


class ItemReminder(_Claim):
    item = models.ForeignKey(
        "moderation.Item",
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    step = models.CharField(_("step"), max_length=20, choices=ReminderStep.choices)

    class Meta:
        verbose_name = _("response-time reminder")
        verbose_name_plural = _("response-time reminders")
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "step"], name="one_reminder_per_item_and_step")
        ]
        indexes = [
            models.Index(
                fields=["claimed_at"],
                condition=Q(dispatched_at__isnull=True),
                name="item_reminder_undispatched",
            )
        ]

    def __str__(self):
        return f"{self.get_step_display()}: {self.item_id}"


class ReviewReminder(_Claim):
    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="review_reminders",
    )
    # The confirmation (or publication) the review period counts from: confirming
    # starts a new period, whose reminders are new rows.
    period_start = models.DateTimeField(_("period counted from"))
    step = models.CharField(_("step"), max_length=20, choices=ReviewStep.choices)

    class Meta:
        verbose_name = _("annual review reminder")
        verbose_name_plural = _("annual review reminders")
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "period_start", "step"],
                name="one_review_reminder_per_period_and_step",
            )
        ]
        indexes = [
            models.Index(
                fields=["claimed_at"],
                condition=Q(dispatched_at__isnull=True),
                name="review_reminder_undispatched",
            )
        ]

    def __str__(self):
        return f"{self.get_step_display()}: {self.channel_id}"


class ReminderEmail(models.Model):
    """One e-mail to one person: the reminders of one run, or the weekly summary."""

    class Kind(models.TextChoices):
        RESPONSE = "response", _("Response-time reminder")
        REVIEW = "review", _("Annual review reminder")
        SUMMARY = "summary", _("Weekly summary")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminder_emails",
    )
    run = models.UUIDField(_("sweep"))
    # The weekly summary's ISO week ("2026-W48"); blank for reminders.
    period = models.CharField(_("period"), max_length=20, blank=True)
    item_reminders = models.ManyToManyField(
        ItemReminder, verbose_name=_("items"), blank=True, related_name="emails"
    )
    review_reminders = models.ManyToManyField(
        ReviewReminder, verbose_name=_("channels"), blank=True, related_name="emails"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set by the one task that took the e-mail to send it; cleared when sending failed.
    sending_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("reminder e-mail")
        verbose_name_plural = _("reminder e-mails")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "run", "recipient"], name="one_reminder_email_per_run_and_person"
            ),
            models.UniqueConstraint(
                fields=["kind", "period", "recipient"],
                condition=~Q(period=""),
                name="one_summary_per_period_and_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="reminder_email_unsent",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.created_at:%Y-%m-%d %H:%M})"
