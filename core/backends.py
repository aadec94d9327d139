from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from core.roles import EMPLOYEE


class RoleBackend(ModelBackend):
    """The model backend, with Medarbetare's permissions for every active user.

    DESIGN.md: every logged-in employee counts as Medarbetare. Doing it here
    rather than adding everyone to the group keeps new accounts (created in the
    admin or by single sign-on later) right without a signal.
    """

    def _get_group_permissions(self, user_obj):
        own = super()._get_group_permissions(user_obj)
        employee = Permission.objects.filter(group__name=EMPLOYEE)
        return own | employee
