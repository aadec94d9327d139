"""National-scale data for the benchmark, loaded with COPY in minutes.

Design
------

The rows are the ones the product itself would create (valid states and
times, one version per item, an event per handling, records chained by
SHA-256 exactly as `archive.chain` computes it, so `archive_verify` passes),
but they are written with PostgreSQL's COPY instead of the services: the
services take a few milliseconds a row, which is hours at this scale.

The secondary indexes of the big tables are dropped before the load and
rebuilt after it with their own definitions (building an index once is far
cheaper than maintaining it row by row); the constraints stay throughout.

A marker table, ``bench_seed``, records the sizes that were seeded. A later
run finds it and reuses the data; only what a run consumes (expired records
disposed of, reminder steps claimed, ingested items) is put back or removed
by the harness itself (`prepare_run`).
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from archive.chain import fields_of, record_hash
from archive.models import ChainHead, Record, RetentionRule
from archive.models.records import GENESIS_HASH
from bench.config import Scale
from channels.addresses import normalize
from channels.models import Channel, ChannelEvent, ChannelStatus, Platform, PlatformKind
from core import roles
from core.demo import seed_platforms
from core.models import Unit
from moderation.models import (
    Delivery,
    Item,
    ItemEvent,
    ItemReminder,
    ItemState,
    ItemVersion,
    UnhandledEvent,
)

logger = logging.getLogger("bench")

MARKER_TABLE = "bench_seed"
# Rows per COPY statement: large enough to amortise, small enough to keep memory flat.
COPY_BATCH = 50_000
RANDOM_SEED = 20261128

HANDLER = "bench-handler"
REGISTRARS = ("bench-registrator-1", "bench-registrator-2")
COMMUNICATOR = "bench-kommunikator"
# Channels per ordinary handler, and the bench handler's own channels.
CHANNELS_PER_HANDLER = 15
HANDLER_CHANNELS = 10
# The channels the webhook benchmark posts to (Facebook pages), by account id.
INGEST_ACCOUNT_PREFIX = "9990000000"
INGEST_CHANNELS = 8
# The channel that holds exactly `export_records` records.
EXPORT_CHANNEL_NAME = "Bench export"

PLATFORM_KINDS = (
    PlatformKind.FACEBOOK,
    PlatformKind.INSTAGRAM,
    PlatformKind.LINKEDIN,
    PlatformKind.YOUTUBE,
    PlatformKind.X,
    PlatformKind.TIKTOK,
)
ADDRESS_FORMS = {
    PlatformKind.FACEBOOK: "https://www.facebook.com/kommun.kanal{n}",
    PlatformKind.INSTAGRAM: "https://www.instagram.com/kommun_kanal{n}",
    PlatformKind.LINKEDIN: "https://www.linkedin.com/company/kommun-kanal{n}",
    PlatformKind.YOUTUBE: "https://www.youtube.com/@kommunkanal{n}",
    PlatformKind.X: "https://x.com/kk{n}",
    PlatformKind.TIKTOK: "https://www.tiktok.com/@kommunkanal{n}",
}

WORDS = [
    "när",
    "öppnar",
    "badhuset",
    "igen",
    "efter",
    "renoveringen",
    "hur",
    "bokar",
    "man",
    "tid",
    "för",
    "simskolan",
    "vilken",
    "dag",
    "kommer",
    "sophämtningen",
    "till",
    "vår",
    "gata",
    "snöröjningen",
    "är",
    "dålig",
    "på",
    "cykelvägen",
    "vid",
    "skolan",
    "tack",
    "för",
    "informationen",
    "var",
    "kan",
    "jag",
    "hitta",
    "blanketten",
    "till",
    "bygglov",
    "biblioteket",
    "har",
    "bra",
    "öppettider",
    "men",
    "parkeringen",
    "är",
    "full",
    "varför",
    "stängdes",
    "fritidsgården",
    "i",
    "somras",
    "kan",
    "ni",
    "svara",
    "på",
    "min",
    "fråga",
    "om",
    "förskolan",
    "och",
    "barnomsorgen",
    "i",
    "centrum",
    "hemtjänsten",
    "kom",
    "sent",
    "igen",
    "idag",
    "konserten",
    "i",
    "stadsparken",
    "på",
    "lördag",
    "var",
    "fantastisk",
    "vattnet",
    "smakar",
    "konstigt",
    "i",
    "norra",
    "delen",
    "av",
    "kommunen",
    "gatubelysningen",
    "är",
    "trasig",
    "vid",
    "busshållplatsen",
    "återvinningscentralen",
    "borde",
    "ha",
    "längre",
    "öppettider",
    "på",
    "helgerna",
]
# Words with a known share of the archive's records, for the full-text search.
RARE_WORD = "vattenläcka"  # about 1 record in 1,000
MEDIUM_WORD = "kulturnatten"  # about 1 record in 50
FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Anders",
    "Eva",
    "Johan",
    "Sara",
    "Per",
    "Lena",
    "Nils",
    "Ida",
    "Olof",
    "Emma",
]
LAST_NAMES = [
    "Lindqvist",
    "Johansson",
    "Andersson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Berg",
]


# --- COPY -------------------------------------------------------------------------------


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif not isinstance(value, str):
        return str(value)
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class CopyWriter:
    """COPY rows of one model's table, given as {attname: value}, in batches."""

    def __init__(self, model, *, now, explicit_ids=False, after=None):
        # `after`: the writer of the rows these refer to, flushed first.
        self.after = after
        self.model = model
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if explicit_ids or not f.primary_key]
        self.columns = [f.column for f in self.fields]
        self.defaults = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = now
            elif field.has_default():
                self.defaults[field.attname] = field.get_default()
            elif field.null:
                self.defaults[field.attname] = None
            elif field.empty_strings_allowed and not field.primary_key:
                self.defaults[field.attname] = ""
        self.buffer = io.StringIO()
        self.pending = 0
        self.count = 0

    def add(self, row: dict):
        values = []
        for field in self.fields:
            name = field.attname
            if name in row:
                values.append(_copy_value(row[name]))
            elif name in self.defaults:
                values.append(_copy_value(self.defaults[name]))
            else:
                raise KeyError(f"{self.table}.{name} has no value and no default")
        self.buffer.write("\t".join(values))
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= COPY_BATCH:
            self.flush()

    def flush(self):
        if self.after is not None:
            self.after.flush()
        if not self.pending:
            return
        self.buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer
            )
        self.count += self.pending
        self.buffer = io.StringIO()
        self.pending = 0


