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
    """The moderation workflow; the edges are `TRANSITIONS` in moderation.services.actions."""

    OPEN = "open", _("Open")
    FORWARDED = "forwarded", _("Forwarded")
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer needed")
    REFERRED = "referred", _("Referred to the political parties")
    UNPUBLISHED = "unpublished", _("Unpublished")
    DELETED = "deleted", _("Deleted")


# Still waiting for someone: the queue, the counts and the reminders.
OPEN_STATES = (ItemState.OPEN, ItemState.FORWARDED)
# Handled without removal: an edit on the platform brings these back to the queue.
HANDLED_STATES = (ItemState.ANSWERED, ItemState.NO_ANSWER, ItemState.REFERRED)
REMOVED_STATES = (ItemState.UNPUBLISHED, ItemState.DELETED)


class PlatformRemoval(models.TextChoices):
    REMOVE = "remove", _("Removed on the platform")
    HIDE = "hide", _("Hidden on the platform")


class ItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def for_handler(self, user):
        return self.filter(channel__handlers=user)

    def in_channels(self, channel_ids):
        return self.filter(channel_id__in=channel_ids)

    def with_related(self):
        return self.select_related("channel__platform", "channel__unit")

    def queue_order(self):
        """Probable rule breaks first, then the oldest first."""
        return self.order_by("-is_flagged", "received_at", "pk")

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(text__icontains=text) | Q(sender_name__icontains=text) | Q(sender_id__icontains=text)
        )


