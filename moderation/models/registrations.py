from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RegistrationReason(models.TextChoices):
    ONGOING_CASE = "ongoing_case", _("Concerns an ongoing case")
    DIRECT_MESSAGE = "direct_message", _("Direct message (received document)")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the registry")
    FAILED = "failed", _("Sending failed, will be tried again")


class RegistrationQuerySet(models.QuerySet):
    def unsent(self):
        return self.exclude(status=RegistrationStatus.SENT)


class Registration(models.Model):
    """An item registered (diarieförd): a copy to the registry mailbox and an archive record.

    The OSL 5 kap. 2 § particulars are on the archive record: the date
    received, the sender, a short description and, once the registrar adds
    it there, the registration number. This row tracks the e-mail to the
    registry mailbox, which is retried until it is sent and never dropped.
    """

    item = models.OneToOneField(
        "moderation.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="registration",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=RegistrationReason.choices)
    description = models.CharField(_("short description"), max_length=500)
    requested_at = models.DateTimeField(_("registered"), default=timezone.now)
    # Null: registered automatically when a direct message arrived.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("sending"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The archive record's id; a plain integer because records outlive items.
    record_id = models.BigIntegerField(_("archive record"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.SENT)
                | Q(sent_at__isnull=False, record_id__isnull=False),
                name="sent_registration_complete",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.item_id})"
