"""Fixtures of the fuzz tests: one world per module (see support.py for the helpers).

The users and objects are the permission matrix's (tests/test_permission_matrix.py),
built once per module inside a transaction that is rolled back when the module ends:
the matrix's own `world` fixture, shared here.
"""

from tests.test_permission_matrix import world  # noqa: F401
