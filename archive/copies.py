"""Renderings of records: JSON, the masked copy for a request, PDF, CSV and ZIP.

Nothing here writes to the database or changes a record: masking works on a
copy of the record's data. A mask replaces every occurrence of its exact text
in every string of the copy (the captured content, raw payloads included,
the text, the sender and the description) by a marker that states the legal
basis. A record marked confidential as a whole keeps only its identifying
data (number, type, channel, times, hash); everything it captured is masked.
"""

import csv
import io
import json
import zipfile
from collections import defaultdict
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def record_data(record) -> dict:
    """A record as plain JSON-ready data, with its chain links and current annotations."""
    confidential, legal_basis = record.current_confidentiality
    return {
        "id": record.pk,
        "sequence": record.sequence,
        "record_type": record.record_type,
        "record_type_label": str(record.get_record_type_display()),
        "channel": {
            "id": record.channel_id,
            "name": record.channel.display_name,
            "platform": str(record.channel.platform),
            "address": record.channel.address,
        },
        "unit": {"id": record.unit_id, "name": record.unit.name},
        "sender_id": record.sender_id,
        "sender_name": record.sender_name,
        "platform_created_at": _iso(record.platform_created_at),
        "received_at": _iso(record.received_at),
        "acted_at": _iso(record.acted_at),
        "archived_at": _iso(record.archived_at),
        "action": record.action,
        "rules": list(record.rules),
        "acting_user": record.actor_name,
        "item_id": record.item_id,
        "registration_number": record.current_registration_number,
        "captured_registration_number": record.registration_number,
        "confidential": confidential,
        "confidentiality_legal_basis": legal_basis,
        "description": record.description,
        "text": record.text,
        "content": record.content,
        "sha256": record.hash,
        "previous_sha256": record.previous_hash,
    }


def record_json_bytes(record) -> bytes:
    return json.dumps(record_data(record), ensure_ascii=False, indent=2, sort_keys=True).encode()


def mask_marker(legal_basis: str) -> str:
    return _("[MASKED – %(legal_basis)s]") % {"legal_basis": legal_basis}


def _mask_strings(value, replacements):
    if isinstance(value, str):
        for text, marker in replacements:
            value = value.replace(text, marker)
        return value
    if isinstance(value, dict):
        return {key: _mask_strings(inner, replacements) for key, inner in value.items()}
    if isinstance(value, list):
        return [_mask_strings(inner, replacements) for inner in value]
    return value


MASKED_FIELDS = ("sender_id", "sender_name", "description", "text", "content")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def occurs_in(record, text: str) -> bool:
    """Whether a mask of `text` would hide anything in the copy of `record`."""
    fields = [getattr(record, field) for field in MASKED_FIELDS]
    return any(text in value for value in _strings(fields))


def masked_record_data(record, masks) -> tuple[dict, list[dict]]:
    """The copy of `record` to hand out, and the masks applied (legal basis, no text)."""
    data = record_data(record)
    applied = []
    if data["confidential"]:
        marker = mask_marker(data["confidentiality_legal_basis"])
        for field in MASKED_FIELDS:
            data[field] = marker if field != "content" else {"masked": marker}
        applied.append({"record": record.pk, "legal_basis": data["confidentiality_legal_basis"]})
        return data, applied
    # Longest first, so a mask inside a longer one does not split it.
    ordered = sorted(masks, key=lambda mask: len(mask.text), reverse=True)
    replacements = [(mask.text, mask_marker(mask.legal_basis)) for mask in ordered]
    for field in MASKED_FIELDS:
        data[field] = _mask_strings(data[field], replacements)
    applied = [{"record": record.pk, "legal_basis": mask.legal_basis} for mask in masks]
    return data, applied


def neutralise_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(CSV_DANGEROUS):
        return "'" + text
    return text


CSV_COLUMNS = (
    "id",
    "sequence",
    "record_type",
    "channel",
    "unit",
    "sender_id",
    "sender_name",
    "platform_created_at",
    "received_at",
    "acted_at",
    "action",
    "rules",
    "registration_number",
    "description",
    "text",
    "sha256",
)


def _csv_row(data):
    row = {
        **data,
        "channel": data["channel"]["name"],
        "unit": data["unit"]["name"],
        "rules": ", ".join(data["rules"]),
    }
    return [neutralise_cell(row[column]) for column in CSV_COLUMNS]


def request_copy(request, records, masks_by_record) -> list[tuple[dict, list[dict]]]:
    return [masked_record_data(record, masks_by_record.get(record.pk, [])) for record in records]


def group_masks(masks):
    grouped = defaultdict(list)
    for mask in masks:
        grouped[mask.record_id].append(mask)
    return grouped


