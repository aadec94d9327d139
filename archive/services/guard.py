"""The guard between disposal and what keeps a record: legal holds and requests.

A disposal batch decides which records are still due with one query, under
its statement's snapshot, and deletes them before it commits. A legal hold on
a channel committed in between would not be seen, and the channel's records
in that batch would go although the hold was in place before the disposal
ended. (A hold on one record, or a record attached to a request, is safe by
its foreign key's row lock, but could only fail with a database error.)

So each disposal batch holds a shared transaction-level advisory lock from
its start, and placing a hold or attaching records to a request holds the
same lock exclusively: a hold waits for the batches under way to commit, and
a batch that starts meanwhile waits for the hold, whose row its query then
sees. Batches do not wait for each other. On SQLite, which has one writer at
a time, a batch that read before a hold was committed cannot write at all.
"""

from django.db import connections, router

from archive.models import Record

# Any fixed 64-bit number, the same for every process: "smedje" in ASCII.
DISPOSAL_GUARD_KEY = 0x736D65646A65


def disposal_guard(*, exclusive: bool) -> None:
    """Hold the guard until the current transaction ends; call inside transaction.atomic."""
    connection = connections[router.db_for_write(Record)]
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [DISPOSAL_GUARD_KEY])
