"""Retention and disposal of moderation items that never became archive records.

Items arrive as the webhooks bring them (`delivery_store` + `delivery_parse` of
Meta bodies) and are handled through the moderation services; the disposal
run is proposed, signed off and executed through the archive services.
"""

import datetime
import json
import re
import threading
import uuid
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.forms.models import model_to_dict
from django.urls import reverse

from archive.models import (
    AuditEntry,
    DisposalLogEntry,
    DisposalRun,
    DisposalRunStatus,
    ItemDisposalCandidate,
    ItemDisposalLogEntry,
    Record,
    RecordImmutableLog,
    RetentionEvent,
    RetentionRule,
    RetentionSubject,
)
from archive.services import disposal as services
from archive.services import item_disposal
from archive.services.verification import verify_chain
from moderation import services as moderation
from moderation.models import (
    Delivery,
    Item,
    ItemComment,
    ItemEvent,
    ItemKind,
    ItemReminder,
    ItemState,
    ItemVersion,
    Registration,
    UnhandledEvent,
)
from moderation.services.deliveries import delivery_parse, delivery_store
from tests.archive.test_disposal import postgres_only
from tests.factories import UserFactory
from tests.moderation import queue_fixtures
from tests.moderation.conftest import PAGE_ID, with_account_id

rules = queue_fixtures.rules  # the nine content rules (a fixture)

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)
SENDER = "Anna Lindqvist"
_comment_ids = iter(range(1_000_000, 10_000_000))


def at(year, month=6, day=1):
    return datetime.datetime(year, month, day, 10, 0, tzinfo=datetime.UTC)


def item_rule(*, years=1, event=RetentionEvent.END_OF_YEAR_ACTED):
    return RetentionRule.objects.create(
        record_type=RetentionSubject.ITEM,
        keep_permanently=years is None,
        years=years,
        event=event if years is not None else "",
        decision_number="KS 2025/100",
        decision_date=datetime.date(2025, 3, 1),
    )


def change(text, *, comment_id=None, verb="add", sender=SENDER):
    """One Meta feed change: a comment on the page's post."""
    comment_id = comment_id or f"712398456123987_{next(_comment_ids)}"
    return {
        "field": "feed",
        "value": {
            "from": {"id": "7481036592018374", "name": sender},
            "message": text,
            "post_id": "104857362910485_712398456123987",
            "comment_id": comment_id,
            "created_time": 1717408800,
            "item": "comment",
            "parent_id": "104857362910485_712398456123987",
            "verb": verb,
        },
    }


