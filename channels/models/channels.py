from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channels.models.contacts import ContactBase, ContactRole
from core.validators import validate_single_line


class ChannelStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered, not public")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class ChannelQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ChannelStatus.PUBLISHED)

    def not_closed(self):
        return self.exclude(status=ChannelStatus.CLOSED)

    def handled_by(self, user):
        return self.filter(handlers=user)

    def with_related(self):
        return self.select_related("unit", "platform")


class Channel(models.Model):
    """An official channel of the municipality on a platform (kanal, konto)."""

    application = models.OneToOneField(
        "channels.ChannelApplication",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="channel",
    )
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="channels"
    )
    platform = models.ForeignKey(
        "channels.Platform",
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        related_name="channels",
    )
    display_name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    address = models.CharField(_("address"), max_length=500)
    normalized_address = models.CharField(_("normalised address"), max_length=500, db_index=True)
    # Handles can be renamed or taken over; the platform's own id cannot.
    account_id = models.CharField(
        _("platform account id"),
        max_length=300,
        blank=True,
        db_index=True,
        help_text=_("A Facebook page id, an Instagram account id or a Mastodon account URI."),
    )
    purpose = models.TextField(_("purpose"))
    target_group = models.TextField(_("target group"))
    # What the public sees: a functional address, never a person's by default.
    public_email = models.EmailField(_("public e-mail"), blank=True)
    public_phone = models.CharField(_("public phone"), max_length=40, blank=True)
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handlers"),
        blank=True,
        related_name="handled_channels",
    )

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ChannelStatus.choices,
        default=ChannelStatus.REGISTERED,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Closure: reported by the unit, confirmed by a communicator.
    closure_reported_at = models.DateTimeField(_("closure reported"), null=True, blank=True)
    closure_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closure_date = models.DateField(_("presence ends"), null=True, blank=True)
    closure_reason = models.TextField(_("reason for closing"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Annual review: the unit confirms the channel is in use and correct.
    last_confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)
    last_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # How quickly items should be answered (moderation/reminders.py); empty: the default
    # from settings, RESPONSE_TARGET_WORKING_HOURS (one working day).
    response_target = models.PositiveSmallIntegerField(
        _("response target (working hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Working hours within which items should be answered. Leave empty for the "
            "default target of one working day."
        ),
    )

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["display_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_address"],
                condition=~Q(status=ChannelStatus.CLOSED),
                name="one_live_channel_per_address",
            ),
            models.CheckConstraint(
                condition=~Q(status=ChannelStatus.CLOSED) | Q(closed_at__isnull=False),
                name="closed_channel_has_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=ChannelStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="published_channel_has_published_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "display_name"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["platform", "status"]),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.platform})"

    def get_absolute_url(self):
        return reverse("channels:public_detail", args=[self.pk])

    @property
    def is_public(self):
        return self.status == ChannelStatus.PUBLISHED

    def contacts_by_role(self, role):
        return [c for c in self.contacts.all() if c.role == role]


class ChannelContact(ContactBase):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="contacts")

    class Meta(ContactBase.Meta):
        verbose_name = _("channel contact")
        verbose_name_plural = _("channel contacts")


class ChannelEvent(models.Model):
    """The channel's history; public events also feed the Atom feed."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        PUBLISHED = "published", _("Published")
        UPDATED = "updated", _("Details changed")
        UNPUBLISHED = "unpublished", _("Unpublished")
        CLOSURE_REPORTED = "closure_reported", _("Closure reported")
        CLOSED = "closed", _("Closed")
        CONFIRMED = "confirmed", _("Confirmed in the annual review")
        HANDLERS_CHANGED = "handlers_changed", _("Handlers changed")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    comment = models.TextField(_("comment"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Whether the event belongs in the public change feed: only what touches
    # the public register (publishing, public details, unpublishing, closing).
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("channel event")
        verbose_name_plural = _("channel events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["public", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


__all__ = ["Channel", "ChannelContact", "ChannelEvent", "ChannelStatus", "ContactRole"]
