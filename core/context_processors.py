from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core import roles


def _queue_counts(request, user):
    """Open items for the navigation, evaluated only when the menu shows them: one query for
    handlers and communicators, none for others (moderation.selectors.queue_nav)."""
    from moderation.selectors import queue_nav

    return SimpleLazyObject(lambda: queue_nav(request, user))


def site(request):
    """The municipality's name and what the navigation may show this user."""
    user = getattr(request, "user", None)
    return {
        "municipality_name": settings.MUNICIPALITY_NAME,
        "municipality_url": settings.MUNICIPALITY_URL,
        "contact_email": settings.CONTACT_EMAIL,
        "nav": {
            "is_employee": bool(user and roles.user_has_role(user, roles.EMPLOYEE)),
            "is_manager": bool(user and roles.is_manager(user)),
            "is_communicator": bool(user and roles.is_communicator(user)),
            "is_registrar": bool(user and roles.is_registrar(user)),
            "is_admin": bool(user and user.is_active and user.is_staff),
            "queue": _queue_counts(request, user) if user and user.is_authenticated else None,
        },
    }
