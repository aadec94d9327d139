import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX_LENGTH = 8


def hash_token(plain: str) -> str:
    """SHA-256 hex of a token: tokens are 256 random bits, so no salt or slow hash is needed."""
    return hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()


class IngestTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class IngestToken(models.Model):
    """A per-source token for the ingestion API; only its hash is stored."""

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("Which system uses the token, e.g. “Contact form on the website”."),
    )
    channels = models.ManyToManyField(
        "channels.Channel",
        verbose_name=_("channels"),
        related_name="ingest_tokens",
        help_text=_("The channels this token may deliver items to."),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("beginning of the token"), max_length=TOKEN_PREFIX_LENGTH, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = IngestTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("ingestion token")
        verbose_name_plural = _("ingestion tokens")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="revoked_token_has_actor",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
