"""Requests for public records: masking, the PDF and the bundle, lateness, the access log."""

import csv
import datetime
import io
import json
import zipfile

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from archive.copies import neutralise_cell
from archive.models import AccessLog, Mask, PublicRecordRequest, Record, RequestStatus
from archive.selectors import late_requests, request_is_late
from archive.services import requests as services
from archive.services.records import record_set_confidentiality
from core.exceptions import ServiceError, TransitionNotAllowed

SECRET_NAME = "Karin Hemligsson"
TEXT = f"Min granne {SECRET_NAME} på Storgatan 5 har fått bistånd, skandal!"


@pytest.fixture
def request_with_record(make_record, registrar):
    record = make_record(text=TEXT, sender_name="Olle Öppen")
    request = services.request_create(
        actor=registrar,
        data={
            "received_via": "email",
            "description": "Raderade kommentarer om biståndet",
        },
    )
    services.request_attach_records(request=request, actor=registrar, records=[record])
    return request, record


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_request_is_anonymous_by_default(registrar):
    request = services.request_create(
        actor=registrar, data={"received_via": "phone", "description": "Alla inlägg i maj"}
    )
    assert request.requester_name == "" and request.status == RequestStatus.OPEN
    assert request.received_at is not None


def test_mask_hides_text_in_pdf_and_bundle_not_in_the_original(request_with_record, registrar):
    request, record = request_with_record
    services.mask_add(
        request=request,
        actor=registrar,
        record=record,
        text=SECRET_NAME,
        legal_basis="OSL 26 kap. 1 §",
    )
    pdf, pdf_name = services.request_export(request=request, actor=registrar, kind="pdf")
    assert pdf.startswith(b"%PDF") and pdf_name.endswith(".pdf")
    text = pdf_text(pdf)
    assert SECRET_NAME not in text and "Hemligsson" not in text
    assert "MASKERAT – OSL 26 kap. 1 §" in text or "MASKED – OSL 26 kap. 1 §" in text
    assert "Storgatan 5" in text

    bundle, bundle_name = services.request_export(request=request, actor=registrar, kind="bundle")
    assert bundle_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert set(archive.namelist()) == {"records.csv", "records.json", "manifest.json"}
        for name in archive.namelist():
            assert SECRET_NAME not in archive.read(name).decode("utf-8-sig")
        records = json.loads(archive.read("records.json"))
        manifest = json.loads(archive.read("manifest.json"))
        rows = list(csv.DictReader(io.StringIO(archive.read("records.csv").decode("utf-8-sig"))))
    assert "OSL 26 kap. 1 §" in records[0]["text"]
    assert "OSL 26 kap. 1 §" in records[0]["content"]["raw"]["message"]
    assert manifest["records"] == [
        {"id": record.pk, "sequence": record.sequence, "sha256": record.hash}
    ]
    assert manifest["masks"] == [{"record": record.pk, "legal_basis": "OSL 26 kap. 1 §"}]
    assert rows[0]["id"] == str(record.pk) and "OSL 26 kap. 1 §" in rows[0]["text"]

    original = Record.objects.get(pk=record.pk)
    assert SECRET_NAME in original.text and SECRET_NAME in original.content["raw"]["message"]
    assert original.hash == record.hash


def test_whole_record_confidentiality_masks_everything(request_with_record, registrar):
    request, record = request_with_record
    record_set_confidentiality(
        record=record, actor=registrar, confidential=True, legal_basis="OSL 21 kap. 7 §"
    )
    bundle, _name = services.request_export(request=request, actor=registrar, kind="bundle")
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        content = archive.read("records.json").decode()
    assert "Storgatan" not in content and "Olle Öppen" not in content
    assert "OSL 21 kap. 7 §" in content
    text = pdf_text(services.request_export(request=request, actor=registrar, kind="pdf")[0])
    assert "Storgatan" not in text


def test_mask_needs_legal_basis_and_existing_text(request_with_record, registrar, make_record):
    request, record = request_with_record
    with pytest.raises(ServiceError):
        services.mask_add(
            request=request, actor=registrar, record=record, text=SECRET_NAME, legal_basis=""
        )
    with pytest.raises(ServiceError):
        services.mask_add(
            request=request, actor=registrar, record=record, text="finns inte", legal_basis="OSL"
        )
    stranger = make_record(text="Något annat")
    with pytest.raises(ServiceError):
        services.mask_add(
            request=request, actor=registrar, record=stranger, text="annat", legal_basis="OSL"
        )
    assert Mask.objects.count() == 0


def test_csv_cells_are_neutralised():
    for dangerous in ("=SUM(A1)", "+1", "-1", "@cmd", "\tx"):
        assert neutralise_cell(dangerous).startswith("'")
    assert neutralise_cell("Hej") == "Hej"
    assert neutralise_cell(None) == ""