def manifest(request, copies, *, generated_by) -> dict:
    return {
        "request": request.pk,
        "received_at": _iso(request.received_at),
        "generated_at": _iso(timezone.now()),
        "generated_by": generated_by,
        "note": _(
            "The hashes are those of the original records; the copies are masked where "
            "stated, with the legal basis next to each mask."
        ),
        "records": [
            {"id": data["id"], "sequence": data["sequence"], "sha256": data["sha256"]}
            for data, _applied in copies
        ],
        "masks": [mask for _data, applied in copies for mask in applied],
    }


def bundle_zip_streamed(request, records, masks_by_record, *, generated_by) -> tuple[bytes, list]:
    """records.csv, records.json and manifest.json in a ZIP; (bytes, record ids).

    `records` is read one at a time and memory stays flat however many the
    request holds: each record's copy is written to records.csv in the ZIP and
    to records.json in a temporary file as it comes, and only the manifest's
    short entries are kept. (Holding every copy first took some 240 MB for
    10,000 records; BENCHMARKS.md, 4.) records.json is what
    ``json.dumps(copies, ensure_ascii=False, indent=2)`` writes.
    """
    import tempfile

    entries, applied_masks, record_ids = [], [], []
    buffer = io.BytesIO()
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8") as records_json,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        with archive.open("records.csv", "w") as raw:
            csv_file = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            csv_file.write("\ufeff")
            writer = csv.writer(csv_file)
            writer.writerow(CSV_COLUMNS)
            records_json.write("[")
            for record in records:
                data, applied = masked_record_data(record, masks_by_record.get(record.pk, []))
                writer.writerow(_csv_row(data))
                # json.dumps(list, indent=2) writes each element indented by two more.
                element = json.dumps(data, ensure_ascii=False, indent=2).replace("\n", "\n  ")
                records_json.write(("\n  " if not record_ids else ",\n  ") + element)
                entries.append(
                    {"id": data["id"], "sequence": data["sequence"], "sha256": data["sha256"]}
                )
                applied_masks.extend(applied)
                record_ids.append(data["id"])
            records_json.write("\n]" if record_ids else "]")
            csv_file.flush()
            csv_file.detach()
        records_json.seek(0)
        with archive.open("records.json", "w") as target:
            while chunk := records_json.read(1 << 16):
                target.write(chunk.encode("utf-8"))
        header = manifest(request, [], generated_by=generated_by)
        header["records"], header["masks"] = entries, applied_masks
        archive.writestr("manifest.json", json.dumps(header, ensure_ascii=False, indent=2))
    return buffer.getvalue(), record_ids


# --- PDF ---------------------------------------------------------------------------


def _paragraph(text, style):
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def records_pdf(copies, *, title: str, intro_lines=()) -> bytes:
    """A PDF of record copies (already masked where needed), one section per record."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Smedje Social",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    story = [_paragraph(title, styles["Title"])]
    for line in intro_lines:
        story.append(_paragraph(line, styles["Normal"]))
    for data, applied in copies:
        story.append(Spacer(1, 6 * mm))
        story.append(
            _paragraph(
                _("Record %(number)s: %(type)s")
                % {"number": data["id"], "type": data["record_type_label"]},
                styles["Heading2"],
            )
        )
        rows = [
            (_("Channel"), f"{data['channel']['name']} ({data['channel']['platform']})"),
            (_("Unit"), data["unit"]["name"]),
            (_("Sender"), f"{data['sender_name']} ({data['sender_id']})"),
            (_("Created on the platform"), data["platform_created_at"] or "–"),
            (_("Received"), data["received_at"] or "–"),
            (_("Acted on"), data["acted_at"] or "–"),
            (_("Action"), data["action"] or "–"),
            (_("Content rules"), ", ".join(data["rules"]) or "–"),
            (_("Registration number"), data["registration_number"] or "–"),
            (_("Short description"), data["description"] or "–"),
            ("SHA-256", data["sha256"]),
        ]
        table = Table(
            [[_paragraph(k, styles["Normal"]), _paragraph(v, styles["Normal"])] for k, v in rows],
            colWidths=[45 * mm, None],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            )
        )
        story.append(table)
        story.append(Spacer(1, 3 * mm))
        story.append(_paragraph(_("Text"), styles["Heading3"]))
        story.append(_paragraph(data["text"] or "–", styles["Normal"]))
        if applied:
            story.append(_paragraph(_("Masked under"), styles["Heading3"]))
            for mask in applied:
                story.append(_paragraph(mask["legal_basis"], styles["Normal"]))
    document.build(story)
    return buffer.getvalue()


def single_record_pdf(record) -> bytes:
    """The PDF rendering of one unmasked record (for the e-archive package)."""
    return records_pdf(
        [(record_data(record), [])],
        title=_("Record %(number)s") % {"number": record.pk},
    )
