"""The exports of hostile texts: the public-records PDF carries the literal text (markup
escaped for reportlab), every CSV the application writes neutralises formulas, and the JSON
in the bundle and the E-ARK package is valid and exact."""

import io
import json
import zipfile
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from archive.models import Record
from archive.services import requests as request_services
from archive.services.exports import Selection, sip_write
from channels.models import Channel
from moderation import services
from tests.archive.test_eark import run_validator
from tests.hostile.payloads import (
    HOSTILE,
    PDF_READABLE,
    SENDER,
    assert_cells_neutralised,
    csv_rows,
    neutralised,
    squeeze,
)

pytestmark = pytest.mark.django_db

TEXTS = dict(HOSTILE)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def records(page_channel, rules, employee, send_webhook):
    """One removed record per hostile text, from a webhook comment."""
    from moderation.models import Item
    from tests.hostile.conftest import meta_comment

    made = {}
    for name, text in HOSTILE:
        delivery = send_webhook(meta_comment(text))
        item = Item.objects.get(versions__delivery=delivery)
        services.item_delete(
            item=item, actor=employee, expected_version=item.version, rules=[rules[1]]
        )
        made[name] = Record.objects.get(item_id=item.pk)
    return made


@pytest.fixture
def public_request(records, registrar):
    request = request_services.request_create(
        actor=registrar,
        data={"received_via": "email", "description": "<script>window.__pwned=1</script>"},
    )
    request_services.request_attach_records(
        request=request, actor=registrar, records=list(records.values())
    )
    return request


def test_the_public_records_pdf_shows_the_literal_text(public_request, registrar, records):
    data, _name = request_services.request_export(
        request=public_request, actor=registrar, kind="pdf"
    )

    text = squeeze(pdf_text(data))
    for payload in PDF_READABLE:
        assert squeeze(TEXTS[payload]) in text, payload
    assert squeeze(SENDER) in text
    # Characters the PDF's standard font lacks are drawn as boxes; the rest is there.
    assert "Radett" in text and "slut" in text and "noll-bredd" in text


def test_the_bundle_csv_is_neutralised_and_its_json_exact(public_request, registrar, records):
    data, _name = request_services.request_export(
        request=public_request, actor=registrar, kind="bundle"
    )

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows = csv_rows(archive.read("records.csv").decode("utf-8"))
        copies = json.loads(archive.read("records.json"))
        json.loads(archive.read("manifest.json"))
    header, body = rows[0], rows[1:]
    assert_cells_neutralised(rows, "records.csv")
    by_id = {int(row[header.index("id")]): dict(zip(header, row, strict=True)) for row in body}
    for payload, record in records.items():
        row = by_id[record.pk]
        assert row["text"] == neutralised(TEXTS[payload]), payload
        assert row["sender_name"] == neutralised(SENDER)
    # The JSON copy is not a spreadsheet: exact, with nothing prefixed.
    texts = {copy["id"]: copy["text"] for copy in copies}
    for payload, record in records.items():
        assert texts[record.pk] == TEXTS[payload], payload


def test_the_e_ark_package_is_valid_exact_and_passes_the_validator(records, registrar, tmp_path):
    path = tmp_path / "sip.zip"
    manifest = sip_write(path, selection=Selection(), actor=registrar, include_pdf=True)

    assert manifest is not None
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            if name.endswith(".xml"):
                ElementTree.fromstring(archive.read(name))  # noqa: S314 - written just now
        for payload, record in records.items():
            (json_name,) = [n for n in names if n.endswith(f"/record-{record.pk}.json")]
            data = json.loads(archive.read(json_name))
            assert data["text"] == TEXTS[payload], payload
            assert data["sender_name"] == SENDER
            assert data["content"]["text"] == TEXTS[payload], payload
        script = records["script"]
        (pdf_name,) = [n for n in names if n.endswith(f"/record-{script.pk}.pdf")]
        assert squeeze(TEXTS["script"]) in squeeze(pdf_text(archive.read(pdf_name)))
    # And the e-archive's own check (skips where the validator is not installed).
    result = run_validator(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid (0 errors)" in result.stdout


def test_the_public_register_csv_is_neutralised(make_channel, client):
    channel = make_channel(
        display_name='=HYPERLINK("https://angripare.example","Klicka")',
        purpose="@SUM(1+1)*cmd|' /C calc'!A0",
        target_group="-2+3 <script>window.__pwned=1</script>",
    )
    tabbed = make_channel(display_name="Tabb", purpose="+46 70 123 45 67", target_group="\r=1")
    # A name with a tab is refused by the forms (core/validators.py); one stored before
    # that rule may still hold it.
    Channel.objects.filter(pk=tabbed.pk).update(display_name="\t=1+1")

    response = client.get("/api/v1/channels.csv")

    assert response.status_code == 200
    rows = csv_rows(b"".join(response.streaming_content).decode("utf-8"))
    assert_cells_neutralised(rows, "channels.csv")
    header = rows[0]
    (row,) = [r for r in rows[1:] if r[header.index("id")] == str(channel.pk)]
    assert row[header.index("purpose")] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row[header.index("target_group")] == "'-2+3 <script>window.__pwned=1</script>"
