import pytest
from django.contrib.auth.models import Group

from core import roles
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_role_groups_exist_with_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ROLES) <= names
    communicator = Group.objects.get(name=roles.COMMUNICATOR)
    assert communicator.permissions.filter(codename="change_platform").exists()


@pytest.mark.django_db
def test_every_active_user_has_the_employee_permissions():
    plain = UserFactory()
    inactive = UserFactory(is_active=False)

    assert plain.has_perm("core.view_unit")
    assert not plain.has_perm("channels.change_platform")
    assert not inactive.has_perm("core.view_unit")


@pytest.mark.django_db
def test_a_communicator_has_their_permissions_and_a_plain_employee_not():
    communicator = UserFactory(roles=[roles.COMMUNICATOR])
    plain = UserFactory()

    assert communicator.has_perm("channels.change_platform")
    assert roles.is_communicator(communicator)
    assert not roles.is_communicator(plain)
    assert roles.user_has_role(plain, roles.EMPLOYEE)
