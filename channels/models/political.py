from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PoliticalLink(models.Model):
    """A link to a political representative's blog or similar.

    The guidelines give representatives of parties with an ordinary seat in
    the municipal council or a committee the right to a link on the
    municipality's social-media page; the page states that the municipality
    is not responsible for what is posted there.
    """

    party = models.CharField(_("party"), max_length=200)
    person = models.CharField(_("representative"), max_length=200)
    body = models.CharField(
        _("council or committee"),
        max_length=200,
        help_text=_("Where the representative has an ordinary seat, e.g. Kommunfullmäktige."),
    )
    url = models.URLField(_("web address"), max_length=500)
    is_active = models.BooleanField(_("shown"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("political link")
        verbose_name_plural = _("political links")
        ordering = ["party", "person"]

    def __str__(self):
        return f"{self.person} ({self.party})"


class PoliticalLinkEvent(models.Model):
    """The audit row of every change to a political link, written in the same transaction.

    The link is nullable so that the history of a deleted link stays: `label`
    keeps what the link was called when the event happened.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Changed")
        DELETED = "deleted", _("Deleted")

    link = models.ForeignKey(
        PoliticalLink,
        verbose_name=_("political link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    label = models.CharField(_("link"), max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("political link event")
        verbose_name_plural = _("political link events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.label} {self.created_at:%Y-%m-%d %H:%M}"
