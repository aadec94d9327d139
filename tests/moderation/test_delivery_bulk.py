"""A delivery's new comments are captured in one insert (`items_capture_new`), and
everything else still goes one by one through `item_capture`, with the same result.

Meta batches up to 50 changes in a POST; parsing them one by one cost about ten
queries a comment (BENCHMARKS.md, ingest). The query budget below is the same
for 10 and for 50 new comments.
"""

import json

import pytest

from moderation.models import (
    ContentRule,
    Delivery,
    DeliveryStatus,
    Item,
    ItemKind,
    ItemVersion,
    Registration,
    RuleKeyword,
)
from tests.moderation.conftest import PAGE_ID

pytestmark = pytest.mark.django_db

POST_ID = f"{PAGE_ID}_712398456123987"


def comment(comment_id, message, *, verb="add", created=1717408800):
    return {
        "field": "feed",
        "value": {
            "from": {"id": "7481036592018374", "name": "Anna Lindqvist"},
            "post": {"id": POST_ID, "status_type": "added_photos", "is_published": True},
            "message": message,
            "post_id": POST_ID,
            "comment_id": comment_id,
            "created_time": created,
            "item": "comment",
            "parent_id": POST_ID,
            "verb": verb,
        },
    }


def body(changes, *, account=PAGE_ID) -> bytes:
    payload = {"object": "page", "entry": [{"id": account, "time": 1717408801, "changes": changes}]}
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def deliver_body(post_meta, django_capture_on_commit_callbacks):
    def run(data: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_meta(data)
        assert response.status_code == 200, response.content
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.PARSED, delivery.error
        return delivery

    return run


@pytest.mark.parametrize("count", [10, 50])
def test_new_comments_are_captured_in_bulk_with_a_fixed_query_budget(
    count, deliver_body, page_channel, django_assert_max_num_queries
):
    changes = [
        comment(f"712398456123987_{n}", f"Fråga nummer {n}: öppnar badhuset?") for n in range(count)
    ]
    # Webhook view: store and queue (4); parse: attempt, lock, channel, keys seen, items
    # there, keywords, items insert, versions insert, savepoints, finish (about 15),
    # whatever the number of comments.
    with django_assert_max_num_queries(24):
        delivery = deliver_body(body(changes))

    items = list(Item.objects.filter(channel=page_channel).order_by("external_id"))
    assert len(items) == count
    item = Item.objects.get(external_id="712398456123987_3")
    assert item.kind == ItemKind.COMMENT
    assert item.text == "Fråga nummer 3: öppnar badhuset?"
    assert item.sender_name == "Anna Lindqvist"
    assert item.post_external_id == POST_ID
    assert item.expects_answer and item.due_at is not None and item.next_reminder_at is not None
    version = item.versions.get()
    assert version.number == 1
    assert version.delivery == delivery
    assert version.event_key and version.raw["value"]["comment_id"] == "712398456123987_3"
    assert ItemVersion.objects.filter(delivery=delivery).count() == count


def test_what_is_not_plainly_new_goes_one_by_one_with_the_same_result(
    deliver_body, page_channel, post_meta, django_capture_on_commit_callbacks
):
    rule = ContentRule.objects.order_by("number").first()
    RuleKeyword.objects.create(rule=rule, phrase="idiot")
    # An earlier delivery captured this comment already.
    with django_capture_on_commit_callbacks(execute=True):
        post_meta(body([comment("712398456123987_1", "Första.")]))
    first = Item.objects.get(external_id="712398456123987_1")

    changes = [
        comment("712398456123987_1", "Första."),  # the same event again: nothing new
        comment("712398456123987_2", "Ny kommentar."),  # plain new: bulk
        comment("712398456123987_3", "Vilken idiot."),  # a keyword: flagged one by one
        comment("712398456123987_4", "Skrevs först."),  # added, then edited in the same POST
        comment("712398456123987_4", "Ändrad sedan.", verb="edited", created=1717408900),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_meta(body(changes))
    assert response.status_code == 200
    delivery = Delivery.objects.order_by("-pk").first()
    assert delivery.status == DeliveryStatus.PARSED, delivery.error

    assert Item.objects.filter(channel=page_channel).count() == 4
    assert first.versions.count() == 1
    assert Item.objects.get(external_id="712398456123987_2").versions.count() == 1
    flagged = Item.objects.get(external_id="712398456123987_3")
    assert flagged.is_flagged and list(flagged.flagged_rules.all()) == [rule]
    edited = Item.objects.get(external_id="712398456123987_4")
    assert [v.text for v in edited.versions.order_by("number")] == [
        "Skrevs först.",
        "Ändrad sedan.",
    ]
    assert edited.text == "Ändrad sedan."
    assert not Registration.objects.exists()
