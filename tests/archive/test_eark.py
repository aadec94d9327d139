"""Tests for the E-ARK SIP writer (archive/eark.py); no database, no Django."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from archive.eark import (
    CSIP_NS,
    METS_NS,
    SIP_PROFILE,
    XLINK_NS,
    SipAgent,
    SipDocument,
    SipManifest,
    SipMetadata,
    write_sip,
)
from tests.conftest import missing_service

VALIDATOR = Path(__file__).resolve().parents[2].parent / "shared" / "tools" / "eark_validate.py"
STOCKHOLM = timezone(timedelta(hours=1))
CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=STOCKHOLM)
NS = {"mets": METS_NS, "xlink": XLINK_NS, "csip": CSIP_NS}


def tiny_pdf(text: bytes = b"Smedje Social") -> bytes:
    """A minimal one-page PDF 1.4 with a correct cross-reference table."""
    content = b"BT /F1 12 Tf 20 50 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def make_metadata(**overrides: object) -> SipMetadata:
    values: dict[str, object] = {
        "package_id": "uuid:5d0c1f0e-4a8e-4f7e-9a59-7f5b2f3c9e11",
        "label": "Smedje Social – Facebook – 2026",
        "submitter_name": "Exempelby kommun",
        "submitter_id": "212000-0000",
        "archivist_name": "Kommunstyrelsen i Exempelby kommun",
        "archivist_id": "212000-0000",
        "software_name": "Smedje Social",
        "software_version": "0.1.0",
        "created": CREATED,
        "descriptive_xml": (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<description><title>Inlägg på Facebook 2026</title></description>\n"
        ).encode(),
        "documentation": {
            "README.md": "# Postformat\n\nEn JSON-fil per post, PDF när sådan finns.\n".encode()
        },
        "schemas": {"record.schema.json": b'{"$schema": "https://json-schema.org/draft/2020-12"}'},
        "submission_agreement": "KS 2026/123",
    }
    values.update(overrides)
    return SipMetadata(**values)  # type: ignore[arg-type]


def make_documents() -> list[SipDocument]:
    return [
        SipDocument(
            identifier=f"record-{number}",
            json_bytes=b'{"id": %d, "text": "Hej fr\xc3\xa5n Exempelby"}' % number,
            pdf_bytes=tiny_pdf() if number == 2 else None,
            created=datetime(2026, 1, number, 9, 30, tzinfo=STOCKHOLM),
        )
        for number in range(1, 4)
    ]


def run_validator(package: Path) -> subprocess.CompletedProcess[str]:
    if not VALIDATOR.is_file():
        missing_service(f"the E-ARK validation script is not at {VALIDATOR} (../shared/tools)")
    if importlib.util.find_spec("eark_validator") is None:
        missing_service("eark-validator is not installed (requirements-dev.txt)")
    return subprocess.run(
        [sys.executable, str(VALIDATOR), str(package)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def read_mets(archive: zipfile.ZipFile, name: str) -> ET.Element:
    return ET.fromstring(archive.read(name))  # noqa: S314 - a file this test just wrote


@pytest.fixture
def package(tmp_path: Path) -> tuple[Path, SipManifest]:
    path = tmp_path / "package.zip"
    return path, write_sip(path, make_metadata(), make_documents())


def test_package_passes_the_e_ark_validator(package: tuple[Path, SipManifest]) -> None:
    path, _manifest = package
    result = run_validator(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid (0 errors)" in result.stdout


def test_manifest_matches_zip_contents(package: tuple[Path, SipManifest]) -> None:
    path, manifest = package
    assert manifest.document_count == 3
    assert manifest.package_name == "uuid_5d0c1f0e-4a8e-4f7e-9a59-7f5b2f3c9e11"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert {name.split("/", 1)[0] for name in names} == {manifest.package_name}
        assert sorted(names) == sorted(f"{manifest.package_name}/{f.path}" for f in manifest.files)
        for entry in manifest.files:
            data = archive.read(f"{manifest.package_name}/{entry.path}")
            assert len(data) == entry.size
            assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    paths = {entry.path for entry in manifest.files}
    assert {
        "METS.xml",
        "metadata/descriptive/descriptive.xml",
        "documentation/README.md",
        "schemas/mets.xsd",
        "schemas/xlink.xsd",
        "schemas/record.schema.json",
        "representations/rep1/METS.xml",
        "representations/rep1/data/record-1.json",
        "representations/rep1/data/record-2.json",
        "representations/rep1/data/record-2.pdf",
        "representations/rep1/data/record-3.json",
    } <= paths
    assert "representations/rep1/data/record-1.pdf" not in paths


def test_package_mets_follows_the_sip_profile(package: tuple[Path, SipManifest]) -> None:
    path, manifest = package
    with zipfile.ZipFile(path) as archive:
        mets = read_mets(archive, f"{manifest.package_name}/METS.xml")
    assert mets.get("OBJID") == "uuid:5d0c1f0e-4a8e-4f7e-9a59-7f5b2f3c9e11"
    assert mets.get("PROFILE") == SIP_PROFILE
    assert mets.get("TYPE") == "Other"
    assert mets.get(f"{{{CSIP_NS}}}OTHERTYPE") == "Social media records"
    header = mets.find("mets:metsHdr", NS)
    assert header is not None
    assert header.get(f"{{{CSIP_NS}}}OAISPACKAGETYPE") == "SIP"
    assert header.get("CREATEDATE") == "2026-03-01T12:00:00+01:00"
    software = header.find("mets:agent[@OTHERTYPE='SOFTWARE']", NS)
    assert software is not None and software.get("ROLE") == "CREATOR"
    notes = software.findall("mets:note", NS)
    assert [(n.text, n.get(f"{{{CSIP_NS}}}NOTETYPE")) for n in notes] == [
        ("0.1.0", "SOFTWARE VERSION")
    ]
    submitter = header.find("mets:agent[@OTHERROLE='SUBMITTER']", NS)
    assert submitter is not None
    assert submitter.findtext("mets:note", namespaces=NS) == "212000-0000"
    assert header.findtext("mets:altRecordID[@TYPE='SUBMISSIONAGREEMENT']", namespaces=NS) == (
        "KS 2026/123"
    )
    divisions = mets.findall("mets:structMap[@LABEL='CSIP']/mets:div/mets:div", NS)
    assert [d.get("LABEL") for d in divisions] == [
        "Metadata",
        "Documentation",
        "Schemas",
        "Representations",
        "Representations/rep1",
    ]
    pointer = divisions[-1].find("mets:mptr", NS)
    assert pointer is not None
    assert pointer.get(f"{{{XLINK_NS}}}href") == "representations/rep1/METS.xml"


def test_representation_mets_lists_every_data_file(package: tuple[Path, SipManifest]) -> None:
    path, manifest = package
    with zipfile.ZipFile(path) as archive:
        mets = read_mets(archive, f"{manifest.package_name}/representations/rep1/METS.xml")
    files = mets.findall("mets:fileSec/mets:fileGrp[@USE='Data']/mets:file", NS)
    by_href = {f.find("mets:FLocat", NS).get(f"{{{XLINK_NS}}}href"): f for f in files}  # type: ignore[union-attr]
    assert sorted(by_href) == [
        "data/record-1.json",
        "data/record-2.json",
        "data/record-2.pdf",
        "data/record-3.json",
    ]
    sizes = {entry.path: entry for entry in manifest.files}
    for href, element in by_href.items():
        entry = sizes[f"representations/rep1/{href}"]
        assert element.get("SIZE") == str(entry.size)
        assert element.get("CHECKSUM") == entry.sha256
        assert element.get("CHECKSUMTYPE") == "SHA-256"
    assert by_href["data/record-2.pdf"].get("MIMETYPE") == "application/pdf"
    assert by_href["data/record-2.pdf"].get("CREATED") == "2026-01-02T09:30:00+01:00"
    assert by_href["data/record-1.json"].get("OWNERID") == "record-1"


def test_non_ascii_names_and_labels_survive(tmp_path: Path) -> None:
    metadata = make_metadata(
        package_id="uuid:åäö-1",
        label="Sociala medier – Kommunstyrelsen i Älvsö – inlägg på Instagram",
        submitter_name="Åsele-Öje kommun",
        archivist_name="Kultur- och fritidsnämnden i Åsele-Öje",
        agents=(SipAgent(name="Örjan Ängström", role="CREATOR", type="INDIVIDUAL"),),
    )
    # A CREATOR individual is the SIP contact person, which this validator's
    # CSIP12 rejects; it is only here to show that its name survives.
    documents = [SipDocument("inlägg/7", '{"text": "Hösten är här"}'.encode(), None, CREATED)]
    path = tmp_path / "åäö.zip"
    manifest = write_sip(path, metadata, documents)
    assert manifest.package_name == "uuid_aao-1"
    with zipfile.ZipFile(path) as archive:
        mets = read_mets(archive, f"{manifest.package_name}/METS.xml")
        representation = read_mets(
            archive, f"{manifest.package_name}/representations/rep1/METS.xml"
        )
        assert archive.read(f"{manifest.package_name}/representations/rep1/data/inlagg_7.json")
    assert mets.get("OBJID") == "uuid:åäö-1"
    assert mets.get("LABEL") == "Sociala medier – Kommunstyrelsen i Älvsö – inlägg på Instagram"
    names = [n.text for n in mets.findall("mets:metsHdr/mets:agent/mets:name", NS)]
    assert names == [
        "Smedje Social",
        "Kultur- och fritidsnämnden i Åsele-Öje",
        "Åsele-Öje kommun",
        "Örjan Ängström",
    ]
    data_file = representation.find("mets:fileSec/mets:fileGrp/mets:file", NS)
    assert data_file is not None and data_file.get("OWNERID") == "inlägg/7"


def test_writes_to_a_binary_stream(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    manifest = write_sip(buffer, make_metadata(documentation={}), make_documents())
    path = tmp_path / "from-stream.zip"
    path.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(path) as archive:
        # Without documentation, a generated description keeps CSIP60/66 satisfied.
        assert archive.read(f"{manifest.package_name}/documentation/package-description.txt")
    result = run_validator(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zero_documents_are_refused(tmp_path: Path) -> None:
    # An export of records with none in it is a mistake upstream, and the
    # representation's Data file group would be empty (CSIP66).
    path = tmp_path / "empty.zip"
    with pytest.raises(ValueError, match="at least one document"):
        write_sip(path, make_metadata(), iter(()))
    assert not path.exists()


def test_naive_datetimes_are_refused_and_partial_output_removed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write_sip(tmp_path / "a.zip", make_metadata(created=datetime(2026, 3, 1)), make_documents())
    documents = [*make_documents(), SipDocument("record-9", b"{}", None, datetime(2026, 3, 1))]
    path = tmp_path / "b.zip"
    with pytest.raises(ValueError, match="timezone-aware"):
        write_sip(path, make_metadata(), documents)
    assert not path.exists()


def test_clashing_identifiers_are_refused(tmp_path: Path) -> None:
    documents = [
        SipDocument("Record 1", b"{}", None, CREATED),
        SipDocument("record_1", b"{}", None, CREATED),
    ]
    with pytest.raises(ValueError, match="already uses"):
        write_sip(tmp_path / "c.zip", make_metadata(), documents)


def test_unsafe_file_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="documentation file name"):
        write_sip(
            tmp_path / "d.zip",
            make_metadata(documentation={"../escape.txt": b"x"}),
            make_documents(),
        )
    with pytest.raises(ValueError, match="clashes"):
        write_sip(tmp_path / "e.zip", make_metadata(schemas={"mets.xsd": b"x"}), make_documents())


def test_text_that_xml_cannot_carry_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="XML cannot carry"):
        write_sip(tmp_path / "f.zip", make_metadata(label="Inlägg\x0c2026"), make_documents())
    documents = [SipDocument("record\x00-1", b"{}", None, CREATED)]
    with pytest.raises(ValueError, match="XML cannot carry"):
        write_sip(tmp_path / "g.zip", make_metadata(), documents)


def test_documents_are_streamed_not_collected(tmp_path: Path) -> None:
    count, size = 2_000, 16_000
    produced = 0

    def documents() -> Iterator[SipDocument]:
        nonlocal produced
        for number in range(count):
            produced += 1
            # A fresh bytes object per record, as a database export would make.
            body = b'{"id": %d, "text": "%s"}' % (number, b"x" * size)
            yield SipDocument(f"record-{number}", body, None, CREATED.astimezone(UTC))

    path = tmp_path / "large.zip"
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        manifest = write_sip(path, make_metadata(), documents())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total = count * size
    assert produced == count
    assert manifest.document_count == count
    # Holding the records would take at least `total` (32 MB); what is kept
    # per file is a few hundred bytes, so the peak stays far below it.
    assert peak < total / 4, f"peak {peak} bytes for {total} bytes of records"
    result = run_validator(path)
    assert result.returncode == 0, result.stdout + result.stderr
