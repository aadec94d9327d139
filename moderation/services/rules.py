"""Content rules, their keywords and the flags they raise.

Flagging is attention, never action: an item whose text contains an active
keyword of an active rule gets the rule in `flagged_rules`, sorts first in
the queue, and stays exactly where it is until a person decides. Flags are
only added (an edit that takes the word out does not unflag an item: the
earlier version is still what was published).

Rules and keywords are edited by administrators through the admin, which
calls the services below so that every change leaves an audit row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from moderation.models import AuditEvent, ContentRule, ItemEvent, RuleKeyword


def keyword_pattern(phrase: str) -> re.Pattern | None:
    """A whole word or phrase, any case and spacing; a trailing `*` matches any ending."""
    phrase = (phrase or "").strip().lower()
    prefix = phrase.endswith("*")
    words = phrase.rstrip("*").split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    tail = r"\w*" if prefix else ""
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)", re.IGNORECASE)


def keyword_matches(text: str, keywords: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """The (rule id, phrase) pairs whose keyword occurs in `text`."""
    if not text:
        return []
    found = []
    for rule_id, phrase in keywords:
        pattern = keyword_pattern(phrase)
        if pattern is not None and pattern.search(text):
            found.append((rule_id, phrase))
    return found


def item_flag(*, item, text: str) -> bool:
    """Flag `item` for the rules whose keywords occur in `text`; True if a flag was added.

    Called by `item_capture` inside its transaction, for a new item and for
    each new version.
    """
    keywords = list(RuleKeyword.objects.active().values_list("rule_id", "phrase"))
    matches = keyword_matches(text, keywords)
    if not matches:
        return False
    known_rules = set(item.flagged_rules.values_list("pk", flat=True)) if item.is_flagged else set()
    rule_ids = {rule_id for rule_id, _phrase in matches}
    words = sorted({*item.flagged_words, *(phrase for _rule, phrase in matches)})
    if rule_ids <= known_rules and words == sorted(item.flagged_words):
        return False
    before = {"rules": sorted(known_rules), "words": list(item.flagged_words)}
    item.is_flagged = True
    item.flagged_at = item.flagged_at or timezone.now()
    item.flagged_words = words
    item.save(update_fields=["is_flagged", "flagged_at", "flagged_words"])
    item.flagged_rules.add(*rule_ids)
    numbers = sorted(ContentRule.objects.filter(pk__in=rule_ids).values_list("number", flat=True))
    ItemEvent.objects.create(
        item=item,
        kind=ItemEvent.Kind.FLAGGED,
        changes={"rules": [before["rules"], numbers], "words": [before["words"], words]},
    )
    return True


# --- Administrators' edits --------------------------------------------------------------------

RULE_FIELDS = ("number", "title", "description", "active", "position")
KEYWORD_FIELDS = ("rule_id", "phrase", "active")


def _values(obj, fields):
    return {field: getattr(obj, field) for field in fields}


@transaction.atomic
def content_rule_save(*, rule: ContentRule, actor) -> ContentRule:
    """Create or change a rule as the admin form filled it in; audited."""
    creating = rule.pk is None
    before = {} if creating else _values(ContentRule.objects.get(pk=rule.pk), RULE_FIELDS)
    rule.full_clean()
    rule.save()
    after = _values(rule, RULE_FIELDS)
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.CONTENT_RULE_CREATED
        if creating
        else AuditEvent.Kind.CONTENT_RULE_CHANGED,
        content_rule=rule,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return rule


@transaction.atomic
def rule_keyword_save(*, keyword: RuleKeyword, actor) -> RuleKeyword:
    creating = keyword.pk is None
    keyword.phrase = " ".join((keyword.phrase or "").split()).lower()
    before = {} if creating else _values(RuleKeyword.objects.get(pk=keyword.pk), KEYWORD_FIELDS)
    keyword.full_clean()
    keyword.save()
    after = _values(keyword, KEYWORD_FIELDS)
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.KEYWORD_CREATED if creating else AuditEvent.Kind.KEYWORD_CHANGED,
        keyword=keyword,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return keyword


@transaction.atomic
def rule_keyword_delete(*, keyword: RuleKeyword, actor) -> None:
    AuditEvent.objects.create(
        actor=actor,
        kind=AuditEvent.Kind.KEYWORD_DELETED,
        changes={"rule": keyword.rule_id, "phrase": [keyword.phrase, None]},
    )
    keyword.delete()
