from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible for the channel")
    OPERATOR = "operator", _("Runs the channel day to day")


class ContactBase(models.Model):
    """A person named on an application or a channel: name, phone, e-mail."""

    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        abstract = True
        ordering = ["role", "position"]

    def __str__(self):
        return self.name