def _reset_sequence(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - table names from the models, values bound
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608 - table names from the models, values bound
        return cursor.fetchone()[0] + 1


class IndexesDropped:
    """Drop a table's secondary (non-constraint) indexes, and rebuild them on exit."""

    def __init__(self, *models):
        self.tables = [model._meta.db_table for model in models]
        self.definitions: list[tuple[str, str]] = []

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                """,
                [self.tables],
            )
            self.definitions = cursor.fetchall()
            for name, _definition in self.definitions:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in self.definitions:
                started = time.perf_counter()
                cursor.execute(definition)
                logger.info("index %s rebuilt in %.1f s", name, time.perf_counter() - started)
        return False


# --- the marker ---------------------------------------------------------------------------


def ensure_marker_table():
    with connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (
                id integer PRIMARY KEY CHECK (id = 1),
                scale jsonb NOT NULL,
                seeded_at timestamptz NOT NULL,
                seconds double precision NOT NULL
            )"""
        )


def seeded_scale() -> dict | None:
    ensure_marker_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT scale, seeded_at, seconds FROM {MARKER_TABLE} WHERE id = 1")  # noqa: S608 - table names from the models, values bound
        row = cursor.fetchone()
    if row is None:
        return None
    scale = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return {"scale": scale, "seeded_at": row[1], "seconds": row[2]}


def _write_marker(scale: Scale, seconds: float):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, scale, seeded_at, seconds) VALUES (1, %s, now(), %s) "  # noqa: S608 - table names from the models, values bound
            "ON CONFLICT (id) DO UPDATE SET scale = EXCLUDED.scale, "
            "seeded_at = EXCLUDED.seeded_at, seconds = EXCLUDED.seconds",
            [json.dumps(scale.marker()), seconds],
        )


# --- generators ----------------------------------------------------------------------------


