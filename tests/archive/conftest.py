"""Fixtures for the archive: channels to archive from, and records made through
`record_create`, as the moderation queue makes them."""

import datetime
import itertools

import pytest
from django.utils import timezone

from archive.models import RecordType
from archive.services.records import record_create
from tests.channels import conftest as channel_fixtures

# The channels tests' fixtures: channels are made through the channels services.
facebook = channel_fixtures.facebook
instagram = channel_fixtures.instagram
make_application = channel_fixtures.make_application
make_channel = channel_fixtures.make_channel

_counter = itertools.count(1)


@pytest.fixture
def channel(make_channel):
    return make_channel(display_name="Biblioteket på Facebook")


@pytest.fixture
def make_record(channel, employee):
    """A record made by `record_create`: a removed comment unless told otherwise.

    Keyword arguments override the defaults; `text` sets the captured text.
    """

    def make(*, text=None, channel=channel, record_type=RecordType.REMOVED, **overrides):
        n = next(_counter)
        text = text if text is not None else f"Kommentar nummer {n} om bibliotekets öppettider."
        received = overrides.pop("received_at", timezone.now() - datetime.timedelta(hours=2))
        content = overrides.pop(
            "content",
            {
                "kind": "comment",
                "external_id": f"fb-{n}",
                "text": text,
                "versions": [
                    {"number": 1, "text": text, "attachments": [], "at": received.isoformat()}
                ],
                "raw": {"message": text, "id": f"fb-{n}"},
            },
        )
        arguments = {
            "record_type": record_type,
            "channel": channel,
            "content": content,
            "sender_id": f"sender-{n}",
            "sender_name": f"Avsändare {n}",
            "platform_created_at": received - datetime.timedelta(minutes=5),
            "received_at": received,
            "action": "delete" if record_type == RecordType.REMOVED else "register",
            "rules": ["1"] if record_type == RecordType.REMOVED else [],
            "actor": employee,
            "item_id": n,
        }
        arguments.update(overrides)
        return record_create(**arguments)

    return make
