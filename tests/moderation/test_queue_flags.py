"""Keyword flags: probable rule breaks are flagged when an item or a new version
arrives, sort first in the queue, and nothing is ever removed automatically."""

import pytest

from moderation import selectors, services
from moderation.models import AuditEvent, Item, ItemEvent, ItemState, RuleKeyword
from moderation.services.rules import keyword_matches
from tests.moderation.queue_fixtures import capture, fresh, keywords, rules

__all__ = ["capture", "keywords", "rules"]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Du är en idiot", ["idiot*"]),
        ("Idioter allihop!", ["idiot*"]),
        ("Det jävla bygget", ["jävla"]),
        ("Jävlar vad bra", []),  # a whole word, not a prefix
        ("BRÄNN   NER stadshuset", ["bränn ner"]),
        ("Brännboll på lördag", []),
        ("Hej, när öppnar ni?", []),
    ],
)
def test_keywords_match_whole_words_and_phrases_in_any_case(text, expected):
    keywords = [(1, "idiot*"), (6, "jävla"), (4, "bränn ner")]
    assert [phrase for _rule, phrase in keyword_matches(text, keywords)] == expected


def test_an_arriving_item_is_flagged_and_stays_open(capture, page_channel, keywords, rules):
    item = capture(page_channel, "Ni är idioter på kommunen")
    item = fresh(item)
    assert item.is_flagged and item.flagged_at is not None
    assert list(item.flagged_rules.all()) == [rules[1]]
    assert item.flagged_words == ["idiot*"]
    assert item.state == ItemState.OPEN
    assert item.events.filter(kind=ItemEvent.Kind.FLAGGED).exists()


def test_a_new_version_adds_flags(capture, page_channel, keywords, rules):
    item = capture(page_channel, "Helt vanlig fråga")
    assert not fresh(item).is_flagged
    services.item_capture(
        channel=page_channel,
        content=services.ItemContent(
            kind="comment", external_id=item.external_id, text="Ändrat: jävla kommun"
        ),
        source="meta",
        edited=True,
    )
    item = fresh(item)
    assert item.is_flagged
    assert list(item.flagged_rules.values_list("number", flat=True)) == [6]
    assert item.state == ItemState.OPEN


def test_inactive_keywords_and_rules_do_not_flag(capture, page_channel, keywords, rules):
    RuleKeyword.objects.filter(phrase="idiot*").update(active=False)
    rules[6].active = False
    rules[6].save()
    item = capture(page_channel, "idiot och jävla")
    assert not fresh(item).is_flagged


def test_flagged_items_sort_first_then_oldest_first(capture, page_channel, keywords):
    first = capture(page_channel, "Först")
    second = capture(page_channel, "Sedan")
    flagged = capture(page_channel, "Sist men idiot")
    order = list(selectors.queue_items(Item.objects.all()).values_list("pk", flat=True))
    assert order == [flagged.pk, first.pk, second.pk]


def test_keywords_and_rules_are_edited_with_an_audit_row(rules, communicator):
    keyword = services.rule_keyword_save(
        keyword=RuleKeyword(rule=rules[2], phrase="  Blattar "), actor=communicator
    )
    assert keyword.phrase == "blattar"
    rule = rules[9]
    rule.title = "Länkar till sidor med sådant innehåll"
    services.content_rule_save(rule=rule, actor=communicator)
    services.rule_keyword_delete(keyword=keyword, actor=communicator)
    kinds = list(AuditEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["keyword_created", "content_rule_changed", "keyword_deleted"]


def test_the_migration_seeds_the_nine_rules_of_the_guidelines():
    from moderation.models import ContentRule

    seeded = {rule.number: rule.title for rule in ContentRule.objects.all()}
    assert sorted(seeded) == list(range(1, 10))
    assert seeded[1] == "Förtal, personliga angrepp eller förolämpningar"
    assert seeded[6] == "Svordomar eller obscena ord"
    assert seeded[9] == "Länkar till sidor som innehåller något av ovanstående"
