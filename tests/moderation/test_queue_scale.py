"""The queue page at national scale (BENCHMARKS.md, 3.).

The page chooses its 50 items first and joins only those to their channel,
holder and registration, instead of joining every item of the queue before
taking the first 50. The pages must show exactly what the plain ordered query
(`selectors.queue_items`) shows, page after page: the same rows in the same
order, for every filter, with ties in the order broken by id, and the same
answer to a page number that is missing, wrong or past the end.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels.services.channels import channel_set_handlers
from moderation import selectors, services
from moderation.models import Item, ItemKind, ItemState
from tests.moderation.queue_fixtures import capture, keywords, rules

__all__ = ["capture", "keywords", "rules"]

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")
PAGE_SIZE = 50


def bulk_items(channel, count, *, at=None, step=timedelta(minutes=1), prefix="", **fields):
    """`count` items written in bulk, the n-th received `n * step` before `at`
    (step 0: all at the same moment). The queue reads only Item rows."""
    at = at or timezone.now()
    fields.setdefault("kind", ItemKind.COMMENT)
    Item.objects.bulk_create(
        Item(
            channel=channel,
            external_id=f"{prefix}{channel.pk}-{n}",
            sender_name=f"Avsändare {n}",
            text=f"Fråga nummer {n}",
            source="meta",
            received_at=at - n * step,
            **fields,
        )
        for n in range(count)
    )


def flag(items):
    Item.objects.filter(pk__in=[i.pk for i in items]).update(
        is_flagged=True, flagged_at=timezone.now()
    )


def pages(client, params=None):
    """Every page of the queue with `params`, page by page: (rows of each page, paginator)."""
    params = dict(params or {})
    first = client.get(QUEUE, params)
    assert first.status_code == 200
    paginator = first.context["page"].paginator
    result = [list(first.context["page"].object_list)]
    for number in range(2, paginator.num_pages + 1):
        response = client.get(QUEUE, {**params, "sida": number})
        assert response.context["page"].number == number
        result.append(list(response.context["page"].object_list))
    return result, paginator


def plain(items, **filters):
    """The reference: the plain ordered query of the queue, all of it."""
    return list(selectors.queue_items(items, **filters))


# --- Order --------------------------------------------------------------------------------


def test_equal_times_are_ordered_by_id_across_the_page_boundaries(client, employee, page_channel):
    bulk_items(page_channel, 130, step=timedelta(0))  # every item received at the same moment
    ids = list(Item.objects.order_by("pk").values_list("pk", flat=True))
    flagged = [ids[7], ids[64], ids[120]]
    flag(Item.objects.filter(pk__in=flagged))
    client.force_login(employee)

    shown, paginator = pages(client)
    assert paginator.count == 130 and paginator.num_pages == 3
    assert [len(rows) for rows in shown] == [50, 50, 30]
    order = [row.pk for rows in shown for row in rows]
    # Flagged first, then the oldest; equal times by id, with no row twice or missing.
    assert order == flagged + [pk for pk in ids if pk not in flagged]
    assert order == [row.pk for row in plain(Item.objects.all())]


def test_flagged_first_then_oldest_across_pages(client, employee, page_channel):
    now = timezone.now()
    bulk_items(page_channel, 70, at=now, step=timedelta(minutes=3), prefix="a")
    bulk_items(page_channel, 40, at=now - timedelta(seconds=90), step=timedelta(minutes=3))
    flag(Item.objects.order_by("-received_at")[:55])  # the newest 55: a full page and more
    client.force_login(employee)

    shown, _paginator = pages(client)
    rows = [row for page in shown for row in page]
    assert [row.pk for row in rows] == [row.pk for row in plain(Item.objects.all())]
    assert all(row.is_flagged for row in rows[:55]) and not any(r.is_flagged for r in rows[55:])
    for part in (rows[:55], rows[55:]):
        assert [r.received_at for r in part] == sorted(r.received_at for r in part)


# --- Pages --------------------------------------------------------------------------------


def test_the_last_page_and_page_numbers_out_of_range(client, employee, page_channel):
    bulk_items(page_channel, 120)
    client.force_login(employee)
    reference = [row.pk for row in plain(Item.objects.all())]

    def page(number):
        response = client.get(QUEUE, {"sida": number})
        assert response.status_code == 200
        shown = response.context["page"]
        return shown.number, [row.pk for row in shown.object_list]

    assert page(3) == (3, reference[100:])
    assert page(99) == (3, reference[100:])  # past the end: the last page
    assert page(0) == (3, reference[100:])  # below 1: the last page too (Paginator.get_page)
    assert page("x") == (1, reference[:50])  # not a number: the first page
    text = client.get(QUEUE, {"sida": 3}).content.decode()
    assert "sida=2" in text and "sida=4" not in text  # a previous link, no next one


def test_a_queue_of_exactly_two_pages_has_no_empty_third(client, employee, page_channel):
    bulk_items(page_channel, 2 * PAGE_SIZE)
    client.force_login(employee)
    shown, paginator = pages(client)
    assert paginator.num_pages == 2
    assert [len(rows) for rows in shown] == [50, 50]
    assert client.get(QUEUE, {"sida": 3}).context["page"].number == 2


def test_an_empty_queue_says_nothing_is_waiting(client, employee, page_channel):
    bulk_items(page_channel, 3, state=ItemState.ANSWERED)
    client.force_login(employee)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert list(response.context["page"].object_list) == []
    assert response.context["page"].number == 1
    assert "queue-table" not in response.content.decode()


# --- Filters ------------------------------------------------------------------------------


@pytest.fixture
def mixed_queue(page_channel, kultur_channel, communicator, employee):
    """Two channels handled by `employee`, 150 items of two kinds and three states."""
    channel_set_handlers(channel=kultur_channel, handlers=[employee], actor=communicator)
    now = timezone.now()
    bulk_items(page_channel, 60, at=now, step=timedelta(minutes=2), prefix="c")
    bulk_items(
        page_channel,
        30,
        at=now - timedelta(minutes=1),
        step=timedelta(minutes=2),
        prefix="d",
        kind=ItemKind.DIRECT_MESSAGE,
    )
    bulk_items(kultur_channel, 40, at=now, step=timedelta(minutes=2), prefix="k")
    bulk_items(kultur_channel, 12, step=timedelta(0), prefix="f", state=ItemState.FORWARDED)
    bulk_items(page_channel, 8, prefix="n", state=ItemState.NO_ANSWER, handled_at=now)
    flag(Item.objects.filter(external_id__endswith="-5"))
    return page_channel, kultur_channel


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "all"},
        {"status": "forwarded"},
        {"status": "no_answer"},
        {"typ": "direct_message"},
        {"typ": "comment", "status": "open"},
        {"q": "nummer 1"},
        {"q": "Avsändare 2", "status": "all"},
        {"kanal": "page"},
        {"kanal": "page", "typ": "comment", "q": "Fråga"},
        {"kanal": "kultur", "status": "all"},
    ],
)
def test_every_filter_pages_like_the_plain_query(client, employee, mixed_queue, params):
    page_channel, kultur_channel = mixed_queue
    named = {"page": page_channel, "kultur": kultur_channel}
    if "kanal" in params:
        params = {**params, "kanal": named[params["kanal"]].pk}
    client.force_login(employee)

    shown, paginator = pages(client, params)
    form = client.get(QUEUE, params).context["form"]
    reference = plain(Item.objects.all(), **form.filters())
    assert reference, "each case shows something"
    assert paginator.count == len(reference)
    assert [row.pk for rows in shown for row in rows] == [row.pk for row in reference]
    assert all(len(rows) == PAGE_SIZE for rows in shown[:-1])


def test_the_pages_show_only_the_users_channels(
    client, employee, page_channel, kultur_channel, communicator
):
    bulk_items(page_channel, 55, prefix="p")
    bulk_items(kultur_channel, 55, prefix="k")  # handled by someone else
    client.force_login(employee)
    shown, paginator = pages(client)
    assert paginator.count == 55
    assert {row.channel_id for rows in shown for row in rows} == {page_channel.pk}
    # The other channel is not a choice, so asking for it shows the whole own queue.
    shown, paginator = pages(client, {"kanal": kultur_channel.pk})
    assert paginator.count == 55

    client.force_login(communicator)
    shown, paginator = pages(client)
    assert paginator.count == 110
    assert [r.pk for rows in shown for r in rows] == [r.pk for r in plain(Item.objects.all())]


# --- What a row shows, and the shape of the page's query ----------------------------------


def test_a_pages_rows_come_with_what_they_show(
    client, employee, communicator, page_channel, capture, keywords, django_assert_num_queries
):
    bulk_items(page_channel, 60)
    flagged = capture(page_channel, "Ni är idioter")
    held = capture(page_channel, "Tar du den här?")
    services.item_claim(item=held, actor=communicator, expected_version=1)
    Item.objects.filter(pk=held.pk).update(received_at=timezone.now() - timedelta(days=9))
    client.force_login(employee)

    response = client.get(QUEUE)
    rows = {row.pk: row for row in response.context["page"].object_list}
    assert flagged.pk in rows and held.pk in rows
    with django_assert_num_queries(0):
        assert [rule.number for rule in rows[flagged.pk].flagged_rules.all()] == [1]
        assert rows[held.pk].claimed_by == communicator
        assert str(rows[held.pk].channel.platform) == "Facebook"
        assert not hasattr(rows[held.pk], "registration") or rows[held.pk].registration is None
    text = response.content.decode()
    assert "1. Förtal" in text
    assert communicator.get_full_name() in text or communicator.username in text


def test_the_page_joins_only_its_own_items(client, employee, page_channel):
    """The rows' query joins the channels to the page's ids, chosen by a subquery with
    the page's limit and offset, rather than joining the whole queue first."""
    bulk_items(page_channel, 120)
    client.force_login(employee)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE, {"sida": 2})
    assert len(response.context["page"].object_list) == 50
    item_table = Item._meta.db_table
    channel_table = page_channel._meta.db_table
    rows = [
        q["sql"]
        for q in captured.captured_queries
        if f'FROM "{item_table}"' in q["sql"] and f'JOIN "{channel_table}"' in q["sql"]
    ]
    assert len(rows) == 1
    sql = rows[0]
    outer, _, inner = sql.partition("IN (SELECT")
    assert inner, sql
    assert "LIMIT 50 OFFSET 50" in inner
    assert "LIMIT" not in outer and "JOIN" not in inner.split(")")[0]