class Item(models.Model):
    """A comment, reply, direct message or visitor post that arrived on a channel.

    `text` and `attachments` repeat the newest version for listing and search;
    what was captured is in `versions` and is never overwritten.
    """

    # Indexed by the (channel, ...) indexes in Meta.
    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="items",
        db_index=False,
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
        db_index=False,
    )
    # Raised by every change a person or the platform makes, and carried by
    # every action: acting on a version one has not seen is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Claims: who holds the item (took it, or acted on it) and since when.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    claimed_at = models.DateTimeField(_("held since"), null=True, blank=True)
    # Keyword flags: probable rule breaks, for attention; nothing is removed automatically.
    is_flagged = models.BooleanField(_("flagged"), default=False)
    flagged_at = models.DateTimeField(_("flagged"), null=True, blank=True)
    flagged_rules = models.ManyToManyField(
        "moderation.ContentRule",
        verbose_name=_("probably breaks"),
        blank=True,
        related_name="flagged_items",
    )
    flagged_words = models.JSONField(_("words that flagged it"), default=list, blank=True)
    # The last action that took the item out of the queue.
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The reply as posted: an answer, or the referral to the political parties.
    answer_text = models.TextField(_("reply"), blank=True)
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("forwarded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    forwarded_to = models.EmailField(_("forwarded to"), blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    removal_rules = models.ManyToManyField(
        "moderation.ContentRule",
        verbose_name=_("content rules broken"),
        blank=True,
        related_name="removed_items",
    )
    removal_message = models.TextField(_("message to the writer"), blank=True)
    reported_to_police = models.BooleanField(_("reported to the police"), default=False)
    # Response time (issue 8, moderation/reminders.py): when the answer is due, and the
    # next reminder step and its moment. Null/blank when the item expects no answer; the
    # clock runs while the state is "open" (any other state, forwarded too, stops it).
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    next_reminder_at = models.DateTimeField(_("next reminder"), null=True, blank=True)
    next_reminder_step = models.CharField(_("next reminder step"), max_length=20, blank=True)

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
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True, claimed_at__isnull=True)
                | Q(claimed_by__isnull=False, claimed_at__isnull=False),
                name="item_claim_complete",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=REMOVED_STATES) | Q(removed_at__isnull=False),
                name="removed_item_has_removed_at",
            ),
            models.CheckConstraint(
                condition=Q(is_flagged=False) | Q(flagged_at__isnull=False),
                name="flagged_item_has_flagged_at",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="item_version_positive"),
        ]
        indexes = [
            models.Index(fields=["channel", "state", "received_at"]),
            models.Index(fields=["state", "-is_flagged", "received_at"], name="item_queue_order"),
            # The reminder sweep reads only items whose clock runs and whose next step is
            # due, in the order of this index (so a batch stops after BATCH_SIZE rows
            # instead of sorting all that are due); the dashboards count overdue items by
            # state and due time.
            models.Index(
                fields=["next_reminder_at", "id"],
                condition=Q(state="open", next_reminder_at__isnull=False),
                name="item_reminder_sweep_order",
            ),
            models.Index(fields=["state", "due_at"], name="item_state_due"),
            # The sweep's catch-up looks for open items that expect an answer but have no
            # due time, in id order; normally there are none, and without this index
            # PostgreSQL walked the whole table by id to find that out (BENCHMARKS.md, 5.).
            models.Index(
                fields=["id"],
                condition=Q(state="open", expects_answer=True, due_at__isnull=True),
                name="item_clock_missing",
            ),
            # The people of an item: none for most (webhook items nobody has acted on
            # yet), so only the rows that name someone are indexed. Every new item used
            # to add a NULL to five indexes (BENCHMARKS.md, 2.).
            *(
                models.Index(
                    fields=[field], condition=Q(**{f"{field}__isnull": False}), name=f"item_{field}"
                )
                for field in (
                    "registered_by",
                    "claimed_by",
                    "handled_by",
                    "forwarded_by",
                    "removed_by",
                )
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.channel_id})"

    def get_absolute_url(self):
        return reverse("moderation:item_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def is_removed(self):
        return self.state in REMOVED_STATES


class ItemVersion(models.Model):
    """One captured state of an item's content; an edit adds one, nothing replaces one.

    `event_key` is the webhook parser's stable key: a redelivered event has
    the same key and adds nothing. Exactly one of `delivery` (webhook),
    `ingest_token` (API) and `captured_by` (by hand) says where it came from.
    """

    # Indexed by the (item, number) constraint.
    item = models.ForeignKey(
        Item,
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="versions",
        db_index=False,
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachment links"), default=list, blank=True)
    platform_edited_at = models.DateTimeField(_("edited on the platform"), null=True, blank=True)
    captured_at = models.DateTimeField(_("captured"), default=timezone.now)
    # Unique through a constraint in Meta: a unique field would also get an index for
    # LIKE, which nothing asks and every new version paid for. NULL, not "", is "no key":
    # many versions have none, and the key is unique.
    event_key = models.CharField(  # noqa: DJ001
        _("event key"), max_length=ID_MAX_LENGTH, null=True, blank=True
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
        db_index=False,
    )
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    raw = models.JSONField(_("content as received"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="one_version_number_per_item"),
            models.UniqueConstraint(fields=["event_key"], name="one_version_per_event_key"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]
        # Most versions came from a webhook: only those of the API or typed in are indexed
        # by token and person.
        indexes = [
            models.Index(
                fields=[field], condition=Q(**{f"{field}__isnull": False}), name=f"version_{field}"
            )
            for field in ("ingest_token", "captured_by")
        ]

    def __str__(self):
        return f"{self.item} v{self.number}"


class ItemEvent(models.Model):
    """The item's history apart from its content: every action, who, when and a note.

    The audit row of every change to an item, written in the same transaction;
    `changes` holds old and new values. Events that send e-mail (forward,
    bullying report, advice) are marked `notified_at` once sent.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered by hand")
        REMOVED_ON_PLATFORM = "removed_on_platform", _("Removed on the platform")
        HIDDEN_ON_PLATFORM = "hidden_on_platform", _("Hidden on the platform")
        UNHIDDEN_ON_PLATFORM = "unhidden_on_platform", _("Shown again on the platform")
        FLAGGED = "flagged", _("Flagged as a probable rule break")
        REOPENED = "reopened", _("Back in the queue after an edit")
        CLAIMED = "claimed", _("Taken")
        RELEASED = "released", _("Released")
        ANSWERED = "answered", _("Answered")
        FORWARDED = "forwarded", _("Forwarded")
        NO_ANSWER = "no_answer", _("No answer needed")
        REFERRED = "referred", _("Referred to the political parties")
        UNPUBLISHED = "unpublished", _("Unpublished")
        DELETED = "deleted", _("Deleted")
        REPUBLISHED = "republished", _("Made visible again")
        BULLYING_REPORTED = "bullying_reported", _("Bullying reported to the manager")
        ADVICE_REQUESTED = "advice_requested", _("Advice asked")
        COMMENTED = "commented", _("Comment")
        REGISTRATION_REQUESTED = "registration_requested", _("Registered in the case registry")
        REGISTRATION_SENT = "registration_sent", _("Copy sent to the registry mailbox")
        REGISTRATION_FAILED = "registration_failed", _("Sending to the registry mailbox failed")

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
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # When the e-mail this event sends went out (null: none sent, or none due).
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("item event")
        verbose_name_plural = _("item events")
        ordering = ["created_at", "pk"]
        # The dashboards' time to first answer reads answer events by period.
        indexes = [models.Index(fields=["kind", "created_at"], name="item_event_kind_time")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class ItemComment(models.Model):
    """The conversation on an item between its handlers, the unit's managers and communicators.

    A handler who is unsure asks the nearest manager or the communicator
    (`addressed_to`); they are notified and answer here.
    """

    class AddressedTo(models.TextChoices):
        NOBODY = "", _("Everyone on the item")
        MANAGER = "manager", _("The nearest manager")
        COMMUNICATOR = "communicator", _("The communicators")

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    addressed_to = models.CharField(
        _("question to"), max_length=20, choices=AddressedTo.choices, blank=True
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="comment_not_empty")]

    def __str__(self):
        return f"{self.item_id}: {self.text[:40]}"
