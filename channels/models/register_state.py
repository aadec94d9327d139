from django.db import models
from django.utils.translation import gettext_lazy as _


class RegisterState(models.Model):
    """The version of what the public register shows: one row, kept by the database.

    Triggers (migration 0007) give `version` a new random value on every
    change to the channels, their events, the units and the platforms,
    whoever makes it: the services, the admin, a bulk update or raw SQL. The
    public pages and API key their caches and ETags with it
    (`public_queries.register_version`): one lookup by primary key instead of
    aggregates over the register, made at most once a second per process for
    anonymous visitors (`REGISTER_VERSION_MAX_AGE`).

    Random rather than counted: a change rolled back leaves the old value, and
    the next change must still get a value never used before, or a page cached
    from the rolled-back transaction could be served for it.
    """

    ID = 1

    version = models.BigIntegerField(_("version"))

    class Meta:
        verbose_name = _("register state")
        verbose_name_plural = _("register state")

    def __str__(self):
        return str(self.version)