def deliver(*changes, time=1717408801) -> Delivery:
    """Store and parse one signed Meta POST carrying `changes`, as the webhook does."""
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": time, "changes": list(changes)}]}
    ).encode()
    delivery, _created = delivery_store(source="meta", body=body, signature="sha256=" + "0" * 64)
    delivery_parse(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "parsed", delivery.error
    return delivery


def item_of(delivery, number=0) -> Item:
    return Item.objects.filter(versions__delivery=delivery).order_by("pk")[number]


@pytest.fixture
def other_registrar(db):
    from core import roles

    return UserFactory(username="rut", roles=[roles.REGISTRAR])


@pytest.fixture
def page(channel, communicator):
    """The archive's channel, with the Meta page id of the payloads."""
    return with_account_id(channel, PAGE_ID, communicator)


@pytest.fixture
def answered(page, communicator):
    """A comment that arrived and was answered at a given time: (item, delivery)."""

    def make(when, text="När öppnar badhuset igen?"):
        with time_machine.travel(when, tick=False):
            delivery = deliver(change(text))
            item = item_of(delivery)
            item = moderation.item_answer(
                item=item, actor=communicator, expected_version=item.version, text="I augusti."
            )
        return item, delivery

    return make


def run_disposal(proposer, approver):
    run = services.disposal_run_propose(actor=proposer)
    run = services.disposal_run_approve(run=run, actor=approver)
    return services.disposal_run_execute(run=run, actor=approver)


def due_item_ids():
    return set(item_disposal.items_due()[0].values_list("pk", flat=True))


@pytest.fixture(autouse=True)
def frozen_now(request):
    if request.node.get_closest_marker("browser"):
        yield  # the browser's clock is real: a frozen server would expire its session cookie
        return
    with time_machine.travel(NOW, tick=False):
        yield


# --- which items are due ---------------------------------------------------------------


def test_without_an_item_rule_no_item_is_disposed_of(answered, registrar, other_registrar):
    item, _delivery = answered(at(2015))
    assert not RetentionRule.objects.filter(record_type=RetentionSubject.ITEM).exists()
    assert due_item_ids() == set()
    run = run_disposal(registrar, other_registrar)
    assert run.item_candidate_count == 0 and run.items_disposed_count == 0
    assert Item.objects.filter(pk=item.pk).exists()


def test_keep_permanently_rule_disposes_of_no_item(answered):
    item_rule(years=None)
    answered(at(2015))
    assert due_item_ids() == set()


def test_handled_items_without_a_record_are_due_the_others_not(
    page, answered, communicator, rules, make_channel, registrar
):
    item_rule(years=1, event=RetentionEvent.END_OF_YEAR_ACTED)
    answered_old, _ = answered(at(2024, 12, 30))
    answered_young, _ = answered(at(2025, 1, 2))  # acted on in 2025: due from 1 January 2027
    with time_machine.travel(at(2020), tick=False):
        left = item_of(deliver(change("Bra jobbat!")))
        left = moderation.item_leave(item=left, actor=communicator, expected_version=left.version)
        referred = item_of(deliver(change("Vad tycker partierna om skatten?")))
        referred = moderation.item_refer(
            item=referred,
            actor=communicator,
            expected_version=referred.version,
            text="Vänd dig till partierna.",
        )
        still_open = item_of(deliver(change("Hallå?")))
        forwarded = item_of(deliver(change("Fråga till skolan")))
        moderation.item_forward(
            item=forwarded,
            actor=communicator,
            expected_version=forwarded.version,
            to_email="skolan@example.se",
        )
        removed = item_of(deliver(change("Idiot!")))
        moderation.item_delete(
            item=removed, actor=communicator, expected_version=removed.version, rules=[rules[1]]
        )
        registered = item_of(deliver(change("Om mitt bygglovsärende")))
        moderation.item_register(
            item=registered,
            actor=communicator,
            expected_version=registered.version,
            description="Bygglov",
        )
        registered = Item.objects.get(pk=registered.pk)
        moderation.item_answer(
            item=registered, actor=communicator, expected_version=registered.version, text="Ok"
        )
        # A direct message is registered on arrival; its record waits for the e-mail.
        message = moderation.item_capture(
            channel=page,
            content=moderation.ItemContent(
                kind=ItemKind.DIRECT_MESSAGE, text="Hej", external_id="m-1", sender_name=SENDER
            ),
            source="meta",
        ).item
        moderation.item_leave(item=message, actor=communicator, expected_version=message.version)
    held_channel = make_channel(display_name="Fritid på Facebook")
    with time_machine.travel(at(2020), tick=False):
        on_held = moderation.item_capture(
            channel=held_channel,
            content=moderation.ItemContent(
                kind=ItemKind.COMMENT, text="Hej fritid", external_id="f-1", sender_name=SENDER
            ),
            source="api",
        ).item
        moderation.item_leave(item=on_held, actor=communicator, expected_version=on_held.version)
    services.legal_hold_place(actor=registrar, reason="JO-ärende", channel=held_channel)

    assert Record.objects.filter(item_id=removed.pk).exists()
    assert Registration.objects.get(item=message).record_id is None
    assert due_item_ids() == {answered_old.pk, left.pk, referred.pk}
    assert still_open.pk not in due_item_ids() and forwarded.pk not in due_item_ids()
    with time_machine.travel(at(2027, 1, 2), tick=False):
        assert answered_young.pk in due_item_ids()


def test_rule_counted_from_receipt(page, communicator):
    item_rule(years=1, event=RetentionEvent.RECEIVED)
    with time_machine.travel(at(2025, 5, 1), tick=False):
        item = item_of(deliver(change("Gammal fråga")))
    with time_machine.travel(at(2026, 6, 1), tick=False):  # acted on only now
        moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    assert due_item_ids() == {item.pk}
    RetentionRule.objects.update(event=RetentionEvent.ACTED)
    assert due_item_ids() == set()


def test_an_item_whose_record_was_disposed_of_follows_the_item_rule(
    page, communicator, rules, registrar, other_registrar
):
    RetentionRule.objects.create(
        record_type=RetentionSubject.REMOVED,
        years=1,
        event=RetentionEvent.END_OF_YEAR_RECEIVED,
        decision_number="KS 2025/99",
        decision_date=datetime.date(2025, 3, 1),
    )
    item_rule(years=1)
    with time_machine.travel(at(2020), tick=False):
        item = item_of(deliver(change("Idiot!")))
        moderation.item_unpublish(
            item=item, actor=communicator, expected_version=item.version, rules=[rules[1]]
        )
    assert due_item_ids() == set()  # its record holds it

    first = run_disposal(registrar, other_registrar)
    assert (first.disposed_count, first.item_candidate_count) == (1, 0)
    assert not Record.objects.exists() and Item.objects.filter(pk=item.pk).exists()
    assert due_item_ids() == {item.pk}

    second = run_disposal(registrar, other_registrar)
    assert second.items_disposed_count == 1
    assert not Item.objects.filter(pk=item.pk).exists()
    assert DisposalLogEntry.objects.count() == 1  # the record's entry, from the first run
    assert ItemDisposalLogEntry.objects.get().state == ItemState.UNPUBLISHED
    assert verify_chain().ok


# --- execution ------------------------------------------------------------------------------


def test_execution_deletes_the_item_with_everything_personal_and_logs_no_content(
    answered, communicator, registrar, other_registrar
):
    item_rule(years=1)
    kept, kept_delivery = answered(NOW - datetime.timedelta(days=10))
    item, delivery = answered(at(2020), text="Jag heter Anna och bor på Storgatan 1.")
    with time_machine.travel(at(2020, 7, 1), tick=False):
        moderation.item_comment(item=item, actor=communicator, text="Anna har frågat förut.")
        # An edit on the platform: a second version from a second delivery, back in the queue.
        edit = deliver(
            change("Jag heter Anna, Storgatan 1.", comment_id=item.external_id, verb="edited"),
            time=1717408999,
        )
        item = Item.objects.get(pk=item.pk)
        item = moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    ItemReminder.objects.create(item=item, step="before", run=uuid.uuid4())
    item.refresh_from_db()
    assert item.versions.count() == 2 and item.events.exists() and item.comments.exists()
    expected_hash = item_disposal.item_content_sha256(
        Item.objects.prefetch_related("versions", "events", "comments").get(pk=item.pk)
    )

    run = run_disposal(registrar, other_registrar)

    assert run.status == DisposalRunStatus.EXECUTED
    assert (run.item_candidate_count, run.items_disposed_count) == (1, 1)
    assert not Item.objects.filter(pk=item.pk).exists()
    for model in (ItemVersion, ItemEvent, ItemComment, ItemReminder):
        assert not model.objects.filter(item_id=item.pk).exists(), model
    assert not Delivery.objects.filter(pk__in=[delivery.pk, edit.pk]).exists()
    assert run.deliveries_deleted_count >= 2
    # The recent item and its delivery stay.
    assert Item.objects.filter(pk=kept.pk).exists()
    assert Delivery.objects.filter(pk=kept_delivery.pk).exists()

    entry = ItemDisposalLogEntry.objects.get()
    assert entry.item_id == item.pk and entry.run_id == run.pk
    assert (entry.kind, entry.state, entry.source) == ("comment", "no_answer", "meta")
    assert entry.channel_id == item.channel_id and entry.version_count == 2
    assert entry.received_at == item.received_at and entry.acted_at == item.handled_at
    assert entry.content_sha256 == expected_hash
    assert entry.decision_number == "KS 2025/100" and entry.disposed_by == other_registrar
    logged = json.dumps(model_to_dict(entry), default=str)
    for personal in ("Anna", "Storgatan", SENDER, "I augusti", "7481036592018374"):
        assert personal not in logged
    with pytest.raises(RecordImmutableLog):
        entry.delete()

    audit = AuditEntry.objects.get(event="disposal_run_executed", target_id=run.pk)
    assert audit.changes["items_disposed"] == 1 and audit.actor == other_registrar


def test_a_delivery_shared_with_a_kept_item_goes_with_the_last_of_them(
    page, communicator, registrar, other_registrar
):
    item_rule(years=1)
    with time_machine.travel(at(2020), tick=False):
        shared = deliver(change("Första"), change("Andra"))
        first, second = item_of(shared, 0), item_of(shared, 1)
        moderation.item_leave(item=first, actor=communicator, expected_version=first.version)
    run_disposal(registrar, other_registrar)
    assert not Item.objects.filter(pk=first.pk).exists()
    assert Delivery.objects.filter(pk=shared.pk).exists()  # the open item derives from it

    with time_machine.travel(at(2020, 7, 1), tick=False):
        second = Item.objects.get(pk=second.pk)
        moderation.item_leave(item=second, actor=communicator, expected_version=second.version)
    run_disposal(registrar, other_registrar)
    assert not Delivery.objects.filter(pk=shared.pk).exists()


def test_a_delivery_an_unhandled_event_points_at_is_emptied(
    page, communicator, registrar, other_registrar
):
    item_rule(years=1)
    with time_machine.travel(at(2020), tick=False):
        delivery = deliver(change("Hej"), change("Blockerad", verb="block"))
        item = item_of(delivery)
        moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    assert UnhandledEvent.objects.filter(delivery=delivery).exists()
    run_disposal(registrar, other_registrar)
    delivery.refresh_from_db()
    assert bytes(delivery.body) == b""
    assert UnhandledEvent.objects.filter(delivery=delivery).exists()


def test_spent_redeliveries_are_deleted_young_ones_kept(answered, registrar, other_registrar):
    item_rule(years=1)
    item, delivery = answered(at(2020))
    with time_machine.travel(at(2020, 6, 2), tick=False):
        # The same event again in another body: parsed, adds nothing.
        duplicate = deliver(
            change("När öppnar badhuset igen?", comment_id=item.external_id), time=1717408900
        )
    young_duplicate = deliver(change("Ny", comment_id=item.external_id), time=1717409999)
    assert not ItemVersion.objects.filter(delivery__in=[duplicate, young_duplicate]).exists()
    assert set(item_disposal.spent_deliveries().values_list("pk", flat=True)) == {duplicate.pk}

    run = run_disposal(registrar, other_registrar)

    assert not Delivery.objects.filter(pk__in=[delivery.pk, duplicate.pk]).exists()
    assert Delivery.objects.filter(pk=young_duplicate.pk).exists()
    assert run.deliveries_deleted_count == 2


def test_hold_or_reopening_after_the_proposal_keeps_the_item(
    answered, page, registrar, other_registrar
):
    item_rule(years=1)
    held, _ = answered(at(2020))
    edited, _ = answered(at(2020))
    run = services.disposal_run_propose(actor=registrar)
    assert run.item_candidate_count == 2
    hold = services.legal_hold_place(actor=registrar, reason="Tvist", channel=page)
    run = services.disposal_run_approve(run=run, actor=other_registrar)
    run = services.disposal_run_execute(run=run, actor=other_registrar)
    assert run.items_disposed_count == 0
    assert Item.objects.filter(pk__in=[held.pk, edited.pk]).count() == 2

    services.legal_hold_release(hold=hold, actor=registrar)
    run = services.disposal_run_propose(actor=registrar)
    # An edit on the platform brings one back to the queue before the sign-off.
    deliver(change("Ändrad", comment_id=edited.external_id, verb="edited"), time=1717409000)
    assert Item.objects.get(pk=edited.pk).state == ItemState.OPEN
    run = services.disposal_run_execute(
        run=services.disposal_run_approve(run=run, actor=other_registrar), actor=other_registrar
    )
    assert run.items_disposed_count == 1
    assert list(Item.objects.values_list("pk", flat=True)) == [edited.pk]


def test_items_go_in_batches(answered, registrar, other_registrar, monkeypatch, caplog):
    monkeypatch.setattr(item_disposal, "BATCH_SIZE", 2)
    item_rule(years=1)
    for _ in range(5):
        answered(at(2020))
    run = services.disposal_run_propose(actor=registrar)
    assert run.item_candidates.count() == 5
    run = services.disposal_run_approve(run=run, actor=other_registrar)
    with caplog.at_level("INFO", logger="archive.services.item_disposal"):
        run = services.disposal_run_execute(run=run, actor=other_registrar)
    assert len([m for m in caplog.messages if "batch up to item" in m]) == 3
    assert run.items_disposed_count == 5 and not Item.objects.exists()
    assert ItemDisposalLogEntry.objects.count() == 5


def test_scheduler_and_command_cover_items(answered, settings):
    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = True
    item_rule(years=1)
    item, _ = answered(at(2020))
    out = StringIO()
    call_command("archive_dispose", "--dry-run", stdout=out)
    assert f"{item.pk}\tcomment\tanswered\t{item.channel_id}" in out.getvalue()
    assert "1 items would be disposed of" in out.getvalue()
    assert SENDER not in out.getvalue() and "badhuset" not in out.getvalue()
    assert DisposalRun.objects.count() == 0

    call_command("archive_dispose", stdout=StringIO())  # only items are due: still proposes
    run = DisposalRun.objects.get()
    assert run.status == DisposalRunStatus.PROPOSED and run.item_candidate_count == 1

    settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF = False
    run = services.disposal_run_cancel(run=run, actor=None)
    out = StringIO()
    call_command("archive_dispose", stdout=out)
    assert "0 records, 1 items" in out.getvalue()
    assert not Item.objects.exists()


# --- the pages -----------------------------------------------------------------------------


def test_run_pages_show_item_counts_but_no_content(client, answered, registrar, other_registrar):
    item_rule(years=1)
    item, _ = answered(at(2020), text="Hemlig fråga från Anna")
    client.force_login(registrar)
    response = client.get(reverse("archive:disposal_list"))
    assert response.context["items_due_count"] == 1
    listing = response.content.decode()
    run = services.disposal_run_propose(actor=registrar)
    detail = client.get(reverse("archive:disposal_detail", args=[run.pk])).content.decode()
    assert f"<td>{item.pk}</td>" in detail
    for page in (listing, detail):
        assert "Hemlig" not in page and SENDER not in page
    run = services.disposal_run_execute(
        run=services.disposal_run_approve(run=run, actor=other_registrar), actor=other_registrar
    )
    entry = ItemDisposalLogEntry.objects.get()
    detail = client.get(reverse("archive:disposal_detail", args=[run.pk])).content.decode()
    log = client.get(reverse("archive:disposal_log")).content.decode()
    for page in (detail, log):
        assert entry.content_sha256 in page and "Hemlig" not in page


@pytest.mark.parametrize("size", [3, 30])
def test_query_counts_do_not_grow_with_the_number_of_items(
    size, client, page, communicator, registrar, other_registrar, django_assert_max_num_queries
):
    item_rule(years=1)
    with time_machine.travel(at(2020), tick=False):
        for _ in range(size):
            item = moderation.item_capture(
                channel=page,
                content=moderation.ItemContent(
                    kind=ItemKind.COMMENT,
                    text="Hej",
                    external_id=f"x-{next(_comment_ids)}",
                    sender_name=SENDER,
                ),
                source="api",
            ).item
            moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    run = services.disposal_run_propose(actor=registrar)
    assert ItemDisposalCandidate.objects.filter(run=run).count() == size
    client.force_login(registrar)
    # 13, measured, for 3 items and for 30: the session, the user and the role check, the
    # run, the record candidates (count, page), the item candidates (count, page with their
    # rules), the items of that page in one query, and the layout's own; none per row.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("archive:disposal_detail", args=[run.pk])).status_code == 200
    # The listing: records due (count, page), the rules, the item rule and count, the runs.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("archive:disposal_list")).status_code == 200
    run = services.disposal_run_execute(
        run=services.disposal_run_approve(run=run, actor=other_registrar), actor=other_registrar
    )
    assert run.items_disposed_count == size
    # After execution: the log entries of the run (count, page with who disposed of them).
    with django_assert_max_num_queries(12):
        assert client.get(reverse("archive:disposal_detail", args=[run.pk])).status_code == 200
    # The whole log: record entries and item entries, a count and a page each.
    with django_assert_max_num_queries(11):
        assert client.get(reverse("archive:disposal_log")).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_disposal_pages_with_items_are_accessible(
    new_page, live_server, login, axe, page, communicator, registrar, other_registrar
):
    from tests.archive.test_archive_browser import check_accessible

    item_rule(years=1)
    with time_machine.travel(at(2020), tick=False):
        for _ in range(27):  # more than a page of candidates
            item = moderation.item_capture(
                channel=page,
                content=moderation.ItemContent(
                    kind=ItemKind.COMMENT,
                    text="Hej",
                    external_id=f"b-{next(_comment_ids)}",
                    sender_name=SENDER,
                ),
                source="api",
            ).item
            moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    executed = run_disposal(registrar, other_registrar)
    with time_machine.travel(at(2020, 7, 1), tick=False):
        item = moderation.item_capture(
            channel=page,
            content=moderation.ItemContent(kind=ItemKind.COMMENT, text="Hej", external_id="b-x"),
            source="api",
        ).item
        moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    proposed = services.disposal_run_propose(actor=registrar)
    browser_page = new_page()
    login(browser_page, registrar.username)
    for path in (
        "/arkiv/gallring/",
        f"/arkiv/gallring/{proposed.pk}/",
        f"/arkiv/gallring/{executed.pk}/",
        f"/arkiv/gallring/{executed.pk}/?inlagg=2",
        "/arkiv/gallringslogg/",
    ):
        response = browser_page.goto(live_server.url + path)
        assert response.status == 200, path
        check_accessible(browser_page, axe)
    assert browser_page.foreign_requests == []


def test_an_administrator_decides_the_item_rule_in_the_admin(client, answered):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin", "admin@example.se", "pw")
    client.force_login(admin)
    url = reverse("admin:archive_retentionrule_add")
    assert '<option value="item">' in client.get(url).content.decode()
    item, _ = answered(at(2020))
    data = {
        "record_type": RetentionSubject.ITEM,
        "keep_permanently": "",
        "years": "2",
        "event": RetentionEvent.END_OF_YEAR_ACTED,
        "decision_number": "KS 2026/12",
        "decision_date": "2026-02-01",
        "description": "Besvarade kommentarer",
    }
    response = client.post(url, {**data, "years": ""})  # disposing needs a number of years
    assert response.status_code == 200 and not RetentionRule.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RetentionRule.objects.get(record_type=RetentionSubject.ITEM)
    assert not rule.is_example
    assert AuditEntry.objects.filter(event="retention_rule_created", target_id=rule.pk).exists()
    assert due_item_ids() == {item.pk}


# --- two runs at once ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_dispose_of_each_item_once(
    page, communicator, registrar, other_registrar, monkeypatch
):
    postgres_only()
    monkeypatch.setattr(item_disposal, "BATCH_SIZE", 3)
    item_rule(years=1)
    deliveries = []
    with time_machine.travel(at(2020), tick=False):
        for _ in range(10):
            # Two items per delivery, so that two batches may release the same delivery.
            delivery = deliver(change("Ett"), change("Två"))
            deliveries.append(delivery.pk)
            for item in Item.objects.filter(versions__delivery=delivery):
                moderation.item_leave(item=item, actor=communicator, expected_version=item.version)
    runs = []
    for _ in range(2):
        run = services.disposal_run_propose(actor=registrar)
        assert run.item_candidate_count == 20
        runs.append(services.disposal_run_approve(run=run, actor=other_registrar))
    barrier = threading.Barrier(2)
    errors = []

    def execute(run):
        try:
            barrier.wait(timeout=10)
            services.disposal_run_execute(run=run, actor=other_registrar)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not Item.objects.exists() and not ItemVersion.objects.exists()
    assert ItemDisposalLogEntry.objects.count() == 20
    counts = DisposalRun.objects.values_list("items_disposed_count", flat=True)
    assert sum(counts) == 20
    assert not Delivery.objects.filter(pk__in=deliveries).exists()


