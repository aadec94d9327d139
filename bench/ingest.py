"""Measurement 2: signed Meta webhook payloads in, items out of two Celery workers.

Eight client threads POST signed payloads of 50 new comments each to
/webhooks/meta on gunicorn for the load duration (stopping early at the
scale's delivery cap), and the two workers parse them. The figure is items per
second from the first byte sent to the last delivery parsed. Beside it, the
ceiling: the same rows inserted into the same table with a raw psycopg2
`executemany`, in a transaction that is rolled back.

At the end every comment sent is looked up: none may be missing and none may
be there twice. Then the run's items and deliveries are removed, so the
seeded database stays as it was.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import threading
import time
import uuid

from django.db import connection
from django.utils import timezone

from bench.config import META_APP_SECRET
from bench.report import Figure
from bench.seed import INGEST_ACCOUNT_PREFIX
from channels.models import Channel
from moderation.models import Delivery, DeliveryStatus, Item

MIN_RATE = 2000.0
MIN_SHARE = 0.2
# Columns the ceiling inserts: everything the parser filled in for the item.
CEILING_COLUMNS = [
    "channel_id",
    "kind",
    "external_id",
    "parent_external_id",
    "post_external_id",
    "sender_id",
    "sender_name",
    "text",
    "attachments",
    "platform_created_at",
    "received_at",
    "expects_answer",
    "source",
    "state",
    "removed_on_platform_action",
    "version",
    "is_flagged",
    "flagged_words",
    "answer_text",
    "forwarded_to",
    "removal_message",
    "reported_to_police",
    "due_at",
    "next_reminder_at",
    "next_reminder_step",
]


class IngestError(Exception):
    pass


def _payload(account_id: str, prefix: str, number: int, changes: int) -> bytes:
    now = int(time.time())
    post_id = f"{account_id}_7123984561{number % 1000:03d}"
    entries = []
    for n in range(changes):
        comment_id = f"{prefix}-{number}-{n}"
        entries.append(
            {
                "field": "feed",
                "value": {
                    "from": {"id": f"74810365920{n:05d}", "name": "Anna Lindqvist"},
                    "post": {"id": post_id, "status_type": "added_photos", "is_published": True},
                    "message": f"Fråga {number}-{n}: när öppnar badhuset igen?",
                    "post_id": post_id,
                    "comment_id": comment_id,
                    "created_time": now,
                    "item": "comment",
                    "parent_id": post_id,
                    "verb": "add",
                },
            }
        )
    body = {"object": "page", "entry": [{"id": account_id, "time": now, "changes": entries}]}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _sign(body: bytes) -> str:
    return "sha256=" + hmac.new(META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


class Sender(threading.Thread):
    def __init__(self, *, port, accounts, prefix, index, stop_at, budget):
        super().__init__(daemon=True)
        self.port = port
        self.accounts = accounts
        self.prefix = prefix
        self.index = index
        self.stop_at = stop_at
        self.budget = budget
        self.sent: list[int] = []
        self.errors: list[str] = []
        self.first_byte: float | None = None

    def run(self):
        number = self.index
        while time.time() < self.stop_at and self.budget.take():
            account = self.accounts[number % len(self.accounts)]
            body = _payload(account, self.prefix, number, self.budget.changes)
            headers = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": _sign(body),
                "X-Forwarded-Proto": "https",
            }
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if self.first_byte is None:
                    self.first_byte = time.time()
                conn.request("POST", "/webhooks/meta", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
            except OSError as error:
                self.errors.append(f"{number}: {error}")
            else:
                if response.status == 200:
                    self.sent.append(number)
                else:
                    self.errors.append(f"{number}: HTTP {response.status}")
            number += self.budget.connections


class Budget:
    def __init__(self, limit: int, changes: int, connections: int):
        self.left = limit
        self.changes = changes
        self.connections = connections
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def ingest_accounts() -> dict[str, int]:
    return dict(
        Channel.objects.filter(account_id__startswith=INGEST_ACCOUNT_PREFIX).values_list(
            "account_id", "pk"
        )
    )


def cleanup(channel_ids, prefix: str = "bench-") -> None:
    """Remove what an ingest run created (items, versions, events, deliveries)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM moderation_item WHERE channel_id = ANY(%s) AND external_id LIKE %s",
            [list(channel_ids), prefix + "%"],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for table in (
            "moderation_item_flagged_rules",
            "moderation_itemversion",
            "moderation_itemevent",
            "moderation_itemreminder",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE item_id = ANY(%s)", [ids])  # noqa: S608 - table names from the models, values bound
        cursor.execute("DELETE FROM moderation_item WHERE id = ANY(%s)", [ids])
        cursor.execute(
            "DELETE FROM moderation_unhandledevent WHERE delivery_id IN "
            "(SELECT id FROM moderation_delivery WHERE signature LIKE 'sha256=%%' AND "
            "body::text LIKE %s)",
            ["%" + prefix.encode().hex() + "%"],
        )
        cursor.execute(
            "DELETE FROM moderation_delivery d WHERE NOT EXISTS "
            "(SELECT 1 FROM moderation_itemversion v WHERE v.delivery_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM moderation_itemevent e WHERE e.delivery_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM moderation_unhandledevent u WHERE u.delivery_id = d.id)"
        )


def _ceiling(rows: list[tuple]) -> float:
    """Seconds for psycopg2 `executemany` of `rows` into moderation_item (rolled back)."""
    import psycopg2

    settings = connection.settings_dict
    raw = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    try:
        with raw.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(CEILING_COLUMNS))
            columns = ", ".join(CEILING_COLUMNS)
            sql = f"INSERT INTO moderation_item ({columns}) VALUES ({placeholders})"  # noqa: S608
            started = time.perf_counter()
            cursor.executemany(sql, rows)
            seconds = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
    return seconds


