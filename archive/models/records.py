"""Archive records (allmänna handlingar) and the hash chain that protects them.

A record is written once, by `archive.services.records.record_create`, and
never changed afterwards: `Record.save` refuses existing rows, and corrections
(registration number, confidentiality) are `RecordAnnotation` rows. Every
record stores the SHA-256 of a canonical serialisation of all its captured
fields together with the previous record's hash; `ChainHead` is the single
row that holds the end of the chain and serialises appends.
"""

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class RecordType(models.TextChoices):
    REMOVED = "removed", _("Removed content")
    REGISTERED = "registered", _("Registered item")
    DIRECT_MESSAGE = "direct_message", _("Direct message")
    CHANNEL_CLOSED = "channel_closed", _("Closed channel's final summary")


class RecordImmutable(Exception):
    """An attempt to change a record's captured content."""


class RecordQuerySet(models.QuerySet):
    def for_channel(self, channel):
        return self.filter(channel=channel)

    def for_unit(self, unit):
        return self.filter(unit=unit)

    def of_type(self, record_type):
        return self.filter(record_type=record_type)

    def with_related(self):
        return self.select_related("channel", "channel__platform", "unit", "actor")

    def with_current_annotations(self):
        """The current registration number and confidentiality, as one subquery each."""
        latest = RecordAnnotation.objects.filter(record=OuterRef("pk")).order_by(
            "-created_at", "-pk"
        )
        registration = latest.filter(kind=RecordAnnotation.Kind.REGISTRATION_NUMBER)
        confidentiality = latest.filter(kind=RecordAnnotation.Kind.CONFIDENTIALITY)
        return self.annotate(
            annotated_registration_number=Subquery(registration.values("registration_number")[:1]),
            annotated_confidential=Subquery(confidentiality.values("confidential")[:1]),
            annotated_legal_basis=Subquery(confidentiality.values("legal_basis")[:1]),
        )

    def with_registration_number(self, number):
        """Records that carry `number`, captured or set later by an annotation."""
        number = number.strip()
        annotated = RecordAnnotation.objects.filter(
            record=OuterRef("pk"),
            kind=RecordAnnotation.Kind.REGISTRATION_NUMBER,
            registration_number__iexact=number,
        )
        return self.filter(Q(registration_number__iexact=number) | Exists(annotated))

    def search(self, text):
        """Full-text search on PostgreSQL (Swedish), a substring match elsewhere."""
        text = (text or "").strip()
        if not text:
            return self
        if connection.vendor == "postgresql":
            return self.filter(SearchDocumentMatches(text))
        return self.filter(
            Q(text__icontains=text)
            | Q(sender_name__icontains=text)
            | Q(description__icontains=text)
        )


class SearchDocumentMatches(models.Expression):
    """PostgreSQL: the record's stored search document matches `text` (web search syntax).

    The document is the generated column `search_document` (migration 0005: the
    record's text, sender and description, Swedish), with a GIN index. It is no
    model field, so the column is named here, on the alias the query gives the
    records' table (a subquery renames it).
    """

    output_field = models.BooleanField()

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return (
            f"{alias}.search_document @@ websearch_to_tsquery('swedish'::regconfig, %s)",
            [self.text],
        )


class Record(models.Model):
    """One public record: content removed, registered or received on a channel."""

    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True, editable=False)
    record_type = models.CharField(
        _("record type"), max_length=20, choices=RecordType.choices, db_index=True
    )
    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="archive_records",
    )
    # The channel's unit when the record was made; units can change later.
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField(_("captured content"))
    # Searchable plain text taken from the content (every version's text).
    text = models.TextField(_("text"), blank=True)
    sender_id = models.CharField(_("sender id"), max_length=300, blank=True)
    sender_name = models.CharField(_("sender"), max_length=300, blank=True, db_index=True)
    platform_created_at = models.DateTimeField(_("created on the platform"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True, db_index=True)
    acted_at = models.DateTimeField(_("acted on"), db_index=True)
    action = models.CharField(_("action"), max_length=50, blank=True)
    rules = models.JSONField(_("content rules"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept as text too: the hash must not depend on the user table.
    actor_name = models.CharField(_("acting user's name"), max_length=300, blank=True)
    # A plain integer: records outlive moderation items.
    item_id = models.BigIntegerField(_("item"), null=True, blank=True, db_index=True)
    registration_number = models.CharField(
        _("registration number"), max_length=100, blank=True, db_index=True
    )
    description = models.TextField(_("short description"), blank=True)
    archived_at = models.DateTimeField(_("archived"), db_index=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("SHA-256"), max_length=64, unique=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        ordering = ["-archived_at", "-pk"]
        indexes = [
            models.Index(fields=["channel", "-archived_at"]),
            models.Index(fields=["unit", "-archived_at"]),
            models.Index(fields=["record_type", "-archived_at"]),
            # Full-text search: PostgreSQL only, a GIN index on the generated column
            # search_document (migration 0005, SearchDocumentMatches).
        ]
        permissions = [
            ("search_record", _("Can search and view archive records")),
            ("manage_archive", _("Can manage the archive (requests, holds, disposal, exports)")),
        ]

    def __str__(self):
        return _("Record %(number)s") % {"number": self.pk}

    def save(self, *args, **kwargs):
        # Captured content is immutable: only the service's first insert is allowed.
        if not self._state.adding:
            raise RecordImmutable(f"Record {self.pk} is immutable; add an annotation instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("archive:record_detail", args=[self.pk])

    def current_annotation(self, kind):
        """The latest annotation of `kind` (uses a prefetched `annotations` when present)."""
        candidates = [a for a in self.annotations.all() if a.kind == kind]
        return max(candidates, key=lambda a: (a.created_at, a.pk), default=None)

    @property
    def current_registration_number(self):
        if hasattr(self, "annotated_registration_number"):
            return self.annotated_registration_number or self.registration_number
        annotation = self.current_annotation(RecordAnnotation.Kind.REGISTRATION_NUMBER)
        return annotation.registration_number if annotation else self.registration_number

    @property
    def current_confidentiality(self):
        """(confidential, legal basis) as the latest confidentiality annotation says."""
        if hasattr(self, "annotated_confidential"):
            return bool(self.annotated_confidential), self.annotated_legal_basis or ""
        annotation = self.current_annotation(RecordAnnotation.Kind.CONFIDENTIALITY)
        if annotation is None:
            return False, ""
        return annotation.confidential, annotation.legal_basis


class RecordAnnotation(models.Model):
    """A correction or marking added to a record later; never edits the record itself."""

    class Kind(models.TextChoices):
        REGISTRATION_NUMBER = "registration_number", _("Registration number")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality")
        NOTE = "note", _("Note")

    record = models.ForeignKey(
        Record, verbose_name=_("record"), on_delete=models.CASCADE, related_name="annotations"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    confidential = models.BooleanField(_("confidential"), default=False)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=200,
        blank=True,
        help_text=_("The provision of the Public Access to Information and Secrecy Act (OSL)."),
    )
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["record", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="registration_number") | ~Q(registration_number=""),
                name="annotation_registration_number_set",
            ),
            models.CheckConstraint(
                condition=~Q(kind="confidentiality", confidential=True) | ~Q(legal_basis=""),
                name="annotation_confidential_has_legal_basis",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.record_id})"


class ChainHead(models.Model):
    """The end of the hash chain: one row, locked while a record is appended."""

    name = models.CharField(max_length=20, unique=True, default="records")
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")

    def __str__(self):
        return f"{self.name} #{self.sequence}"