# --- the record of processing matches the code -----------------------------------------------

RECORD_OF_PROCESSING = settings.BASE_DIR / "docs" / "behandling-av-personuppgifter.md"

# Models that hold no personal data beyond a user id, each with the reason.
NOT_PERSONAL = {
    "auth.Permission": "permission names",
    "auth.Group": "the role names",
    "contenttypes.ContentType": "model names",
    "axes.AccessAttemptExpiration": "an expiry time per attempt (the attempt is listed)",
    "core.Unit": "the municipality's units and their managers' user ids",
    "core.Heartbeat": "the broker check's timestamp",
    "core.SitePage": "public pages' text",
    "channels.Platform": "platform names",
    "channels.RegisterState": "the public register's version number",
    "moderation.ContentRule": "the content rules",
    "moderation.RuleKeyword": "keyword phrases",
    "moderation.ReplyTemplate": "reply templates",
    "moderation.IngestToken": "a source's name and a token hash",
    "archive.VerificationRun": "the chain check's result",
    "archive.ChainHead": "the end of the hash chain",
    "archive.RequestRecord": "which record belongs to which request",
    "archive.DisposalCandidate": "record ids of a run",
    "archive.ItemDisposalCandidate": "item ids of a run",
}


def test_record_of_processing_names_every_model_holding_personal_data():
    """A model added without a line in docs/behandling-av-personuppgifter.md fails here."""
    from django.apps import apps

    text = RECORD_OF_PROCESSING.read_text(encoding="utf-8")
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.label not in NOT_PERSONAL and not re.search(rf"\b{model.__name__}\b", text)
    ]
    assert missing == [], f"not in the record of processing: {missing}"
    assert set(NOT_PERSONAL) <= {model._meta.label for model in apps.get_models()}
    # The item rule as the code has it.
    assert "ItemDisposalLogEntry" in text and f"(`{RetentionSubject.ITEM.value}`)" in text
    assert "ohanterade händelser" in text.lower()
