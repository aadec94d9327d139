"""Retention rules (dokumenthanteringsplan), legal holds and disposal (gallring).

A disposal run goes proposed -> approved -> executed (or cancelled). The
records it covers are listed as candidates when it is proposed, so what is
signed off is exactly what may go; execution disposes only of the candidates
that are still due and not held. Each disposed record leaves a
`DisposalLogEntry` holding what the hash chain needs (sequence, hash,
previous hash), and log entries are never deleted.

Moderation items that never became a record (answered or routine comments)
have a rule of their own (`RetentionSubject.ITEM`) in the same table, and the
same run lists them (`ItemDisposalCandidate`) and disposes of them, leaving
an `ItemDisposalLogEntry` each: ids, kind, state, dates and a SHA-256 of the
content, never the content or the sender (see archive.services.item_disposal).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archive.models.records import RecordType
from moderation.models.items import ItemKind, ItemSource, ItemState


class RetentionEvent(models.TextChoices):
    END_OF_YEAR_RECEIVED = "end_of_year_received", _("End of the year the item was received")
    RECEIVED = "received", _("When the item was received")
    END_OF_YEAR_ACTED = "end_of_year_acted", _("End of the year the item was acted on")
    ACTED = "acted", _("When the item was acted on")


class RetentionSubject(models.TextChoices):
    """What a rule is about: one record type, or the moderation items that became no record."""

    REMOVED = RecordType.REMOVED.value, RecordType.REMOVED.label
    REGISTERED = RecordType.REGISTERED.value, RecordType.REGISTERED.label
    DIRECT_MESSAGE = RecordType.DIRECT_MESSAGE.value, RecordType.DIRECT_MESSAGE.label
    CHANNEL_CLOSED = RecordType.CHANNEL_CLOSED.value, RecordType.CHANNEL_CLOSED.label
    # Not a record type: no Record ever has it, so records_due never matches it.
    ITEM = "item", _("Item that never became a record (answered or routine)")


class RetentionRule(models.Model):
    """What the records management plan says about one record type (or about items)."""

    record_type = models.CharField(
        _("record type"), max_length=20, choices=RetentionSubject.choices, unique=True
    )
    keep_permanently = models.BooleanField(_("keep permanently (bevaras)"), default=False)
    years = models.PositiveSmallIntegerField(_("dispose of after (years)"), null=True, blank=True)
    event = models.CharField(
        _("counted from"), max_length=30, choices=RetentionEvent.choices, blank=True
    )
    decision_number = models.CharField(_("decision number"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    description = models.TextField(_("description"), blank=True)
    # Demo data only: shipped examples must never pass for a real decision.
    is_example = models.BooleanField(_("example only"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["record_type"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(keep_permanently=True, years__isnull=True, event=""))
                | (Q(keep_permanently=False, years__isnull=False) & ~Q(event="")),
                name="retention_rule_keep_or_dispose",
            ),
        ]

    def __str__(self):
        return f"{self.get_record_type_display()}: {self.summary()}"

    def summary(self):
        if self.keep_permanently:
            return str(_("keep permanently"))
        return str(
            _("dispose of %(years)s years after: %(event)s")
            % {"years": self.years, "event": self.get_event_display().lower()}
        )

    @property
    def counts_from_received(self):
        return self.event in (RetentionEvent.RECEIVED, RetentionEvent.END_OF_YEAR_RECEIVED)

    def due_before(self, today: datetime.date):
        """Records whose event came before this moment are due on `today` (None: never).

        "N years after the end of the year received" means due on 1 January of
        the received year + N + 1, i.e. received before 1 January of today's
        year - N (local time).
        """
        if self.keep_permanently:
            return None
        if self.event in (RetentionEvent.END_OF_YEAR_RECEIVED, RetentionEvent.END_OF_YEAR_ACTED):
            day = datetime.date(today.year - self.years, 1, 1)
        else:
            try:
                day = today.replace(year=today.year - self.years)
            except ValueError:  # 29 February
                day = datetime.date(today.year - self.years, 3, 1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class LegalHold(models.Model):
    """Keeps a record, or every record of a channel, from disposal until released."""

    # A released hold outlives its record's disposal: the id stays in record_ref.
    record = models.ForeignKey(
        "archive.Record",
        verbose_name=_("record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_holds",
    )
    record_ref = models.BigIntegerField(_("record number"), null=True, blank=True)
    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archive_legal_holds",
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("placed"), auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    release_reason = models.TextField(_("reason for release"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(record_ref__isnull=True, channel__isnull=False)
                | Q(record_ref__isnull=False, channel__isnull=True),
                name="legal_hold_record_or_channel",
            ),
        ]
        indexes = [
            models.Index(
                fields=["record"], condition=Q(released_at__isnull=True), name="hold_active_record"
            ),
            models.Index(
                fields=["channel"],
                condition=Q(released_at__isnull=True),
                name="hold_active_channel",
            ),
        ]

    def __str__(self):
        target = self.channel or f"#{self.record_ref}"
        return _("Legal hold on %(target)s") % {"target": target}

    @property
    def is_active(self):
        return self.released_at is None


class DisposalRunStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Executed")
    CANCELLED = "cancelled", _("Cancelled")


class DisposalRun(models.Model):
    """One disposal: what was proposed, who signed it off, what it disposed of."""

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DisposalRunStatus.choices,
        default=DisposalRunStatus.PROPOSED,
        db_index=True,
    )
    as_of = models.DateField(_("due on"))
    candidate_count = models.PositiveIntegerField(_("records proposed"), default=0)
    disposed_count = models.PositiveIntegerField(_("records disposed of"), default=0)
    # Moderation items that never became records (see ItemDisposalCandidate).
    item_candidate_count = models.PositiveIntegerField(_("items proposed"), default=0)
    items_disposed_count = models.PositiveIntegerField(_("items disposed of"), default=0)
    # Raw webhook deliveries deleted because no remaining item derives from them.
    deliveries_deleted_count = models.PositiveIntegerField(
        _("webhook deliveries deleted"), default=0
    )
    # A null user means the scheduler.
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_at = models.DateTimeField(_("executed"), null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("disposal run")
        verbose_name_plural = _("disposal runs")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="disposal_run_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="executed") | Q(executed_at__isnull=False),
                name="disposal_run_executed_has_time",
            ),
        ]

    def __str__(self):
        return _("Disposal run %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("archive:disposal_detail", args=[self.pk])


class DisposalCandidate(models.Model):
    """A record that a proposed run would dispose of (a plain id: the record may go)."""

    run = models.ForeignKey(DisposalRun, on_delete=models.CASCADE, related_name="candidates")
    record_id = models.BigIntegerField()
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("disposal candidate")
        verbose_name_plural = _("disposal candidates")
        constraints = [
            models.UniqueConstraint(fields=["run", "record_id"], name="one_candidate_per_run"),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.record_id}"


class DisposalTrace(models.Model):
    """What the log of a disposed record and of a disposed item both keep.

    Where it was (channel and unit by id and name, as they were), which rule and
    decision allowed the disposal, and when and by whom it was done. Log entries
    are never deleted.
    """

    channel_id = models.BigIntegerField(_("channel"))
    channel_name = models.CharField(_("channel name"), max_length=300)
    unit_name = models.CharField(_("unit"), max_length=200)
    rule_id = models.BigIntegerField(_("retention rule"))
    rule_summary = models.CharField(_("rule"), max_length=300)
    decision_number = models.CharField(_("decision number"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    disposed_at = models.DateTimeField(_("disposed of"), db_index=True)
    # Null: the scheduler ran it.
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disposed of by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise RecordImmutableLog("The disposal log is kept permanently.")


class DisposalLogEntry(DisposalTrace):
    """The permanent trace of one disposed record (gallringslogg).

    Keeps the record's place in the hash chain, so that verification can step
    over it: sequence, hash and previous hash.
    """

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="log_entries")
    record_id = models.BigIntegerField(_("record"), db_index=True)
    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    record_type = models.CharField(_("record type"), max_length=20, choices=RecordType.choices)
    hash = models.CharField(_("SHA-256"), max_length=64)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    acted_at = models.DateTimeField(_("acted on"))

    class Meta:
        verbose_name = _("disposal log entry")
        verbose_name_plural = _("disposal log")
        ordering = ["sequence"]

    def __str__(self):
        return f"#{self.sequence} ({self.record_id})"


class ItemDisposalCandidate(models.Model):
    """A moderation item that a proposed run would dispose of (a plain id: the item may go)."""

    run = models.ForeignKey(DisposalRun, on_delete=models.CASCADE, related_name="item_candidates")
    item_id = models.BigIntegerField()
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("item disposal candidate")
        verbose_name_plural = _("item disposal candidates")
        constraints = [
            models.UniqueConstraint(fields=["run", "item_id"], name="one_item_candidate_per_run"),
        ]

    def __str__(self):
        return f"{self.run_id}/item {self.item_id}"


class ItemDisposalLogEntry(DisposalTrace):
    """The permanent trace of one disposed moderation item.

    Holds no personal data: no text, no sender, no reply, no names of the
    people who handled it. `content_sha256` proves what was disposed of to
    anyone who still holds a copy, without keeping the copy here.
    """

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="item_log_entries")
    item_id = models.BigIntegerField(_("item"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    state = models.CharField(_("state"), max_length=20, choices=ItemState.choices)
    source = models.CharField(_("arrived through"), max_length=20, choices=ItemSource.choices)
    received_at = models.DateTimeField(_("received"))
    acted_at = models.DateTimeField(_("acted on"), null=True, blank=True)
    version_count = models.PositiveIntegerField(_("versions"))
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)

    class Meta:
        verbose_name = _("item disposal log entry")
        verbose_name_plural = _("item disposal log")
        ordering = ["item_id"]

    def __str__(self):
        return f"item {self.item_id}"


class RecordImmutableLog(Exception):
    """An attempt to remove the disposal log."""
