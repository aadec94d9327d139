"""Fixtures of the queue tests (test_queue_*.py), imported by name in each module.

Items are captured through `item_capture`, as the webhooks and the API do;
the state is reached through the services, as handlers would cause it.
The users: `employee` handles `page_channel`, `other_employee` handles
`kultur_channel`, `communicator` sees every queue, `manager` manages the unit.
"""

import itertools

import pytest

from moderation import services
from moderation.models import ContentRule, ItemKind, RuleKeyword
from moderation.services.items import ItemContent

_ids = itertools.count(1)

NINE_RULES = [
    (1, "Förtal, personliga angrepp eller förolämpningar"),
    (2, "Hets mot folkgrupp, sexistiska yttranden eller andra trakasserier"),
    (3, "Olovliga våldsskildringar eller pornografi"),
    (4, "Uppmaningar till brott eller annan brottslig verksamhet"),
    (5, "Olovligt bruk av upphovsrättsligt skyddat material"),
    (6, "Svordomar eller obscena ord"),
    (7, "Brott mot personuppgiftslagen/dataskyddsförordningen"),
    (8, "Sekretessuppgifter"),
    (9, "Länkar till sidor som innehåller något av ovanstående"),
]


@pytest.fixture
def rules(db):
    """The nine rules by number (seeded by the migration; recreated after a flush)."""
    for number, title in NINE_RULES:
        ContentRule.objects.get_or_create(
            number=number, defaults={"title": title, "position": number}
        )
    return {rule.number: rule for rule in ContentRule.objects.all()}


@pytest.fixture
def keywords(rules, communicator):
    """A few keywords: "idiot*" for rule 1, "jävla" for rule 6."""
    for rule, phrase in ((1, "idiot*"), (6, "jävla"), (4, "bränn ner")):
        RuleKeyword.objects.get_or_create(rule=rules[rule], phrase=phrase)
    return RuleKeyword.objects.all()


@pytest.fixture
def capture():
    """Capture an item on a channel as a webhook would; returns the item."""

    def run(channel, text="Hej! När öppnar badhuset?", *, kind=ItemKind.COMMENT, **fields):
        fields.setdefault("external_id", f"ext-{next(_ids)}")
        fields.setdefault("sender_name", "Sven Svensson")
        fields.setdefault("sender_id", "1000001")
        result = services.item_capture(
            channel=channel,
            content=ItemContent(kind=kind, text=text, **fields),
            source="meta",
            raw={"text": text, "id": fields["external_id"]},
        )
        return result.item

    return run


@pytest.fixture
def item(capture, page_channel, rules):
    return capture(page_channel)


@pytest.fixture
def other_item(capture, kultur_channel, rules):
    return capture(kultur_channel, "Hej kulturen")


def fresh(item):
    item.refresh_from_db()
    return item
