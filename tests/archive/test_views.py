"""Who reaches the archive (Registrator full, Kommunikatör read-only, others 404),
the pages, the admin's refusal to edit records, and the navigation link."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from archive.models import (
    DisposalRun,
    DisposalRunStatus,
    LegalHold,
    Record,
    RecordAnnotation,
    RetentionEvent,
    RetentionRule,
)
from archive.services.disposal import disposal_run_propose
from archive.services.requests import request_create
from core import roles
from tests.factories import UserFactory


@pytest.fixture
def other_registrar(db):
    return UserFactory(username="rut", roles=[roles.REGISTRAR])


@pytest.fixture
def other_communicator(db):
    return UserFactory(username="klas", roles=[roles.COMMUNICATOR])


@pytest.fixture
def pages(make_record, registrar, settings, tmp_path):
    """One of everything, and the URL of every archive page reached by GET."""
    settings.MEDIA_ROOT = str(tmp_path)
    record = make_record(received_at=timezone.now() - datetime.timedelta(days=3000))
    RetentionRule.objects.create(
        record_type="removed",
        years=1,
        event=RetentionEvent.END_OF_YEAR_RECEIVED,
        decision_number="KS 2025/1",
        decision_date=datetime.date(2025, 1, 1),
    )
    request = request_create(actor=registrar, data={"received_via": "email", "description": "x"})
    run = disposal_run_propose(actor=registrar)
    from archive.services.exports import Selection, export_create

    export = export_create(actor=registrar, selection=Selection())
    return {
        "record": record,
        "reader": [
            reverse("archive:home"),
            reverse("archive:search") + "?q=Kommentar",
            reverse("archive:record_detail", args=[record.pk]),
            reverse("archive:retention_rules"),
        ],
        "registrar": [
            reverse("archive:request_list"),
            reverse("archive:request_list") + "?status=closed",
            reverse("archive:request_create"),
            reverse("archive:request_detail", args=[request.pk]),
            reverse("archive:disposal_list"),
            reverse("archive:disposal_detail", args=[run.pk]),
            reverse("archive:disposal_log"),
            reverse("archive:hold_list"),
            reverse("archive:export_list"),
            reverse("archive:export_detail", args=[export.pk]),
            reverse("archive:access_log"),
        ],
        "posts": [
            reverse("archive:record_registration_number", args=[record.pk]),
            reverse("archive:record_confidentiality", args=[record.pk]),
            reverse("archive:record_hold", args=[record.pk]),
            reverse("archive:channel_hold"),
            reverse("archive:verify"),
            reverse("archive:request_attach", args=[request.pk]),
            reverse("archive:request_close", args=[request.pk]),
            reverse("archive:disposal_propose"),
            reverse("archive:disposal_approve", args=[run.pk]),
            reverse("archive:disposal_cancel", args=[run.pk]),
        ],
    }


def test_registrars_reach_every_page(client, pages, registrar, other_registrar):
    for user in (registrar, other_registrar):
        client.force_login(user)
        for url in pages["reader"] + pages["registrar"]:
            assert client.get(url).status_code == 200, url


def test_communicators_read_but_change_nothing(client, pages, communicator, other_communicator):
    for user in (communicator, other_communicator):
        client.force_login(user)
        for url in pages["reader"]:
            assert client.get(url).status_code == 200, url
        for url in pages["registrar"]:
            assert client.get(url).status_code == 404, url
        for url in pages["posts"]:
            assert client.post(url, {"reason": "x"}).status_code == 404, url
        page = client.get(reverse("archive:record_detail", args=[pages["record"].pk]))
        assert "Registrar's actions" not in page.content.decode()
    assert RecordAnnotation.objects.count() == 0 and LegalHold.objects.count() == 0


def test_everyone_else_gets_404(client, pages, employee, manager):
    for user in (employee, manager):
        client.force_login(user)
        for url in pages["reader"] + pages["registrar"]:
            assert client.get(url).status_code == 404, url
        for url in pages["posts"]:
            assert client.post(url).status_code == 404, url


def test_logged_out_users_are_sent_to_log_in(client, pages):
    response = client.get(pages["reader"][0])
    assert response.status_code == 302 and "/konto/logga-in/" in response.url


def test_navigation_link(client, registrar, communicator, employee):
    archive_url = reverse("archive:home")
    for user, shown in ((registrar, True), (communicator, True), (employee, False)):
        client.force_login(user)
        assert (f'href="{archive_url}"' in client.get("/").content.decode()) is shown


def test_registrar_annotates_holds_and_signs_off_through_pages(
    client, pages, registrar, other_registrar, django_capture_on_commit_callbacks
):
    record = pages["record"]
    client.force_login(registrar)
    client.post(
        reverse("archive:record_registration_number", args=[record.pk]),
        {"registration-registration_number": "KS 2026/44"},
    )
    client.post(
        reverse("archive:record_confidentiality", args=[record.pk]),
        {"confidentiality-confidential": "on", "confidentiality-legal_basis": "OSL 21 kap. 7 §"},
    )
    record = Record.objects.get(pk=record.pk)
    assert record.current_registration_number == "KS 2026/44"
    assert record.current_confidentiality == (True, "OSL 21 kap. 7 §")
    client.post(reverse("archive:record_hold", args=[record.pk]), {"hold-reason": "Tvist"})
    assert LegalHold.objects.get().record == record

    run = DisposalRun.objects.get()
    client.post(reverse("archive:disposal_approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == DisposalRunStatus.PROPOSED  # not by the proposer
    client.force_login(other_registrar)
    client.post(reverse("archive:disposal_approve", args=[run.pk]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("archive:disposal_execute", args=[run.pk]))
    assert len(callbacks) == 1  # the task is queued after commit
    run.refresh_from_db()
    assert run.status == DisposalRunStatus.EXECUTED
    assert Record.objects.filter(pk=record.pk).exists()  # held
    assert client.get(reverse("archive:disposal_detail", args=[run.pk])).status_code == 200


def test_admin_refuses_to_change_a_record(client, make_record):
    record = make_record(text="Original")
    admin = get_user_model().objects.create_superuser("admin", "admin@example.se", "pw")
    client.force_login(admin)
    url = reverse("admin:archive_record_change", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="text"' not in page.content.decode()
    response = client.post(url, {"text": "Ändrad", "sender_name": "Någon"})
    assert response.status_code == 403
    assert client.post(reverse("admin:archive_record_delete", args=[record.pk])).status_code == 403
    assert client.get(reverse("admin:archive_record_add")).status_code == 403
    assert Record.objects.get(pk=record.pk).text == "Original"


def test_migrations_invent_no_retention_rule(db):
    assert RetentionRule.objects.count() == 0


def test_demo_rules_are_examples(make_channel, registrar):
    from archive import demo

    make_channel()
    demo.seed(units={}, users={"handlaggare": registrar})
    demo.seed(units={}, users={"handlaggare": registrar})  # idempotent
    assert RetentionRule.objects.count() == len(demo.EXAMPLE_RULES) == 5  # 4 types and items
    assert not RetentionRule.objects.filter(is_example=False).exists()
    assert Record.objects.count() == len(demo.DEMO_RECORDS)
