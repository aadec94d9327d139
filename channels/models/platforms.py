from django.db import models
from django.utils.translation import gettext_lazy as _


class PlatformKind(models.TextChoices):
    """What the address rules and webhooks know about; `blog` and `other` take any URL."""

    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LINKEDIN = "linkedin", "LinkedIn"
    YOUTUBE = "youtube", "YouTube"
    X = "x", "X"
    TIKTOK = "tiktok", "TikTok"
    MASTODON = "mastodon", "Mastodon"
    BLOG = "blog", _("Blog")
    OTHER = "other", _("Other")


class Platform(models.Model):
    """A social medium the municipality may use (socialt medium)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=PlatformKind.choices, default=PlatformKind.OTHER
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    # The public register shows platform names: a rename must change its ETag.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name
