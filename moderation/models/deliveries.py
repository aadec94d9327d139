from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliverySource(models.TextChoices):
    META = "meta", "Meta"
    MASTODON = "mastodon", "Mastodon"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be parsed")
    PARSED = "parsed", _("Parsed")
    FAILED = "failed", _("Could not be parsed")


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=DeliveryStatus.PENDING)


class Delivery(models.Model):
    """One webhook POST exactly as it arrived: the bytes, the signature and their digest.

    The platforms keep no copy for the municipality, so the raw body is the
    primary record; items are derived from it by a task. Meta redelivers the
    identical body, so (source, sha256) recognises a redelivery at the door.
    """

    source = models.CharField(_("source"), max_length=20, choices=DeliverySource.choices)
    body = models.BinaryField(_("body"))
    signature = models.CharField(_("signature header"), max_length=100)
    sha256 = models.CharField(_("SHA-256 of the body"), max_length=64)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    parsed_at = models.DateTimeField(_("parsed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Parse attempts started, counted outside the parsing transaction so that
    # an attempt that crashes still counts (see services.delivery_parse).
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="one_delivery_per_body"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.PARSED) | Q(parsed_at__isnull=False),
                name="parsed_delivery_has_parsed_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self):
        return (
            f"{self.get_source_display()} {self.received_at:%Y-%m-%d %H:%M:%S} ({self.sha256[:12]})"
        )

    def body_text(self) -> str:
        """The body decoded for people; the stored bytes stay exactly as received."""
        return bytes(self.body).decode("utf-8", errors="replace")


class UnhandledEventQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(resolved_at__isnull=True)

    def resolved(self):
        return self.filter(resolved_at__isnull=False)


class UnhandledEvent(models.Model):
    """Something that arrived but did not become an item, kept for the communicator.

    An account no channel is registered for, an item or verb we do not
    handle, a removal of an item never captured, a body that could not be
    parsed. Never dropped: the communicator marks it handled.
    """

    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unhandled_events",
    )
    source = models.CharField(_("source"), max_length=20, choices=DeliverySource.choices)
    platform = models.CharField(_("platform"), max_length=20, blank=True)
    account_id = models.CharField(_("platform account id"), max_length=300, blank=True)
    event_key = models.CharField(_("event key"), max_length=255, unique=True)
    reason = models.CharField(_("reason"), max_length=500)
    raw = models.JSONField(_("content as received"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    resolved_at = models.DateTimeField(_("handled"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = UnhandledEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("unhandled event")
        verbose_name_plural = _("unhandled events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="unhandled_event_resolved_with_actor",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "-created_at"])]

    def __str__(self):
        return f"{self.platform or self.source}: {self.reason}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
