from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AbsenceQuerySet(models.QuerySet):
    def current(self):
        """Not cancelled; whether it covers a moment is `covering(at)`."""
        return self.filter(cancelled_at__isnull=True)

    def covering(self, at=None):
        at = at or timezone.now()
        return self.current().filter(starts_at__lte=at, ends_at__gt=at)

    def not_ended(self, at=None):
        at = at or timezone.now()
        return self.current().filter(ends_at__gt=at)


class Absence(models.Model):
    """A handler's absence (frånvaro) with the substitute (ersättare) who covers it.

    The period is half-open, [starts_at, ends_at). Read who covers whom
    through `moderation.selectors`, which follows chains of substitutes.
    A cancelled absence is kept for the history and covers nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("absent person"),
        on_delete=models.PROTECT,
        related_name="absences",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    # Null: absent without a substitute (the communicators then see the queue).
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("substitute"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="substitutions",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
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

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="absence_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(substitute=F("user")), name="absence_substitute_not_self"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | Q(cancelled_at__isnull=False, cancelled_by__isnull=False),
                name="absence_cancellation_complete",
            ),
        ]
        indexes = [models.Index(fields=["user", "ends_at"])]

    def __str__(self):
        return f"{self.user} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"
