from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from moderation.selectors import remember_queue_role_at_login

        # Not domain logic: it primes the navigation's note in the session (see
        # moderation.selectors.queue_nav), so that pages of non-handlers cost no query.
        user_logged_in.connect(remember_queue_role_at_login, dispatch_uid="moderation_nav")
