from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContentRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class ContentRule(models.Model):
    """One of the rules on what posts and comments may not contain (the guidelines' list).

    Data, not code: seeded with the nine rules of the guidelines by a data
    migration and edited by administrators. Every removal cites at least one.
    """

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive rules cannot be cited any more.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ContentRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("content rule")
        verbose_name_plural = _("content rules")
        ordering = ["position", "number"]

    def __str__(self):
        return f"{self.number}. {self.title}"


class RuleKeywordQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True, rule__active=True)


class RuleKeyword(models.Model):
    """A word or phrase that suggests a probable break of a rule; it only flags, never removes.

    Matched case-insensitively as a whole word or phrase; a trailing `*`
    matches any ending (`idiot*` matches "idioter").
    """

    rule = models.ForeignKey(
        ContentRule,
        verbose_name=_("content rule"),
        on_delete=models.CASCADE,
        related_name="keywords",
    )
    phrase = models.CharField(_("word or phrase"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RuleKeywordQuerySet.as_manager()

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["rule__position", "rule__number", "phrase"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "phrase"], name="one_keyword_per_rule"),
            models.CheckConstraint(condition=~Q(phrase=""), name="keyword_not_empty"),
        ]

    def __str__(self):
        return self.phrase


class ReplyPurpose(models.TextChoices):
    ANSWER = "answer", _("Answer")
    POLITICAL = "political", _("Referral to the political parties")
    REMOVAL = "removal", _("Message to the writer about a removal")


class ReplyTemplateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_purpose(self, purpose):
        return self.active().filter(purpose=purpose)


class ReplyTemplate(models.Model):
    """An approved reply text kept by the communicator; handlers pick and edit it."""

    title = models.CharField(_("title"), max_length=200)
    purpose = models.CharField(
        _("used for"), max_length=20, choices=ReplyPurpose.choices, default=ReplyPurpose.ANSWER
    )
    text = models.TextField(_("text"))
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ReplyTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["purpose", "position", "title", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="reply_template_text")]

    def __str__(self):
        return self.title