def _text(rng: random.Random, low=6, high=22) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    if rng.random() < 0.001:
        words.insert(rng.randrange(len(words) + 1), RARE_WORD)
    if rng.random() < 0.02:
        words.insert(rng.randrange(len(words) + 1), MEDIUM_WORD)
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + ("?" if rng.random() < 0.4 else ".")


def _sender(rng: random.Random) -> tuple[str, str]:
    number = rng.randrange(10**15, 10**16)
    return str(number), f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


# --- the seed ----------------------------------------------------------------------------------


def _users(scale: Scale):
    User = get_user_model()
    handler_count = max(2, scale.channels // CHANNELS_PER_HANDLER)
    wanted = [HANDLER, COMMUNICATOR, *REGISTRARS] + [
        f"bench-h-{n:05d}" for n in range(handler_count)
    ]
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=name,
                first_name=name.split("-")[1].capitalize(),
                last_name=name.rsplit("-", 1)[-1],
                email=f"{name}@bench.example.se",
                password="!",  # noqa: S106 - unusable: nobody logs in as these users
            )
            for name in wanted
            if name not in existing
        ],
        batch_size=5000,
    )
    users = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
    Group.objects.get(name=roles.REGISTRAR).user_set.add(*[users[name] for name in REGISTRARS])
    Group.objects.get(name=roles.COMMUNICATOR).user_set.add(users[COMMUNICATOR])
    handlers = [users[f"bench-h-{n:05d}"] for n in range(handler_count)]
    return users, handlers


def _units(scale: Scale, now) -> list[tuple[int, str]]:
    Unit.objects.bulk_create(
        [
            Unit(name=f"Förvaltning {n:03d}", slug=f"forvaltning-{n:03d}")
            for n in range(1, scale.units + 1)
        ],
        ignore_conflicts=True,
    )
    return list(
        Unit.objects.filter(slug__startswith="forvaltning-")
        .order_by("pk")
        .values_list("pk", "name")
    )


def _normalized(address, kind) -> str:
    canonical = normalize(address, kind)
    if not canonical:
        raise ValueError(f"{address} is not a valid {kind} address")
    return canonical


def _channels(scale: Scale, units, users, handlers, now, rng) -> list[dict]:
    seed_platforms()
    platforms = {p.kind: p for p in Platform.objects.filter(kind__in=PLATFORM_KINDS)}
    writer = CopyWriter(Channel, now=now, explicit_ids=True)
    events = CopyWriter(ChannelEvent, now=now, after=writer)
    start = _next_id(Channel)
    channels = []
    communicator = users[COMMUNICATOR]
    for n in range(scale.channels):
        kind = PLATFORM_KINDS[n % len(PLATFORM_KINDS)]
        unit_id, unit_name = units[n % len(units)]
        address = ADDRESS_FORMS[kind].format(n=n)
        pk = start + n
        if n < INGEST_CHANNELS:
            kind, address = PlatformKind.FACEBOOK, ADDRESS_FORMS[PlatformKind.FACEBOOK].format(n=n)
            account_id = f"{INGEST_ACCOUNT_PREFIX}{n:05d}"
        else:
            account_id = str(10**14 + n)
        published = now - datetime.timedelta(days=rng.randint(30, 1500))
        name = EXPORT_CHANNEL_NAME if n == INGEST_CHANNELS else f"{unit_name} {kind.label} {n}"
        writer.add(
            {
                "id": pk,
                "application_id": None,
                "unit_id": unit_id,
                "platform_id": platforms[kind].pk,
                "display_name": name,
                "address": address,
                "normalized_address": _normalized(address, kind),
                "account_id": account_id,
                "purpose": "Information och service till kommunens invånare.",
                "target_group": "Invånare, föräldrar och besökare.",
                "public_email": f"kanal{n}@kommun.example.se",
                "public_phone": "0240-66 00 00",
                "status": ChannelStatus.PUBLISHED,
                "registered_at": published - datetime.timedelta(days=7),
                "registered_by_id": communicator,
                "published_at": published,
                "updated_at": published,
                "last_confirmed_at": published,
            }
        )
        for kind_event, at, public in (
            (ChannelEvent.Kind.REGISTERED, published - datetime.timedelta(days=7), False),
            (ChannelEvent.Kind.PUBLISHED, published, True),
        ):
            events.add(
                {
                    "channel_id": pk,
                    "actor_id": communicator,
                    "kind": kind_event,
                    "public": public,
                    "created_at": at,
                    "changes": {},
                }
            )
        channels.append({"id": pk, "unit_id": unit_id, "n": n})
    writer.flush()
    events.flush()
    _reset_sequence(Channel)
    _reset_sequence(ChannelEvent)
    # Handlers: the bench handler has its own channels; every other channel has one handler.
    through = Channel.handlers.through
    mine = channels[INGEST_CHANNELS + 1 : INGEST_CHANNELS + 1 + HANDLER_CHANNELS]
    rows = [through(channel_id=c["id"], user_id=users[HANDLER]) for c in mine]
    rows += [
        through(channel_id=c["id"], user_id=handlers[i % len(handlers)])
        for i, c in enumerate(channels)
        if c not in mine
    ]
    through.objects.bulk_create(rows, batch_size=10_000)
    return channels


