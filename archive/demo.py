"""Demo retention rules and records for `seed_demo`. Idempotent.

The rules are marked as examples: a municipality's real rules come from its
own records management plan (dokumenthanteringsplan) and decisions, which
nobody should mistake these for. Records are made through `record_create`,
as the moderation queue makes them.
"""

import datetime

from django.utils import timezone

from archive.models import Record, RecordType, RetentionEvent, RetentionRule, RetentionSubject
from archive.services.records import record_create
from channels.models import Channel, ChannelStatus

# record type (or "item"), keep permanently, years, counted from
EXAMPLE_RULES = [
    (RetentionSubject.REMOVED, False, 2, RetentionEvent.END_OF_YEAR_RECEIVED),
    (RetentionSubject.REGISTERED, True, None, ""),
    (RetentionSubject.DIRECT_MESSAGE, False, 2, RetentionEvent.END_OF_YEAR_RECEIVED),
    (RetentionSubject.CHANNEL_CLOSED, True, None, ""),
    # Answered and routine comments that never became records.
    (RetentionSubject.ITEM, False, 1, RetentionEvent.END_OF_YEAR_ACTED),
]

DEMO_RECORDS = [
    (
        RecordType.REMOVED,
        "Ni på biblioteket är helt värdelösa idioter!!!",
        "Kalle Exempel",
        "delete",
        ["1"],
        400,
    ),
    (
        RecordType.REMOVED,
        "Köp billiga solglasögon på http://example.invalid/spam",
        "Spam Spamsson",
        "unpublish",
        ["9"],
        30,
    ),
    (
        RecordType.DIRECT_MESSAGE,
        "Hej! Jag heter Lisa Svensson och undrar om min ansökan om bygglov.",
        "Lisa Svensson",
        "register",
        [],
        3,
    ),
]


def seed_rules():
    for record_type, keep, years, event in EXAMPLE_RULES:
        RetentionRule.objects.get_or_create(
            record_type=record_type,
            defaults={
                "keep_permanently": keep,
                "years": years,
                "event": event,
                "decision_number": "EXEMPEL 2026/1",
                "decision_date": datetime.date(2026, 1, 1),
                "description": "Exempel för demonstration, inget verkligt beslut.",
                "is_example": True,
            },
        )


def seed_records(users):
    if Record.objects.filter(content__demo=True).exists():
        return
    channel = (
        Channel.objects.filter(status=ChannelStatus.PUBLISHED).order_by("pk").first()
        or Channel.objects.order_by("pk").first()
    )
    if channel is None:
        return
    actor = users.get("handlaggare")
    now = timezone.now()
    for number, (record_type, text, sender, action, rules, days_ago) in enumerate(
        DEMO_RECORDS, start=1
    ):
        received = now - datetime.timedelta(days=days_ago)
        record_create(
            record_type=record_type,
            channel=channel,
            content={
                "demo": True,
                "kind": "direct_message" if record_type == RecordType.DIRECT_MESSAGE else "comment",
                "external_id": f"demo-{number}",
                "text": text,
                "versions": [{"number": 1, "text": text, "at": received.isoformat()}],
            },
            sender_id=f"demo-sender-{number}",
            sender_name=sender,
            platform_created_at=received,
            received_at=received,
            acted_at=received + datetime.timedelta(hours=1),
            action=action,
            rules=rules,
            actor=actor,
        )


def seed(units, users):
    seed_rules()
    seed_records(users)
