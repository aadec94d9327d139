"""The registrar in Chromium: finds the record of a deleted comment, records a
request, masks a name, downloads the bundle; axe finds nothing on the pages."""

import io
import json
import zipfile

import pytest

from archive.models import PublicRecordRequest, RecordType
from archive.services.records import record_create
from tests.conftest import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Karin Hemligsson"


@pytest.fixture
def deleted_comment(channel, employee):
    text = f"Jag såg {NAME} på socialkontoret i går, hon fick bistånd igen."
    return record_create(
        record_type=RecordType.REMOVED,
        channel=channel,
        content={
            "kind": "comment",
            "external_id": "fb-123_456",
            "text": text,
            "versions": [{"number": 1, "text": text, "attachments": []}],
            "raw": {"message": text, "from": {"id": "99", "name": "Nils Nyfiken"}},
        },
        sender_id="99",
        sender_name="Nils Nyfiken",
        action="delete",
        rules=["7"],
        actor=employee,
        item_id=1,
        description="Kommentar med uppgifter om en enskild",
    )


def check_accessible(page, axe):
    assert page.locator("h1").count() == 1, page.url
    violations = axe(page)
    assert violations == [], f"{page.url}\n{describe_violations(violations)}"


def test_registrar_answers_a_request_with_a_masked_copy(
    new_page, live_server, login, axe, registrar, deleted_comment
):
    page = new_page()
    login(page, registrar.username)
    page.get_by_role("link", name="Arkiv", exact=True).click()
    check_accessible(page, axe)

    page.get_by_label("Text").fill("socialkontoret")
    page.get_by_role("button", name="Sök", exact=True).click()
    check_accessible(page, axe)
    page.get_by_role("link", name=str(deleted_comment.pk), exact=True).click()
    assert page.get_by_text("Nils Nyfiken").first.is_visible()
    check_accessible(page, axe)

    page.get_by_role("link", name="Begäranden", exact=True).click()
    check_accessible(page, axe)
    page.get_by_role("link", name="Registrera en ny begäran").click()
    check_accessible(page, axe)
    page.get_by_label("Inkom via").select_option("email")
    page.get_by_label("Vad som begärs").fill("Raderade kommentarer om socialkontoret")
    page.get_by_role("button", name="Registrera begäran").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Begäran")
    check_accessible(page, axe)

    page.get_by_label("Handlingsnummer").fill(str(deleted_comment.pk))
    page.get_by_role("button", name="Lägg till handlingar").click()
    page.get_by_label("Text att maskera").fill(NAME)
    page.get_by_label("Lagrum").fill("OSL 26 kap. 1 §")
    page.get_by_role("button", name="Maskera texten").click()
    assert page.get_by_role("cell", name="OSL 26 kap. 1 §").is_visible()
    check_accessible(page, axe)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hämta kopian som CSV och JSON (ZIP)").click()
    data = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert NAME not in archive.read(name).decode("utf-8-sig")
        records = json.loads(archive.read("records.json"))
    assert "[MASKERAT – OSL 26 kap. 1 §]" in records[0]["text"]
    assert PublicRecordRequest.objects.get().masks.count() == 1
    assert page.foreign_requests == []


def test_other_archive_pages_are_accessible(
    new_page, live_server, login, axe, registrar, deleted_comment, settings, tmp_path
):
    import datetime

    from archive.models import RetentionEvent, RetentionRule
    from archive.services.disposal import disposal_run_propose, legal_hold_place
    from archive.services.exports import Selection, export_create

    settings.MEDIA_ROOT = str(tmp_path)
    RetentionRule.objects.create(
        record_type=RecordType.REMOVED,
        years=0,
        event=RetentionEvent.RECEIVED,
        decision_number="KS 2025/1",
        decision_date=datetime.date(2025, 1, 1),
        is_example=True,
    )
    run = disposal_run_propose(actor=registrar)
    legal_hold_place(actor=registrar, reason="Tvist", channel=deleted_comment.channel)
    export = export_create(actor=registrar, selection=Selection())
    page = new_page()
    login(page, registrar.username)
    for path in (
        f"/arkiv/gallring/{run.pk}/",
        f"/arkiv/export/{export.pk}/",
        "/arkiv/begaran/",
        "/arkiv/gallring/",
        "/arkiv/gallringsstopp/",
        "/arkiv/gallringslogg/",
        "/arkiv/gallringsregler/",
        "/arkiv/export/",
        "/arkiv/atkomstlogg/",
        "/arkiv/begaran/?status=closed",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        check_accessible(page, axe)
    assert page.foreign_requests == []