def run(servers, *, scale, log=print) -> list[Figure]:
    accounts = ingest_accounts()
    if len(accounts) < 1:
        raise IngestError("no ingest channels seeded")
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    cleanup(accounts.values())
    pending_before = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    budget = Budget(
        scale.ingest_max_deliveries, scale.changes_per_delivery, scale.ingest_connections
    )
    stop_at = time.time() + scale.ingest_seconds
    senders = [
        Sender(
            port=servers.port,
            accounts=sorted(accounts),
            prefix=prefix,
            index=i,
            stop_at=stop_at,
            budget=budget,
        )
        for i in range(scale.ingest_connections)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    first_byte = min(s.first_byte for s in senders if s.first_byte is not None)
    sent_seconds = time.time() - first_byte
    errors = [e for s in senders for e in s.errors]
    if errors:
        raise IngestError(f"{len(errors)} webhook POSTs failed, e.g. {errors[:3]}")
    deliveries = sum(len(s.sent) for s in senders)
    expected = deliveries * scale.changes_per_delivery
    log(f"ingest: {deliveries} deliveries ({expected} items) sent in {sent_seconds:.1f} s")
    # Wait for the workers: every delivery of this run parsed (or failed, which is an error).
    ours = Delivery.objects.filter(received_at__gte=timezone.now() - datetime.timedelta(hours=1))
    deadline = time.time() + max(600, expected / 50)
    while True:
        servers.sample()
        pending = ours.filter(status=DeliveryStatus.PENDING).count()
        if pending <= pending_before:
            break
        if time.time() > deadline:
            raise IngestError(f"{pending} deliveries still unparsed after waiting")
        time.sleep(0.5)
    failed = ours.filter(status=DeliveryStatus.FAILED).count()
    items = Item.objects.filter(
        channel_id__in=accounts.values(), external_id__startswith=prefix + "-"
    )
    found = items.count()
    distinct = items.values("channel_id", "external_id").distinct().count()
    last = (
        Delivery.objects.filter(parsed_at__isnull=False, received_at__gte=_aware(first_byte))
        .order_by("-parsed_at")
        .values_list("parsed_at", flat=True)
        .first()
    )
    elapsed = last.timestamp() - first_byte
    rate = found / elapsed
    rows = list(items.values_list(*CEILING_COLUMNS))
    rows = [(*row[:2], row[2] + "-ceiling", *row[3:]) for row in rows]
    rows = [_adapt(row) for row in rows]
    ceiling_seconds = _ceiling(rows)
    ceiling = len(rows) / ceiling_seconds
    lost, duplicated = expected - distinct, found - distinct
    log(
        f"ingest: {found} items parsed in {elapsed:.1f} s = {rate:.0f}/s; "
        f"ceiling {ceiling:.0f}/s; lost {lost}, duplicated {duplicated}, failed {failed}"
    )
    cleanup(accounts.values(), prefix)
    if lost or duplicated or failed:
        raise IngestError(
            f"ingest lost {lost}, duplicated {duplicated} items; {failed} deliveries failed"
        )
    share = rate / ceiling
    return [
        Figure("deliveries sent (50 changes each)", deliveries, "deliveries", None, None, "ingest"),
        Figure("items sent", expected, "items", None, None, "ingest"),
        Figure("sending time", sent_seconds, "s", None, None, "ingest"),
        Figure("first byte to last parsed item", elapsed, "s", None, None, "ingest"),
        Figure("ingest rate", rate, "items/s", f">= {MIN_RATE:g}", rate >= MIN_RATE, "ingest"),
        Figure("ceiling: psycopg2 executemany", ceiling, "items/s", None, None, "ingest"),
        Figure(
            "ingest share of ceiling",
            share,
            "ratio",
            f">= {MIN_SHARE}",
            share >= MIN_SHARE,
            "ingest",
        ),
        Figure("items lost", lost, "items", "0", lost == 0, "ingest"),
        Figure("items duplicated", duplicated, "items", "0", duplicated == 0, "ingest"),
    ]


def _aware(timestamp: float):
    import datetime

    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)


def _adapt(row):
    from psycopg2.extras import Json

    return tuple(Json(value) if isinstance(value, list | dict) else value for value in row)