CLOSED_STATES = (
    (ItemState.ANSWERED, ItemEvent.Kind.ANSWERED, 0.55),
    (ItemState.NO_ANSWER, ItemEvent.Kind.NO_ANSWER, 0.40),
    (ItemState.UNPUBLISHED, ItemEvent.Kind.UNPUBLISHED, 0.05),
)


def _items(scale: Scale, channels, users, handlers, now, rng):
    """Items, their first version and, for handled ones, the handling event."""
    open_total = int(scale.items * scale.open_share)
    mine = channels[INGEST_CHANNELS + 1 : INGEST_CHANNELS + 1 + HANDLER_CHANNELS]
    others = [c for c in channels[INGEST_CHANNELS:] if c not in mine]
    handler_by_channel = {c["id"]: users[HANDLER] for c in mine}
    for i, c in enumerate(channels):
        handler_by_channel.setdefault(c["id"], handlers[i % len(handlers)])
    items = CopyWriter(Item, now=now, explicit_ids=True)
    versions = CopyWriter(ItemVersion, now=now, after=items)
    events = CopyWriter(ItemEvent, now=now, after=items)
    start = _next_id(Item)
    states = [s for s, _k, _w in CLOSED_STATES]
    weights = [w for _s, _k, w in CLOSED_STATES]
    event_kind = {s: k for s, k, _w in CLOSED_STATES}
    for n in range(scale.items):
        pk = start + n
        if n < scale.handler_queue:
            channel = mine[n % len(mine)]
            state = ItemState.OPEN
        elif n < open_total:
            channel = rng.choice(others)
            state = ItemState.OPEN
        else:
            channel = rng.choice(channels[INGEST_CHANNELS:])
            state = rng.choices(states, weights)[0]
        if state == ItemState.OPEN:
            received = now - datetime.timedelta(seconds=rng.randint(60, 30 * 86400))
        else:
            received = now - datetime.timedelta(seconds=rng.randint(31 * 86400, 600 * 86400))
        sender_id, sender_name = _sender(rng)
        text = _text(rng)
        post = f"{channel['id']}_{rng.randrange(10**9)}"
        external_id = f"{post.split('_')[1]}_{pk}"
        expects_answer = state == ItemState.OPEN or text.endswith("?")
        row = {
            "id": pk,
            "channel_id": channel["id"],
            "kind": "comment" if rng.random() < 0.85 else "reply",
            "external_id": external_id,
            "parent_external_id": post,
            "post_external_id": post,
            "sender_id": sender_id,
            "sender_name": sender_name,
            "text": text,
            "attachments": [],
            "platform_created_at": received - datetime.timedelta(seconds=2),
            "received_at": received,
            "expects_answer": expects_answer,
            "source": "meta",
            "state": state,
            "flagged_words": [],
        }
        if state == ItemState.OPEN:
            due = received + datetime.timedelta(days=1)
            row.update(
                due_at=due,
                next_reminder_step="before",
                next_reminder_at=now + datetime.timedelta(days=30),
            )
        else:
            handled = received + datetime.timedelta(hours=rng.randint(1, 48))
            actor = handler_by_channel[channel["id"]]
            row.update(handled_at=handled, handled_by_id=actor)
            if expects_answer:
                row["due_at"] = received + datetime.timedelta(days=1)
            if state == ItemState.ANSWERED:
                row["answer_text"] = "Tack för din fråga! Vi återkommer."
            if state == ItemState.UNPUBLISHED:
                row.update(removed_at=handled, removed_by_id=actor)
            event = {
                "item_id": pk,
                "kind": event_kind[state],
                "actor_id": actor,
                "created_at": handled,
                "changes": {"state": ["open", str(state)]},
            }
        items.add(row)
        if state != ItemState.OPEN:
            events.add(event)
        versions.add(
            {
                "item_id": pk,
                "number": 1,
                "text": text,
                "attachments": [],
                "captured_at": received,
                "event_key": f"meta:feed:comment:{external_id}:add",
                "raw": {"item": "comment", "verb": "add", "comment_id": external_id},
            }
        )
        if n and n % 200_000 == 0:
            logger.info("items: %s", n)
    items.flush()
    versions.flush()
    events.flush()
    for model in (Item, ItemVersion, ItemEvent):
        _reset_sequence(model)
    return items.count


