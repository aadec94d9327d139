from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Platform ids (Messenger mids are the longest, about 100 characters) and the
# parsers' event keys fit; anything longer is refused as unhandled, never cut.
ID_MAX_LENGTH = 255
NAME_MAX_LENGTH = 255
# Limits on attachment links given through the API and the manual form.
MAX_ATTACHMENTS = 50
MAX_URL_LENGTH = 2000


class ItemKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")
    DIRECT_MESSAGE = "direct_message", _("Direct message")
    VISITOR_POST = "visitor_post", _("Post by a visitor")


class ItemSource(models.TextChoices):
    META = "meta", "Meta"
    MASTODON = "mastodon", "Mastodon"
    API = "api", _("Ingestion API")
    MANUAL = "manual", _("Registered by hand")


class ItemState(models.TextChoices):
    """The moderation workflow; the queue adds answered, forwarded, left, removed …"""

    OPEN = "open", _("Open")


class PlatformRemoval(models.TextChoices):
    REMOVE = "remove", _("Removed on the platform")
    HIDE = "hide", _("Hidden on the platform")


class ItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=ItemState.OPEN)

    def for_handler(self, user):
        return self.filter(channel__handlers=user)

    def with_related(self):
        return self.select_related("channel__platform", "channel__unit")


class Item(models.Model):
    """A comment, reply, direct message or visitor post that arrived on a channel.

    `text` and `attachments` repeat the newest version for listing and search;
    what was captured is in `versions` and is never overwritten.
    """

    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    # Blank only for items registered by hand without the platform's id.
    external_id = models.CharField(_("platform id"), max_length=ID_MAX_LENGTH, blank=True)
    parent_external_id = models.CharField(
        _("platform id of the parent"), max_length=ID_MAX_LENGTH, blank=True
    )
    post_external_id = models.CharField(
        _("platform id of the post"), max_length=ID_MAX_LENGTH, blank=True
    )
    sender_id = models.CharField(_("sender's platform id"), max_length=ID_MAX_LENGTH, blank=True)
    sender_name = models.CharField(_("sender's name"), max_length=NAME_MAX_LENGTH, blank=True)
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachment links"), default=list, blank=True)
    platform_created_at = models.DateTimeField(_("written on the platform"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    expects_answer = models.BooleanField(_("expects an answer"), default=False)
    source = models.CharField(_("arrived through"), max_length=20, choices=ItemSource.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=ItemState.choices, default=ItemState.OPEN
    )
    removed_on_platform_at = models.DateTimeField(
        _("removed on the platform"), null=True, blank=True
    )
    removed_on_platform_action = models.CharField(
        _("removal on the platform"), max_length=10, choices=PlatformRemoval.choices, blank=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="one_item_per_platform_id",
            ),
            models.CheckConstraint(
                condition=Q(removed_on_platform_at__isnull=True, removed_on_platform_action="")
                | Q(
                    removed_on_platform_at__isnull=False,
                    removed_on_platform_action__in=PlatformRemoval.values,
                ),
                name="item_platform_removal_complete",
            ),
            models.CheckConstraint(
                condition=~Q(source=ItemSource.MANUAL) | Q(registered_by__isnull=False),
                name="manual_item_has_registrar",
            ),
        ]
        indexes = [models.Index(fields=["channel", "state", "received_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.channel_id})"

    def get_absolute_url(self):
        return reverse("moderation:item_detail", args=[self.pk])


class ItemVersion(models.Model):
    """One captured state of an item's content; an edit adds one, nothing replaces one.

    `event_key` is the webhook parser's stable key: a redelivered event has
    the same key and adds nothing. Exactly one of `delivery` (webhook),
    `ingest_token` (API) and `captured_by` (by hand) says where it came from.
    """

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachment links"), default=list, blank=True)
    platform_edited_at = models.DateTimeField(_("edited on the platform"), null=True, blank=True)
    captured_at = models.DateTimeField(_("captured"), default=timezone.now)
    event_key = models.CharField(
        _("event key"), max_length=ID_MAX_LENGTH, null=True, blank=True, unique=True
    )
    delivery = models.ForeignKey(
        "moderation.Delivery",
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="item_versions",
    )
    ingest_token = models.ForeignKey(
        "moderation.IngestToken",
        verbose_name=_("ingestion token"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="item_versions",
    )
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raw = models.JSONField(_("content as received"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="one_version_number_per_item"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self):
        return f"{self.item} v{self.number}"


class ItemEvent(models.Model):
    """The item's history apart from its content: registration and platform removals.

    The queue's actions (answer, forward, remove …) add their kinds here.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered by hand")
        REMOVED_ON_PLATFORM = "removed_on_platform", _("Removed on the platform")
        HIDDEN_ON_PLATFORM = "hidden_on_platform", _("Hidden on the platform")
        UNHIDDEN_ON_PLATFORM = "unhidden_on_platform", _("Shown again on the platform")

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    # Null for what the platform reported; the person otherwise.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Not unique: hide, unhide and hide again carry the same key on Meta, so
    # platform removals are made idempotent by the item's state instead.
    event_key = models.CharField(_("event key"), max_length=ID_MAX_LENGTH, blank=True)
    delivery = models.ForeignKey(
        "moderation.Delivery",
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="item_events",
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("item event")
        verbose_name_plural = _("item events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
