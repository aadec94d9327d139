"""What happens to the archive: verifications, exports, access and changes."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class VerificationRun(models.Model):
    """The result of one walk along the hash chain."""

    started_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"))
    ok = models.BooleanField(_("chain holds"))
    checked = models.PositiveBigIntegerField(_("links checked"), default=0)
    first_bad_sequence = models.PositiveBigIntegerField(
        _("first bad sequence number"), null=True, blank=True
    )
    first_bad_record_id = models.BigIntegerField(_("first bad record"), null=True, blank=True)
    message = models.TextField(_("result"), blank=True)
    # Null: the scheduler ran it.
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'FAIL'}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Export(models.Model):
    """An E-ARK submission package of a selection of records, built by a task."""

    status = models.CharField(
        _("status"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    record_type = models.CharField(_("record type"), max_length=20, blank=True)
    since = models.DateField(_("from"), null=True, blank=True)
    until = models.DateField(_("to"), null=True, blank=True)
    progress = models.PositiveIntegerField(_("records written"), default=0)
    total = models.PositiveIntegerField(_("records"), default=0)
    # Relative to MEDIA_ROOT, under exports/.
    file_path = models.CharField(_("file"), max_length=300, blank=True)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Export %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("archive:export_detail", args=[self.pk])

    @property
    def percent(self):
        return int(100 * self.progress / self.total) if self.total else 0


class AccessLog(models.Model):
    """Who saw or exported which records, and how."""

    class Action(models.TextChoices):
        SEARCH = "search", _("Search")
        VIEW = "view", _("View")
        EXPORT_PDF = "export_pdf", _("PDF copy")
        EXPORT_BUNDLE = "export_bundle", _("CSV/JSON copy")
        EXPORT_SIP = "export_sip", _("E-ARK export")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    record_ids = models.JSONField(_("records"), default=list)
    request = models.ForeignKey(
        "archive.PublicRecordRequest",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AuditEntry(models.Model):
    """A change made to the archive by a person (or the scheduler, with no actor)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    event = models.CharField(_("event"), max_length=50)
    target_type = models.CharField(_("object type"), max_length=50)
    target_id = models.BigIntegerField(_("object"))
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.event} {self.target_type} {self.target_id}"