def retention_rules():
    """Dispose of records two years after they were received (an example plan)."""
    for record_type in ("removed", "registered", "direct_message"):
        RetentionRule.objects.get_or_create(
            record_type=record_type,
            defaults={
                "keep_permanently": False,
                "years": 2,
                "event": "received",
                "decision_number": "BENCH-2026-1",
                "decision_date": datetime.date(2026, 1, 1),
                "description": "Benchmark data: dispose of two years after receipt.",
                "is_example": True,
            },
        )
    RetentionRule.objects.get_or_create(
        record_type="channel_closed",
        defaults={
            "keep_permanently": True,
            "decision_number": "BENCH-2026-1",
            "decision_date": datetime.date(2026, 1, 1),
            "is_example": True,
        },
    )


RECORD_TYPES = (("removed", "unpublished", 0.6), ("registered", "registered", 0.25))
RECORD_TYPES += (("direct_message", "received", 0.15),)


def append_records(*, count: int, expired: bool, channels, users, now, rng, channel=None) -> int:
    """Append `count` records to the hash chain, continuing from its head.

    `expired` records were received three years ago (due for disposal under
    `retention_rules`); the others within the last 600 days. With `channel`
    all go to that channel.
    """
    if count <= 0:
        return 0
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(name="records").first()
        if head is None:
            head = ChainHead.objects.create(name="records", sequence=0, hash=GENESIS_HASH)
        sequence, previous = head.sequence, head.hash
        writer = CopyWriter(Record, now=now, explicit_ids=True)
        start = _next_id(Record)
        types = [t for t, _a, _w in RECORD_TYPES]
        weights = [w for _t, _a, w in RECORD_TYPES]
        actions = {t: a for t, a, _w in RECORD_TYPES}
        actor = users[HANDLER]
        archived_base = now - datetime.timedelta(seconds=count)
        for n in range(count):
            target = channel or rng.choice(channels)
            record_type = rng.choices(types, weights)[0]
            if expired:
                received = now - datetime.timedelta(days=3 * 365 + rng.randint(0, 200))
            else:
                received = now - datetime.timedelta(seconds=rng.randint(86400, 600 * 86400))
            acted = received + datetime.timedelta(hours=rng.randint(1, 72))
            archived = max(acted, archived_base + datetime.timedelta(seconds=n))
            received = received.astimezone(datetime.UTC)
            acted = acted.astimezone(datetime.UTC)
            archived = archived.astimezone(datetime.UTC)
            sender_id, sender_name = _sender(rng)
            text = _text(rng)
            sequence += 1
            content = {
                "item": {"kind": "comment", "source": "meta", "external_id": f"b{sequence}"},
                "text": text,
                "versions": [{"number": 1, "text": text}],
                "sender": {"id": sender_id, "name": sender_name},
                "channel": {"id": target["id"]},
                "action": actions[record_type],
            }
            fields = {
                "sequence": sequence,
                "record_type": record_type,
                "channel_id": target["id"],
                "unit_id": target["unit_id"],
                "content": content,
                "text": text,
                "sender_id": sender_id,
                "sender_name": sender_name,
                "platform_created_at": received,
                "received_at": received,
                "acted_at": acted,
                "action": actions[record_type],
                "rules": ["1"] if record_type == "removed" else [],
                "actor_id": actor,
                "actor_name": HANDLER,
                "item_id": None,
                "registration_number": "",
                "description": "",
                "archived_at": archived,
                "previous_hash": previous,
            }
            digest = record_hash(fields_of(fields))
            writer.add({**fields, "id": start + n, "hash": digest})
            previous = digest
        writer.flush()
        _reset_sequence(Record)
        ChainHead.objects.filter(pk=head.pk).update(sequence=sequence, hash=previous)
    return count


