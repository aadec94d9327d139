"""The queue's pages: who sees what, filters, the item page, the action forms, bulk
removal, absences, reply templates, the navigation counts, escaping and query budgets."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.models import Record
from archive.services import records as archive_records
from channels.services.channels import channel_set_handlers
from moderation import services
from moderation.models import Absence, Item, ItemEvent, ItemKind, ItemState, ReplyTemplate
from tests.factories import UserFactory
from tests.moderation.queue_fixtures import capture, fresh, item, keywords, other_item, rules

__all__ = ["capture", "item", "keywords", "other_item", "rules"]

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")
SUBSTITUTE = reverse("moderation:substitute_queue")
BULK = reverse("moderation:bulk_remove")
ABSENCES = reverse("moderation:absence_list")
TEMPLATES = reverse("moderation:reply_template_list")

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def action_url(item, slug):
    return reverse("moderation:item_action", args=[item.pk, slug])


def page_text(response):
    return response.content.decode()


# --- The queue ----------------------------------------------------------------------------


def test_a_handler_sees_the_items_of_their_channels_only(client, employee, item, other_item):
    client.force_login(employee)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [item]


def test_a_communicator_sees_every_queue(client, communicator, item, other_item):
    client.force_login(communicator)
    response = client.get(QUEUE)
    assert set(response.context["page"].object_list) == {item, other_item}


def test_someone_without_a_queue_is_told(client, manager, item):
    client.force_login(manager)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response.context["not_a_handler"]
    assert "page" not in response.context


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/konto/logga-in/" in response["Location"]


def test_the_queue_filters_by_channel_kind_state_and_text(
    client, communicator, capture, page_channel, kultur_channel, employee, rules
):
    comment = capture(page_channel, "Fråga om simskolan")
    dm = capture(page_channel, "Privat fråga om bygglov", kind=ItemKind.DIRECT_MESSAGE)
    other = capture(kultur_channel, "Fråga om konsten")
    services.item_leave(item=other, actor=communicator, expected_version=1)
    client.force_login(communicator)

    def shown(**params):
        return set(client.get(QUEUE, params).context["page"].object_list)

    assert shown() == {comment, dm}  # waiting only, by default
    assert shown(status="all") == {comment, dm, other}
    assert shown(status="no_answer") == {other}
    assert shown(kanal=page_channel.pk) == {comment, dm}
    assert shown(typ="direct_message") == {dm}
    assert shown(q="simskolan") == {comment}
    assert shown(q="Sven Svensson") == {comment, dm}  # the sender's name too


def test_flagged_items_come_first_then_the_oldest(
    client, employee, capture, page_channel, keywords
):
    old = capture(page_channel, "Gammal fråga")
    Item.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=2))
    new = capture(page_channel, "Ny fråga")
    flagged = capture(page_channel, "Ni är idioter")
    client.force_login(employee)
    rows = list(client.get(QUEUE).context["page"].object_list)
    assert rows == [flagged, old, new]


def test_the_queue_shows_the_age_or_the_time_left_to_the_target(client, employee, item):
    client.force_login(employee)
    assert "sedan" in page_text(client.get(QUEUE)) or "ago" in page_text(client.get(QUEUE))
    if not hasattr(Item, "due_at"):
        pytest.skip("Item.due_at comes with the response targets (issue 8)")
    Item.objects.filter(pk=item.pk).update(due_at=timezone.now() + timedelta(hours=3))
    text = page_text(client.get(QUEUE))
    assert "kvar" in text or "left" in text


def test_the_queue_shows_who_holds_an_item(client, employee, communicator, item):
    services.item_claim(item=item, actor=employee, expected_version=1)
    client.force_login(communicator)
    text = page_text(client.get(QUEUE))
    assert employee.get_full_name() in text


def test_the_queue_paginates(client, employee, page_channel, rules):
    make_items(page_channel, 60)
    client.force_login(employee)
    first = client.get(QUEUE)
    assert first.context["page"].paginator.num_pages == 2
    assert len(client.get(QUEUE, {"sida": 2}).context["page"].object_list) == 10


def make_items(channel, count):
    """Items written in bulk: 500 through item_capture would make the test slow; the
    queue reads only Item rows (and their flags), which these are."""
    now = timezone.now()
    Item.objects.bulk_create(
        Item(
            channel=channel,
            kind=ItemKind.COMMENT,
            external_id=f"bulk-{n}",
            sender_name=f"Avsändare {n}",
            text=f"Fråga nummer {n}",
            source="meta",
            received_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 500])
def test_queue_query_budget(
    client, employee, communicator, page_channel, count, django_assert_max_num_queries
):
    make_items(page_channel, count)
    flagged = Item.objects.order_by("pk")[:3]
    for row in flagged:
        Item.objects.filter(pk=row.pk).update(is_flagged=True, flagged_at=timezone.now())
    services.item_claim(item=flagged[0], actor=employee, expected_version=1)

    client.force_login(employee)
    # Session and user 2, the role check 1, the queue's scope (absences, channel ids) 2,
    # the navigation counts 1, the channel filter 1, the count 1, the page with channel,
    # holder and registration joined 1, the flagged rules 1, the bulk form's rules 1, the
    # session save 3: 14, whatever the queue's size.
    with django_assert_max_num_queries(14):
        response = client.get(QUEUE)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)

    client.force_login(communicator)
    # A communicator: no scope queries, but the channels that have nobody (3): 15.
    with django_assert_max_num_queries(15):
        response = client.get(QUEUE, {"q": "Fråga"})
    assert len(response.context["page"].object_list) == min(count, 50)


# --- The navigation --------------------------------------------------------------------------


def test_the_navigation_counts_open_items_for_handlers(
    client, employee, item, capture, page_channel
):
    capture(page_channel, "En till")
    client.force_login(employee)
    response = client.get(reverse("home"))
    assert response.context["nav"]["queue"]["queue"] == 2
    assert f'href="{QUEUE}"' in page_text(response)


def test_the_navigation_costs_non_handlers_no_query(client, manager, item):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)  # the login notes in the session that they have no queue
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert f'href="{QUEUE}"' not in page_text(response)
    assert not [q for q in queries if "moderation_" in q["sql"] or "handlers" in q["sql"]]


def test_the_navigation_of_a_communicator_counts_every_open_item(
    client, communicator, item, other_item
):
    client.force_login(communicator)
    response = client.get(reverse("home"))
    assert response.context["nav"]["queue"]["queue"] == 2


def test_the_navigation_counts_substitute_items(client, employee, item, page_channel, communicator):
    bea = UserFactory(username="bea")
    channel_set_handlers(channel=page_channel, actor=communicator, handlers=[employee, bea])
    services.absence_create(
        user=employee,
        actor=employee,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        substitute=bea,
    )
    client.force_login(bea)
    response = client.get(reverse("home"))
    assert response.context["nav"]["queue"]["substitute"] == 1
    assert f'href="{SUBSTITUTE}"' in page_text(response)
    listed = client.get(SUBSTITUTE)
    assert list(listed.context["page"].object_list) == [item]
    assert employee.get_full_name() in page_text(listed)


# --- The item page -------------------------------------------------------------------------------


def test_the_item_page_shows_the_conversation_versions_and_history(
    client, employee, capture, page_channel, rules
):
    post = capture(
        page_channel, "Inlägg från en besökare", kind=ItemKind.VISITOR_POST, external_id="post-1"
    )
    earlier = capture(
        page_channel, "Tidigare svar", post_external_id="post-1", parent_external_id="post-1"
    )
    item = capture(
        page_channel, "Första versionen", post_external_id="post-1", parent_external_id="post-1"
    )
    services.item_capture(
        channel=page_channel,
        content=services.ItemContent(
            kind="comment", external_id=item.external_id, text="Andra versionen"
        ),
        source="meta",
        edited=True,
    )
    services.item_claim(item=item, actor=employee, expected_version=2)
    client.force_login(employee)

    response = client.get(item.get_absolute_url())

    assert response.context["conversation"] == [post, earlier]
    text = page_text(response)
    assert "Första versionen" in text and "Andra versionen" in text
    assert "Inlägg från en besökare" in text and "Tidigare svar" in text
    assert [e.kind for e in response.context["events"]][-1] == ItemEvent.Kind.CLAIMED
    # The forms carry the version the handler sees.
    assert 'name="answer-version" value="3"' in text


def test_the_item_page_is_for_those_who_may_see_it(
    client, item, employee, other_employee, manager, communicator
):
    for user, status in (
        (employee, 200),
        (communicator, 200),
        (other_employee, 404),
        (manager, 404),
    ):
        client.force_login(user)
        assert client.get(item.get_absolute_url()).status_code == status
        version = fresh(item).version
        response = client.post(action_url(item, "ta"), {"claim-version": version})
        assert response.status_code == (302 if status == 200 else 404)
        if status == 200:
            assert fresh(item).claimed_by == user
            services.item_release(item=item, actor=communicator)
    assert fresh(item).claimed_by is None


def test_an_unknown_action_is_404(client, employee, item):
    client.force_login(employee)
    assert client.post(action_url(item, "hacka"), {}).status_code == 404


def test_answer_through_the_page_with_a_template(client, employee, communicator, item):
    template = services.reply_template_create(
        actor=communicator,
        data={"title": "Öppettider", "purpose": "answer", "text": "Vi har öppet 8–17."},
    )
    client.force_login(employee)
    picked = client.get(item.get_absolute_url(), {"mall": template.pk})
    assert picked.context["action_forms"]["answer"].initial["text"] == "Vi har öppet 8–17."

    response = client.post(
        action_url(item, "besvara"),
        {
            "answer-version": 1,
            "answer-text": "Vi har öppet 8–17, välkommen!",
            "answer-template": template.pk,
        },
    )
    assert response.status_code == 302
    item = fresh(item)
    assert (item.state, item.answer_text) == (ItemState.ANSWERED, "Vi har öppet 8–17, välkommen!")
    assert item.events.get(kind="answered").changes["template"] == template.pk


def test_a_stale_version_through_the_page_shows_the_conflict(client, employee, item):
    services.item_capture(
        channel=item.channel,
        content=services.ItemContent(kind="comment", external_id=item.external_id, text="Ändrad"),
        source="meta",
        edited=True,
    )
    client.force_login(employee)
    response = client.post(action_url(item, "inget-svar"), {"leave-version": 1})
    assert response.status_code == 409
    assert response.context["error"]
    assert fresh(item).state == ItemState.OPEN


def test_a_claim_conflict_through_the_page_names_the_holder(client, employee, communicator, item):
    services.item_claim(item=item, actor=communicator, expected_version=1)
    client.force_login(employee)
    response = client.post(action_url(item, "inget-svar"), {"leave-version": 2})
    assert response.status_code == 409
    assert communicator.get_full_name() in response.context["error"]
    assert fresh(item).state == ItemState.OPEN


def test_removal_without_a_rule_shows_the_error_next_to_the_field(client, employee, item):
    client.force_login(employee)
    response = client.post(
        action_url(item, "ta-bort"), {"remove-version": 1, "remove-action": "delete"}
    )
    assert response.status_code == 400
    assert response.context["action_forms"]["remove"].errors["rules"]
    assert fresh(item).state == ItemState.OPEN


def test_delete_through_the_page(client, employee, item, rules):
    client.force_login(employee)
    response = client.post(
        action_url(item, "ta-bort"),
        {
            "remove-version": 1,
            "remove-action": "delete",
            "remove-rules": [rules[1].pk],
            "remove-reported_to_police": "on",
        },
    )
    assert response.status_code == 302
    item = fresh(item)
    assert item.state == ItemState.DELETED and item.reported_to_police
    assert Record.objects.filter(item_id=item.pk, record_type="removed").exists()
    # The item page says it is archived.
    page = client.get(item.get_absolute_url())
    assert len(page.context["records"]) == 1


def test_a_failed_archive_through_the_page_tells_the_handler_and_keeps_the_item(
    client, employee, item, rules, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("archive down")

    monkeypatch.setattr(archive_records, "record_create", broken)
    client.force_login(employee)
    response = client.post(
        action_url(item, "ta-bort"),
        {"remove-version": 1, "remove-action": "unpublish", "remove-rules": [rules[1].pk]},
    )
    assert response.status_code == 409
    assert (
        response.context["error"] == services.ArchiveUnavailable(response.context["error"]).message
    )
    assert response.context["error"] in page_text(response)
    assert fresh(item).state == ItemState.OPEN


def test_comments_on_the_page(client, employee, item):
    client.force_login(employee)
    response = client.post(
        reverse("moderation:item_comment", args=[item.pk]), {"comment-text": "Jag tar den"}
    )
    assert response.status_code == 302
    assert item.comments.get().text == "Jag tar den"
    response = client.post(reverse("moderation:item_comment", args=[item.pk]), {"comment-text": ""})
    assert response.status_code == 400


def test_registration_shows_its_state_and_number_on_the_page(client, employee, item, registrar):
    from archive.services.records import record_set_registration_number

    client.force_login(employee)
    client.post(
        action_url(item, "diariefor"),
        {"register-version": 1, "register-description": "Ärende om taxa"},
    )
    registration = fresh(item).registration
    record_set_registration_number(
        record=Record.objects.get(pk=registration.record_id),
        actor=registrar,
        registration_number="KS 2025/9",
    )
    text = page_text(client.get(item.get_absolute_url()))
    assert "Ärende om taxa" in text and "KS 2025/9" in text


# --- Bulk removal through the queue ------------------------------------------------------------


def test_bulk_removal_through_the_queue(client, employee, capture, page_channel, other_item, rules):
    first, second = capture(page_channel, "Ett"), capture(page_channel, "Två")
    client.force_login(employee)
    response = client.post(
        BULK,
        {
            "item": [f"{first.pk}:1", f"{second.pk}:1", f"{other_item.pk}:1", "junk"],
            "bulk-action": "unpublish",
            "bulk-rules": [rules[6].pk],
        },
        follow=True,
    )
    assert fresh(first).state == fresh(second).state == ItemState.UNPUBLISHED
    assert fresh(other_item).state == ItemState.OPEN
    messages = [str(m) for m in response.context["messages"]]
    assert any(str(other_item.pk) in m for m in messages)
    assert Record.objects.count() == 2


def test_bulk_removal_needs_rules_and_a_selection(client, employee, item):
    client.force_login(employee)
    response = client.post(BULK, {"item": [f"{item.pk}:1"], "bulk-action": "delete"})
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["rules"]
    response = client.post(BULK, {"bulk-action": "delete"})
    assert response.status_code == 400
    assert fresh(item).state == ItemState.OPEN


# --- Absences ------------------------------------------------------------------------------------


def test_a_handler_records_and_ends_an_absence_on_the_page(
    client, employee, communicator, page_channel
):
    client.force_login(employee)
    page = client.get(ABSENCES)
    assert communicator in page.context["form"].fields["substitute"].queryset
    start = timezone.localtime() + timedelta(days=1)
    response = client.post(
        ABSENCES,
        {
            "absence-starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "absence-ends_at": (start + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "absence-substitute": communicator.pk,
            "absence-note": "Semester",
        },
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.substitute == communicator
    client.post(reverse("moderation:absence_end", args=[absence.pk]))
    absence.refresh_from_db()
    assert absence.cancelled_at is not None


def test_the_absence_form_shows_errors_next_to_the_fields(
    client, employee, other_employee, page_channel
):
    client.force_login(employee)
    start = timezone.localtime() + timedelta(days=1)
    response = client.post(
        ABSENCES,
        {
            "absence-starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "absence-ends_at": (start - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ends_at"]


def test_the_absence_pages_are_for_handlers(client, manager, employee, page_channel):
    client.force_login(manager)
    assert client.get(ABSENCES).status_code == 404
    absence = services.absence_create(
        user=employee,
        actor=employee,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
    )
    assert client.post(reverse("moderation:absence_end", args=[absence.pk])).status_code == 404


# --- Reply templates -----------------------------------------------------------------------------


def test_the_communicator_maintains_reply_templates(client, communicator, employee):
    client.force_login(communicator)
    response = client.post(
        TEMPLATES,
        {
            "new-title": "Politik",
            "new-purpose": "political",
            "new-text": "Vi hänvisar till partierna.",
            "new-active": "on",
            "new-position": 0,
        },
    )
    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    response = client.post(
        reverse("moderation:reply_template_edit", args=[template.pk]),
        {
            "edit-title": "Politik",
            "edit-purpose": "political",
            "edit-text": "Ny text.",
            "edit-position": 1,
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.text, template.active, template.updated_by) == (
        "Ny text.",
        False,
        communicator,
    )

    client.force_login(employee)
    assert client.get(TEMPLATES).status_code == 404
    assert (
        client.get(reverse("moderation:reply_template_edit", args=[template.pk])).status_code == 404
    )


def test_the_political_template_fills_the_referral(client, communicator, employee, item):
    services.reply_template_create(
        actor=communicator,
        data={"title": "P", "purpose": "political", "text": "Kontakta partierna."},
    )
    client.force_login(employee)
    response = client.get(item.get_absolute_url())
    assert response.context["action_forms"]["refer"].initial["text"] == "Kontakta partierna."


# --- Escaping ------------------------------------------------------------------------------------


def test_hostile_text_is_escaped_in_every_view(
    client, employee, communicator, capture, page_channel, rules
):
    item = capture(
        page_channel,
        HOSTILE,
        sender_name=HOSTILE,
        attachments=("javascript:alert(1)", "https://example.se/bild.jpg"),
    )
    services.item_comment(item=item, actor=employee, text=HOSTILE)
    services.item_forward(
        item=item, actor=employee, expected_version=1, to_email="a@example.se", note=HOSTILE
    )
    template = services.reply_template_create(
        actor=communicator, data={"title": HOSTILE, "purpose": "answer", "text": HOSTILE}
    )
    services.absence_create(
        user=employee,
        actor=employee,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=2),
        substitute=communicator,
        note=HOSTILE[:60],
    )
    client.force_login(communicator)
    pages = [
        client.get(QUEUE),
        client.get(QUEUE, {"q": HOSTILE}),
        client.get(item.get_absolute_url()),
        client.get(ABSENCES),
        client.get(TEMPLATES),
        client.get(reverse("moderation:reply_template_edit", args=[template.pk])),
        client.get(SUBSTITUTE),
    ]
    assert list(pages[-1].context["page"].object_list) == [item]
    client.force_login(employee)
    pages.append(client.get(item.get_absolute_url()))
    for response in pages:
        text = page_text(response)
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert 'href="javascript:' not in text
    item_page = page_text(pages[2])
    assert "&lt;script&gt;" in item_page
    # The https attachment is a link; the javascript: one is text only.
    assert 'href="https://example.se/bild.jpg"' in item_page
    assert "javascript:alert(1)" in item_page


@pytest.mark.parametrize("count", [10, 500])
def test_substitute_queue_query_budget(
    client, employee, communicator, page_channel, count, django_assert_max_num_queries
):
    make_items(page_channel, count)
    services.absence_create(
        user=employee,
        actor=employee,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        substitute=communicator,
    )
    client.force_login(communicator)
    # Session and user 2, roles 1, the navigation 1, absences and the covered channels 3,
    # the absences shown 1, the channel filter 1, the count 1, the page 1, the flags 1, the
    # bulk form's rules 1, the session save 3: 17, whatever the number of items.
    with django_assert_max_num_queries(17):
        response = client.get(SUBSTITUTE)
    assert len(response.context["page"].object_list) == min(count, 50)


@pytest.mark.parametrize("count", [3, 30])
def test_absence_and_template_lists_query_budget(
    client, communicator, employee, page_channel, count, django_assert_max_num_queries
):
    for n in range(count):
        start = timezone.now() + timedelta(days=2 * n + 1)
        services.absence_create(
            user=employee,
            actor=communicator,
            starts_at=start,
            ends_at=start + timedelta(days=1),
            substitute=communicator,
        )
        services.reply_template_create(
            actor=communicator, data={"title": f"Mall {n}", "purpose": "answer", "text": "Hej"}
        )
    client.force_login(communicator)
    # Session and user 2, roles 1, may record (1), candidates for the form 1, three lists
    # with their people joined 3, the navigation 1, the session save 3: 12.
    with django_assert_max_num_queries(12):
        response = client.get(ABSENCES)
    assert len(response.context["everyone"]) == count
    # Session and user 2, roles 1, the templates with their editor 1, the navigation 1,
    # the session save 3: 8.
    with django_assert_max_num_queries(8):
        response = client.get(TEMPLATES)
    assert len(response.context["templates"]) == count
