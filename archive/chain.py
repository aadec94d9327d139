"""The canonical serialisation of a record and its SHA-256.

The hash covers every captured field and the previous record's hash, so a
change to any of them, or a record taken out of the chain, shows. The
serialisation is JSON with sorted keys, no insignificant whitespace and UTF-8
(`ensure_ascii=False`); times are UTC ISO 8601 with microseconds, so the same
record hashes the same on SQLite and PostgreSQL and after a round trip
through the database.
"""

import datetime
import hashlib
import json

# The fields of a Record that the hash covers, in no particular order (keys are sorted).
HASHED_FIELDS = (
    "sequence",
    "record_type",
    "channel_id",
    "unit_id",
    "content",
    "text",
    "sender_id",
    "sender_name",
    "platform_created_at",
    "received_at",
    "acted_at",
    "action",
    "rules",
    "actor_id",
    "actor_name",
    "item_id",
    "registration_number",
    "description",
    "archived_at",
    "previous_hash",
)


def _time(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"not a datetime: {value!r}")


def canonical_bytes(fields: dict) -> bytes:
    """The canonical serialisation of a record given as a field -> value mapping."""
    data = {}
    for name in HASHED_FIELDS:
        value = fields[name]
        if name.endswith("_at"):
            value = _time(value)
        data[name] = value
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def record_hash(fields: dict) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def fields_of(record) -> dict:
    """The hashed fields of a Record instance (or a `values()` dict)."""
    if isinstance(record, dict):
        return {name: record[name] for name in HASHED_FIELDS}
    return {name: getattr(record, name) for name in HASHED_FIELDS}