def vacuum_churned(log) -> None:
    """VACUUM ANALYZE the tables that runs delete from and append to.

    Each run removes the items it ingested and disposes of 100,000 records,
    and the next puts records back. A server without autovacuum (CI's
    machines run PostgreSQL with it off) keeps those dead rows, and the
    scans of later runs wade through them: the archive search's p95 went
    from 73 to 100 ms after two runs. A production server's autovacuum
    keeps the tables clean; this does what it would.
    """
    models = (Record, Item, ItemVersion, ItemEvent, Delivery, UnhandledEvent, ItemReminder)
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
    log(f"vacuumed what earlier runs left behind ({time.perf_counter() - started:.0f} s)")


def expired_records_count() -> int:
    cutoff = timezone.now() - datetime.timedelta(days=3 * 365 - 10)
    return Record.objects.filter(received_at__lt=cutoff).count()


def channel_rows() -> list[dict]:
    return [
        {"id": pk, "unit_id": unit_id}
        for pk, unit_id in Channel.objects.filter(status=ChannelStatus.PUBLISHED, account_id__gt="")
        .exclude(account_id__startswith=INGEST_ACCOUNT_PREFIX)
        .exclude(display_name=EXPORT_CHANNEL_NAME)
        .values_list("pk", "unit_id")
    ]


def bench_users() -> dict:
    User = get_user_model()
    names = [HANDLER, COMMUNICATOR, *REGISTRARS]
    return dict(User.objects.filter(username__in=names).values_list("username", "pk"))


def export_channel() -> Channel:
    return Channel.objects.get(display_name=EXPORT_CHANNEL_NAME)


def seed(scale: Scale, *, log=print) -> float:
    """Load the whole data set into an empty (migrated) database; returns seconds."""
    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = timezone.now()
    ensure_marker_table()
    users, handlers = _users(scale)
    units = _units(scale, now)
    log(f"seed: {len(units)} units, {len(handlers)} handlers")
    channels = _channels(scale, units, users, handlers, now, rng)
    log(f"seed: {len(channels)} channels ({time.perf_counter() - started:.0f} s)")
    with IndexesDropped(Item, ItemVersion, ItemEvent):
        count = _items(scale, channels, users, handlers, now, rng)
        log(f"seed: {count} items copied ({time.perf_counter() - started:.0f} s)")
    log(f"seed: item indexes rebuilt ({time.perf_counter() - started:.0f} s)")
    retention_rules()
    ordinary = [c for c in channels if c["n"] > INGEST_CHANNELS]
    export = next(c for c in channels if c["n"] == INGEST_CHANNELS)
    current = scale.records - scale.expired_records - scale.export_records
    with IndexesDropped(Record):
        append_records(
            count=scale.export_records,
            expired=False,
            channels=ordinary,
            users=users,
            now=now,
            rng=rng,
            channel=export,
        )
        append_records(
            count=current, expired=False, channels=ordinary, users=users, now=now, rng=rng
        )
        elapsed = time.perf_counter() - started
        log(f"seed: {scale.records - scale.expired_records} records ({elapsed:.0f} s)")
        append_records(
            count=scale.expired_records,
            expired=True,
            channels=ordinary,
            users=users,
            now=now,
            rng=rng,
        )
    log(f"seed: {scale.records} records, indexes rebuilt ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    _write_marker(scale, seconds)
    log(f"seed: done in {seconds:.0f} s")
    return seconds
