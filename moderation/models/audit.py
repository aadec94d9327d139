from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """A change a person made to the ingestion side outside an item's own history."""

    class Kind(models.TextChoices):
        TOKEN_CREATED = "token_created", _("Ingestion token created")
        TOKEN_CHANGED = "token_changed", _("Ingestion token changed")
        TOKEN_REVOKED = "token_revoked", _("Ingestion token revoked")
        UNHANDLED_RESOLVED = "unhandled_resolved", _("Unhandled event marked as handled")
        DELIVERY_REQUEUED = "delivery_requeued", _("Delivery queued for parsing again")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    token = models.ForeignKey(
        "moderation.IngestToken",
        verbose_name=_("ingestion token"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    unhandled_event = models.ForeignKey(
        "moderation.UnhandledEvent",
        verbose_name=_("unhandled event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    delivery = models.ForeignKey(
        "moderation.Delivery",
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moderation audit event")
        verbose_name_plural = _("moderation audit events")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
