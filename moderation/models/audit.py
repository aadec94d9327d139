from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """A change a person made outside an item's own history: tokens, absences, rules …"""

    class Kind(models.TextChoices):
        TOKEN_CREATED = "token_created", _("Ingestion token created")
        TOKEN_CHANGED = "token_changed", _("Ingestion token changed")
        TOKEN_REVOKED = "token_revoked", _("Ingestion token revoked")
        UNHANDLED_RESOLVED = "unhandled_resolved", _("Unhandled event marked as handled")
        DELIVERY_REQUEUED = "delivery_requeued", _("Delivery queued for parsing again")
        ABSENCE_RECORDED = "absence_recorded", _("Absence recorded")
        ABSENCE_ENDED = "absence_ended", _("Absence ended")
        REPLY_TEMPLATE_CREATED = "reply_template_created", _("Reply template created")
        REPLY_TEMPLATE_CHANGED = "reply_template_changed", _("Reply template changed")
        CONTENT_RULE_CREATED = "content_rule_created", _("Content rule created")
        CONTENT_RULE_CHANGED = "content_rule_changed", _("Content rule changed")
        KEYWORD_CREATED = "keyword_created", _("Keyword created")
        KEYWORD_CHANGED = "keyword_changed", _("Keyword changed")
        KEYWORD_DELETED = "keyword_deleted", _("Keyword deleted")

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
    absence = models.ForeignKey(
        "moderation.Absence",
        verbose_name=_("absence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    reply_template = models.ForeignKey(
        "moderation.ReplyTemplate",
        verbose_name=_("reply template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    content_rule = models.ForeignKey(
        "moderation.ContentRule",
        verbose_name=_("content rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    # Keywords may be deleted; their audit rows keep the phrase in `changes`.
    keyword = models.ForeignKey(
        "moderation.RuleKeyword",
        verbose_name=_("keyword"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
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