def test_formula_in_a_record_is_neutralised_in_the_bundle(make_record, registrar):
    record = make_record(text='=HYPERLINK("http://evil.example")', sender_name="@angripare")
    request = services.request_create(
        actor=registrar, data={"received_via": "email", "description": "x"}
    )
    services.request_attach_records(request=request, actor=registrar, records=[record])
    bundle, _name = services.request_export(request=request, actor=registrar, kind="bundle")
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("records.csv").decode("utf-8-sig"))))
    header, row = rows
    assert row[header.index("text")].startswith("'=")
    assert row[header.index("sender_name")] == "'@angripare"


def test_exports_are_logged(request_with_record, registrar):
    request, record = request_with_record
    services.request_export(request=request, actor=registrar, kind="pdf")
    services.request_export(request=request, actor=registrar, kind="bundle")
    actions = list(
        AccessLog.objects.filter(request=request).order_by("pk").values_list("action", "record_ids")
    )
    assert actions == [("export_pdf", [record.pk]), ("export_bundle", [record.pk])]


def test_record_views_are_logged(client, registrar, communicator, make_record):
    record = make_record()
    for user in (registrar, communicator):
        client.force_login(user)
        assert client.get(reverse("archive:record_detail", args=[record.pk])).status_code == 200
    logs = AccessLog.objects.filter(action=AccessLog.Action.VIEW).order_by("pk")
    assert [(log.user, log.record_ids) for log in logs] == [
        (registrar, [record.pk]),
        (communicator, [record.pk]),
    ]


def test_closed_request_cannot_change(request_with_record, registrar):
    request, record = request_with_record
    services.request_close(request=request, actor=registrar, outcome="Kopia skickad")
    request.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        services.mask_add(
            request=request, actor=registrar, record=record, text=SECRET_NAME, legal_basis="OSL"
        )
    with pytest.raises(TransitionNotAllowed):
        services.request_close(request=request, actor=registrar)


def test_request_late_after_one_working_day(registrar):
    # Monday 2026-03-02 10:00 Stockholm; due Tuesday 10:00.
    received = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    request = services.request_create(
        actor=registrar,
        data={"received_via": "email", "description": "x", "received_at": received},
    )
    tuesday_morning = timezone.make_aware(datetime.datetime(2026, 3, 3, 9, 0))
    tuesday_noon = timezone.make_aware(datetime.datetime(2026, 3, 3, 12, 0))
    assert not request_is_late(request, now=tuesday_morning)
    assert request_is_late(request, now=tuesday_noon)
    assert late_requests(now=tuesday_noon) == [request]
    # Friday afternoon: due on Monday, not on Saturday.
    friday = timezone.make_aware(datetime.datetime(2026, 3, 6, 15, 0))
    weekend = services.request_create(
        actor=registrar, data={"received_via": "letter", "description": "y", "received_at": friday}
    )
    sunday = timezone.make_aware(datetime.datetime(2026, 3, 8, 12, 0))
    assert not request_is_late(weekend, now=sunday)


def test_late_request_shows_on_the_registrars_page(client, registrar):
    received = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    request = services.request_create(
        actor=registrar,
        data={"received_via": "email", "description": "Sen begäran", "received_at": received},
    )
    client.force_login(registrar)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 3, 4, 10, 0))):
        response = client.get(reverse("archive:home"))
    assert list(response.context["late"]) == [request]
    assert "Sen begäran" in response.content.decode()


def test_request_pages(client, registrar, make_record):
    record = make_record(text=TEXT)
    client.force_login(registrar)
    response = client.post(
        reverse("archive:request_create"),
        {
            "received_at": "2026-03-02T10:00",
            "received_via": "email",
            "description": "Kommentarerna om biståndet",
        },
    )
    request = PublicRecordRequest.objects.get()
    assert response.status_code == 302 and response.url == request.get_absolute_url()
    assert request.requester_name == ""
    client.post(
        reverse("archive:request_attach", args=[request.pk]),
        {"attach-records": f"{record.pk}, 99999"},
    )
    assert list(request.request_records.values_list("record_ref", flat=True)) == [record.pk]
    client.post(
        reverse("archive:request_mask", args=[request.pk]),
        {"mask-record": record.pk, "mask-text": SECRET_NAME, "mask-legal_basis": "OSL 26 kap. 1 §"},
    )
    assert request.masks.get().text == SECRET_NAME
    response = client.get(reverse("archive:request_detail", args=[request.pk]))
    assert response.status_code == 200
    response = client.get(reverse("archive:request_export", args=[request.pk, "bundle"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert SECRET_NAME.encode() not in response.content
    response = client.get(reverse("archive:request_export", args=[request.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = client.get(reverse("archive:request_export", args=[request.pk, "nonsense"]))
    assert response.status_code == 302
    client.post(reverse("archive:request_close", args=[request.pk]), {"close-outcome": "Skickad"})
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
