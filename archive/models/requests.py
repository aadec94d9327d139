"""Requests for public records (begäran om allmän handling) and their masks.

A request gathers the records that answer it; `Mask` rows say which parts of a
record must not be handed out and under which provision of OSL. Masks belong
to the request, not the record: the original is never changed, and another
request may need a different assessment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RequestChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Telephone")
    IN_PERSON = "in_person", _("In person")
    SOCIAL_MEDIA = "social_media", _("Social media")
    WEB_FORM = "web_form", _("Web form")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PublicRecordRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=RequestStatus.OPEN)


class PublicRecordRequest(models.Model):
    """A request for public records; the requester may stay anonymous."""

    received_at = models.DateTimeField(_("received"))
    received_via = models.CharField(_("received by"), max_length=20, choices=RequestChannel.choices)
    requester_name = models.CharField(
        _("requester's name"),
        max_length=200,
        blank=True,
        help_text=_("Optional: anyone may request public records anonymously."),
    )
    requester_contact = models.CharField(
        _("how to deliver the copy"),
        max_length=300,
        blank=True,
        help_text=_("Optional: an e-mail or postal address, if the requester gave one."),
    )
    description = models.TextField(_("what is requested"))
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)

    objects = PublicRecordRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request for public records")
        verbose_name_plural = _("requests for public records")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="request_closed_has_time",
            ),
        ]

    def __str__(self):
        return _("Request %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("archive:request_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status == RequestStatus.OPEN


class RequestRecord(models.Model):
    """A record attached to a request."""

    request = models.ForeignKey(
        PublicRecordRequest, on_delete=models.CASCADE, related_name="request_records"
    )
    # Records attached to an open request are not disposed of; after the
    # request is closed they may be, and the id and hash stay here.
    record = models.ForeignKey(
        "archive.Record",
        null=True,
        on_delete=models.SET_NULL,
        related_name="request_records",
    )
    record_ref = models.BigIntegerField(_("record number"))
    record_hash = models.CharField(_("SHA-256"), max_length=64)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("requested record")
        verbose_name_plural = _("requested records")
        ordering = ["record_ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "record_ref"], name="one_record_per_request"
            ),
        ]

    def __str__(self):
        return f"{self.request_id}/{self.record_ref}"


class Mask(models.Model):
    """Text of a record withheld from the copy handed out for a request (maskering)."""

    request = models.ForeignKey(PublicRecordRequest, on_delete=models.CASCADE, related_name="masks")
    record = models.ForeignKey(
        "archive.Record", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    record_ref = models.BigIntegerField(_("record number"))
    # Every occurrence of the exact text is masked, wherever it appears in the record.
    text = models.CharField(_("text to mask"), max_length=1000)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=200,
        help_text=_("For example: OSL 21 kap. 7 §"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("mask")
        verbose_name_plural = _("masks")
        ordering = ["record_ref", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="mask_text_not_empty"),
            models.CheckConstraint(condition=~Q(legal_basis=""), name="mask_has_legal_basis"),
        ]

    def __str__(self):
        return f"{self.legal_basis} ({self.record_ref})"
