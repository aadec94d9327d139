from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.validators import validate_single_line


class UnitQuerySet(models.QuerySet):
    def managed_by(self, user):
        return self.filter(managers=user)


class Unit(models.Model):
    """An administration or unit (förvaltning/enhet); units form a tree."""

    name = models.CharField(
        _("name"), max_length=200, unique=True, validators=[validate_single_line]
    )
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        blank=True,
        related_name="managed_units",
        help_text=_("The nearest managers (verksamhetschef, enhetschef) of the unit."),
    )
    # The public register shows unit names: a rename must change its ETag.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="unit_not_own_parent",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:core_unit_change", args=[self.pk])

    def ancestors(self):
        """The parent chain, nearest first; stops on a cycle made in the admin."""
        seen, unit = {self.pk}, self.parent
        while unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            yield unit
            unit = unit.parent


class Heartbeat(models.Model):
    """The last time the periodic scheduler fired; one row, updated in place."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class SitePage(models.Model):
    """A text page that administrators edit: the guidelines, the accessibility statement.

    The body is plain text; blank lines separate paragraphs, and lines that
    start with "# " are headings. Without a stored page, the view shows the
    text shipped with the application.
    """

    class Slug(models.TextChoices):
        GUIDELINES = "riktlinjer", _("Guidelines for social media")
        ACCESSIBILITY = "tillganglighet", _("Accessibility statement")

    slug = models.CharField(_("page"), max_length=50, choices=Slug.choices, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def blocks(self):
        """The body as (kind, text) blocks: "h2" for headings, "p" for paragraphs."""
        for block in self.body.replace("\r\n", "\n").split("\n\n"):
            block = block.strip()
            if not block:
                continue
            if block.startswith("# "):
                yield "h2", block[2:].strip()
            else:
                yield "p", block
