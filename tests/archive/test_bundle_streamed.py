"""The bundle for a request is written one chunk of records at a time (BENCHMARKS.md,
4.: holding every copy first took some 240 MB for 10,000 records), with the same
files as the copies held in memory would give, and a fixed number of queries per
chunk."""

import csv
import io
import json
import zipfile

import pytest

from archive import copies
from archive.models import AccessLog, Record
from archive.services import requests as services

pytestmark = pytest.mark.django_db

SECRET = "Karin Hemligsson"


@pytest.mark.parametrize("count", [3, 25])
def test_the_streamed_bundle_holds_every_masked_copy(
    count, make_record, registrar, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(services, "EXPORT_CHUNK_SIZE", 10)
    records = [
        make_record(text=f'Kommentar {n} om {SECRET}, med\nny rad och "citat".')
        for n in range(count)
    ]
    request = services.request_create(
        actor=registrar, data={"received_via": "email", "description": "Alla kommentarer"}
    )
    services.request_attach_records(request=request, actor=registrar, records=records)
    services.mask_add(
        request=request,
        actor=registrar,
        record=records[1],
        text=SECRET,
        legal_basis="OSL 26 kap. 1 §",
    )

    # Exists, masks, per chunk of 10 the records and their annotations, the access log.
    with django_assert_max_num_queries(6 + 2 * (count // 10 + 1)):
        body, name = services.request_export(request=request, actor=registrar, kind="bundle")

    assert name == f"begaran-{request.pk}.zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == ["manifest.json", "records.csv", "records.json"]
    in_memory = copies.request_copy(
        request,
        list(
            Record.objects.filter(pk__in=[r.pk for r in records])
            .with_related()
            .prefetch_related("annotations")
            .order_by("pk")
        ),
        copies.group_masks(request.masks.all()),
    )
    expected = json.dumps([data for data, _applied in in_memory], ensure_ascii=False, indent=2)
    assert archive.read("records.json").decode() == expected
    rows = list(csv.reader(io.StringIO(archive.read("records.csv").decode("utf-8-sig"))))
    assert rows[0] == list(copies.CSV_COLUMNS)
    assert len(rows) == count + 1
    masked = json.loads(archive.read("records.json"))[1]
    assert SECRET not in json.dumps(masked, ensure_ascii=False)
    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["id"] for entry in manifest["records"]] == [r.pk for r in records]
    assert manifest["masks"] == [{"record": records[1].pk, "legal_basis": "OSL 26 kap. 1 §"}]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT_BUNDLE)
    assert sorted(log.record_ids) == [r.pk for r in records]
