from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channels.models.contacts import ContactBase


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for the manager")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# An application is "open" while it can still become a channel: it then
# holds its address, so that nobody else applies for the same account.
OPEN_APPLICATION = Q(
    status__in=[ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED]
) | Q(status=ApplicationStatus.APPROVED, registered_at__isnull=True)


class ChannelApplicationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(OPEN_APPLICATION)

    def waiting_for_registration(self):
        return self.filter(status=ApplicationStatus.APPROVED, registered_at__isnull=True)

    def with_related(self):
        return self.select_related("unit", "platform", "applicant", "decided_by")


class ChannelApplication(models.Model):
    """The guidelines' appendix "Sociala medier – Ansökan", and its decision."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="channel_applications",
    )
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="applications"
    )
    platform = models.ForeignKey(
        "channels.Platform",
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    address = models.CharField(_("address"), max_length=500)
    normalized_address = models.CharField(_("normalised address"), max_length=500, db_index=True)
    purpose = models.TextField(_("purpose"))
    target_group = models.TextField(_("target group"))
    guidelines_read = models.BooleanField(_("has read the guidelines"), default=False)

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    # Bumped by every change, so that a form or decision made on an older
    # version of the application is refused instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The manager's approval (the appendix's "Datum/namn/underskrift"), or
    # rejection or return: who, when, from which account, and why.
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_channel_applications",
    )
    decided_by_name = models.CharField(_("decided by (name)"), max_length=300, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    registered_at = models.DateTimeField(_("registered as a channel"), null=True, blank=True)

    objects = ChannelApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel application")
        verbose_name_plural = _("channel applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_address"],
                condition=OPEN_APPLICATION,
                name="one_open_application_per_address",
            ),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.DRAFT)
                | Q(status=ApplicationStatus.RETURNED)
                | Q(guidelines_read=True, submitted_at__isnull=False),
                name="submitted_application_read_guidelines",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED])
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="decided_application_has_decider",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return f"{self.platform} {self.address}"

    def get_absolute_url(self):
        return reverse("channels:application_detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)

    def contacts_by_role(self, role):
        return [c for c in self.contacts.all() if c.role == role]


class ApplicationContact(ContactBase):
    application = models.ForeignKey(
        ChannelApplication, on_delete=models.CASCADE, related_name="contacts"
    )

    class Meta(ContactBase.Meta):
        verbose_name = _("application contact")
        verbose_name_plural = _("application contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "role", "position"], name="one_contact_per_slot"
            ),
        ]


class ApplicationEvent(models.Model):
    """The audit row of every change to an application, written in the same transaction."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        REGISTERED = "registered", _("Registered as a channel")

    application = models.ForeignKey(
        ChannelApplication, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Set once the e-mail about this event has gone out, so a task delivered
    # twice does not send it twice.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
