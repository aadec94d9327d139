"""Fixtures of the fuzz tests: one world per module (see support.py for the helpers).

The users and objects are the permission matrix's (tests/test_permission_matrix.py),
built once per module inside a transaction that is rolled back when the module ends.
"""

import pytest
from django.db import transaction

from tests.test_permission_matrix import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Users per role and the objects URLs point at, rolled back when the module ends."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