def test_flagged_rules_are_read_only_for_a_page_with_flagged_rows(
    client, employee, page_channel, capture, keywords
):
    bulk_items(page_channel, 60, at=timezone.now() - timedelta(days=1))
    flagged = capture(page_channel, "Ni är idioter")  # the newest, but flagged: page 1
    client.force_login(employee)
    rules_table = flagged.flagged_rules.through._meta.db_table

    def rule_queries(params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE, params)
        assert response.status_code == 200
        return response, [q for q in captured.captured_queries if rules_table in q["sql"]]

    response, queries = rule_queries({})
    assert len(queries) == 1
    assert "1. Förtal" in response.content.decode()
    response, queries = rule_queries({"sida": 2})
    assert queries == []
    assert all(not row.is_flagged for row in response.context["page"].object_list)


# --- The rows' values: what the template's filters gave ----------------------------------


def test_rows_show_what_the_template_filters_showed(
    employee, communicator, page_channel, capture, rules
):
    """Each row's worked-out values against the filters the template used before."""
    from django.template import Context, Template
    from django.utils import translation

    from moderation.models import Registration
    from moderation.views.queue import queue_rows

    now = timezone.now()
    long_text = ("Lång <b>text</b> & å ä ö " * 12) + "e\u0301"
    plain_item = capture(page_channel, "Kort fråga")
    Item.objects.filter(pk=plain_item.pk).update(
        received_at=now - timedelta(days=3, hours=2), due_at=None
    )
    due_soon = capture(page_channel, long_text, kind=ItemKind.DIRECT_MESSAGE)
    Item.objects.filter(pk=due_soon.pk).update(due_at=now + timedelta(hours=5, minutes=7))
    late = capture(page_channel, "e\u0301" * 170)  # combining accents: counted as letters once
    Item.objects.filter(pk=late.pk).update(due_at=now - timedelta(days=2, hours=1))
    services.item_claim(item=late, actor=communicator, expected_version=1)
    # A direct message is registered as it arrives; its sending failed.
    Registration.objects.filter(item=due_soon).update(status="failed")
    filters = Template(
        "{{ i.due_at|date:'c' }}|{{ i.received_at|date:'c' }}|{{ i.received_at|date:'Y-m-d H:i' }}"
        "|{{ i.due_at|timeuntil }}|{{ i.due_at|timesince }}|{{ i.received_at|timesince }}"
        "|{{ i.get_kind_display }}|{{ i.get_state_display }}|{{ i.text|truncatechars:160 }}"
        "|{% if i.claimed_by %}{{ i.claimed_by.get_full_name|default:i.claimed_by.username }}"
        "{% endif %}"
        "|{{ i.claimed_at|date:'Y-m-d H:i' }}"
    )
    items = plain(Item.objects.all(), state="all")
    for language in ("sv", "en"):
        with translation.override(language):
            rows = queue_rows(items, now)
            for row in rows:
                i = Item.objects.select_related("claimed_by").get(pk=row.item.pk)
                (
                    due_c,
                    rec_c,
                    rec_min,
                    until,
                    since_due,
                    since_rec,
                    kind,
                    state,
                    text,
                    holder,
                    held,
                ) = filters.render(Context({"i": i}, autoescape=False)).split("|")
                assert row.id == str(i.pk) and row.selection == f"{i.pk}:{i.version}"
                if i.due_at:
                    assert row.time == due_c
                    assert row.waiting == (until if i.due_at > now else since_due)
                    assert row.received == ""
                else:
                    assert (row.time, row.waiting, row.received) == (rec_c, since_rec, rec_min)
                assert (row.kind, row.state, row.text) == (kind, state, text)
                assert (row.holder, row.held_since) == (holder, held)
            by_pk = {row.item.pk: row for row in rows}
            assert (
                by_pk[due_soon.pk].registration
                == str(Registration.objects.get(item=due_soon).get_status_display()).lower()
            )
            assert by_pk[late.pk].registration == ""
            assert by_pk[late.pk].holder == (communicator.get_full_name() or communicator.username)
            assert by_pk[due_soon.pk].text.endswith("…") and "<b>" in by_pk[due_soon.pk].text
