"""Write an E-ARK Submission Information Package (CSIP 2.1 + SIP 2.1) as a ZIP.

Sweden has adopted E-ARK CSIP/SIP 2.1 as *FGS Paketstruktur 2.0*; this module
produces such a package from a stream of archive records so that the
registrar can hand a selection of records over to the municipality's
e-archive. It is pure Python (no Django) and streams: documents are written
into the ZIP as they arrive and only a few hundred bytes per file are kept
(path, size, SHA-256, creation time, MIME type), so 10,000+ records fit in a
small, constant amount of memory apart from that list.

Package layout (one top folder in the ZIP, named after the sanitised package id)::

    <package>/
        METS.xml                              package METS (CSIP + SIP profile)
        metadata/descriptive/<type>.xml       optional descriptive metadata -> dmdSec
        metadata/preservation/premis.xml      optional PREMIS -> amdSec/digiprovMD
        documentation/...                     fileGrp USE="Documentation" (at least one
                                              file; a generated description if none given)
        schemas/mets.xsd                      fileGrp USE="Schemas": the METS, XLink and
        schemas/xlink.xsd                     DILCIS extension schemas the METS files use,
        schemas/DILCISExtensionMETS.xsd       plus any schemas the caller adds (e.g. a
        schemas/DILCISExtensionSIPMETS.xsd    JSON Schema of a record)
        representations/rep1/METS.xml         representation METS, fileGrp USE="Data"
        representations/rep1/data/<id>.json   one JSON file per record ...
        representations/rep1/data/<id>.pdf    ... and its PDF rendering when there is one

Every file is listed with SIZE, SHA-256 CHECKSUM, MIMETYPE and CREATED: the
package METS lists metadata (mdRef), documentation, schemas and the
representation METS; the representation METS lists the data files.

Notes on the profile as implemented (and on eark-validator 1.1.3, which checks it):

- Agents in ``metsHdr``: the mandatory software agent (CSIP10-16,
  ``ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE"`` with one
  ``csip:NOTETYPE="SOFTWARE VERSION"`` note), the archival creator
  (SIP9-14, ``ROLE="ARCHIVIST" TYPE="ORGANIZATION"``) and the submitting agent
  (SIP15-20, ``TYPE="ORGANIZATION"``), the latter two with a
  ``csip:NOTETYPE="IDENTIFICATIONCODE"`` note when an identifier is known.
  SIP 2.1 does not fix the submitting agent's role (its example uses
  CREATOR), but CSIP12/13/16 as the validator implements them apply to every
  CREATOR agent and so reject any CREATOR that is not the software. The
  submitter is therefore written as ``ROLE="OTHER" OTHERROLE="SUBMITTER"``,
  which METS allows and which keeps the package valid.
- ``mets/@TYPE`` is the content category: a CSIP vocabulary term, or
  ``"Other"`` with ``csip:OTHERTYPE``. The content information type is
  ``"OTHER"`` with ``csip:OTHERCONTENTINFORMATIONTYPE`` unless a CSIP
  vocabulary value is given; every file group carries it (CSIP62/63).
  The validator's CSIP63 only accepts ``"OTHER"`` on file groups, so a
  vocabulary value (e.g. ``"ERMS"``) makes it report an error.
- The structural map has the CSIP divisions Metadata, Documentation, Schemas,
  Representations (``fptr`` to the representation file group, CSIP101-104,
  119) and ``Representations/rep1`` with an ``mptr`` to its METS
  (CSIP105-112).
- The representation METS has its own header, a ``USE="Data"`` file group
  and a ``rep1``/``Data`` structural map; the package-level divisions
  (Documentation, Schemas, Representations) do not apply to it, and the
  validator checks only the package METS against the schematron rules.
- No PREMIS file is generated: CSIP113 wants every schema the package uses
  inside it, and the PREMIS schema is not shipped. Pass ``preservation_xml``
  (and its XSD in ``schemas``) to add one; without it the validator only
  warns (CSIP31, CSIPSTR6).
- A package without records is refused (``ValueError``): CSIP allows
  metadata-only packages, but an export of records with none in it is an
  error upstream, and the representation's ``Data`` file group would be
  empty, which CSIP66 forbids.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import mimetypes
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import BinaryIO, NamedTuple
from urllib.parse import quote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesNSImpl

__all__ = [
    "SIP_PROFILE",
    "SipAgent",
    "SipDocument",
    "SipFile",
    "SipManifest",
    "SipMetadata",
    "safe_name",
    "write_sip",
]

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

NAMESPACES = {"mets": METS_NS, "xlink": XLINK_NS, "csip": CSIP_NS, "sip": SIP_NS, "xsi": XSI_NS}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
REPRESENTATION = "rep1"

# Shipped schema file name -> namespace it defines (see eark_schemas/README.md).
_SHIPPED_SCHEMAS = {
    "mets.xsd": METS_NS,
    "xlink.xsd": XLINK_NS,
    "DILCISExtensionMETS.xsd": CSIP_NS,
    "DILCISExtensionSIPMETS.xsd": SIP_NS,
}

# CSIP vocabularies (https://earkcsip.dilcis.eu/schema/): values outside them
# must be written as "Other"/"OTHER" plus the csip:OTHER... attribute.
_CONTENT_CATEGORIES = frozenset(
    {
        "Textual works – Print",
        "Textual works – Digital",
        "Textual works – Electronic Serials",
        "Digital Musical Composition (score-based representations)",
        "Photographs – Print",
        "Photographs – Digital",
        "Other Graphic Images – Print",
        "Other Graphic Images – Digital",
        "Microforms",
        "Audio – On Tangible Medium (digital or analog)",
        "Audio – Media-independent (digital)",
        "Motion Pictures – Digital and Physical Media",
        "Video – File-based and Physical Media",
        "Software",
        "Datasets",
        "Geospatial Data",
        "Databases",
        "Websites",
        "Collection",
        "Event",
        "Interactive resource",
        "Physical object",
        "Service",
        "Mixed",
        "Other",
    }
)
_CONTENT_INFORMATION_TYPES = frozenset(
    {
        "ERMS",
        "SIARD1",
        "SIARD2",
        "SIARDDK",
        "GeoData",
        "citscarchival_v1_0",
        "citserms_v2_1",
        "citspremis_v1_0",
        "citsehpj_v1_0",
        "citsehcr_v1_0",
        "citssiard_v1_0",
        "citsgeospatial_v3_0",
        "MIXED",
    }
)
# METS 1.12 enumerations for agent/@ROLE, agent/@TYPE and mdRef/@MDTYPE.
_METS_ROLES = frozenset(
    {"CREATOR", "EDITOR", "ARCHIVIST", "PRESERVATION", "DISSEMINATOR", "CUSTODIAN", "IPOWNER"}
)
_METS_AGENT_TYPES = frozenset({"INDIVIDUAL", "ORGANIZATION"})
_METS_MDTYPES = frozenset(
    {
        "MARC",
        "MODS",
        "EAD",
        "DC",
        "NISOIMG",
        "LC-AV",
        "VRA",
        "TEIHDR",
        "DDI",
        "FGDC",
        "LOM",
        "PREMIS",
        "PREMIS:OBJECT",
        "PREMIS:AGENT",
        "PREMIS:RIGHTS",
        "PREMIS:EVENT",
        "TEXTMD",
        "METSRIGHTS",
        "ISO 19115:2003 NAP",
        "EAC-CPF",
        "LIDO",
    }
)
_NOTE_TYPES = frozenset({"SOFTWARE VERSION", "IDENTIFICATIONCODE"})

# Caller-chosen file names (documentation, schemas) must be portable: the
# e-archive may unpack on any file system and file names outlive software.
_SAFE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 100
_PDF_VERSION = re.compile(rb"%PDF-(\d\.\d)")
# Characters XML 1.0 cannot carry at all; METS text and attributes must not hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_MIMETYPE = "application/xml"


@dataclass(frozen=True)
class SipDocument:
    """One record to put in the package."""

    identifier: str  # e.g. "record-42"; file names derive from it, METS keeps it as OWNERID
    json_bytes: bytes  # canonical JSON of the record
    pdf_bytes: bytes | None  # optional PDF rendering of it
    created: datetime  # aware


@dataclass(frozen=True)
class SipAgent:
    """An extra ``metsHdr/agent`` (e.g. a contact person or the preservation agent).

    ``role`` outside the METS vocabulary is written as ``ROLE="OTHER"`` with
    ``OTHERROLE``; ``type`` outside it as ``TYPE="OTHER"`` with ``OTHERTYPE``
    (``other_type`` when given). ``note_type`` is a ``csip:NOTETYPE`` value.
    """

    name: str
    role: str
    type: str
    other_type: str | None = None
    note: str | None = None
    note_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class SipMetadata:
    """Package-level metadata: identification, agents, metadata and documentation files."""

    package_id: str  # OBJID, e.g. "uuid:..."; the top folder is its sanitised form
    label: str  # human title, e.g. "Smedje Social – Facebook – 2026"
    submitter_name: str  # the municipality submitting the package
    submitter_id: str | None  # e.g. organisation number; IDENTIFICATIONCODE note
    archivist_name: str  # archival creator (arkivbildare)
    software_name: str
    software_version: str
    created: datetime  # aware
    archivist_id: str | None = None  # IDENTIFICATIONCODE note of the archival creator
    content_category: str = "Social media records"  # mets/@TYPE or csip:OTHERTYPE
    content_information_type: str = "Smedje Social archive records (JSON, PDF)"
    submission_agreement: str | None = None  # altRecordID TYPE="SUBMISSIONAGREEMENT"
    reference_code: str | None = None  # altRecordID TYPE="REFERENCECODE"
    descriptive_xml: bytes | None = None  # -> metadata/descriptive/, dmdSec
    descriptive_mdtype: str = "OTHER"  # METS MDTYPE of descriptive_xml, e.g. "EAD"
    descriptive_other_mdtype: str | None = None  # OTHERMDTYPE when descriptive_mdtype is OTHER
    preservation_xml: bytes | None = None  # PREMIS -> metadata/preservation/premis.xml
    documentation: Mapping[str, bytes] = field(default_factory=dict)  # -> documentation/
    schemas: Mapping[str, bytes] = field(default_factory=dict)  # -> schemas/
    agents: tuple[SipAgent, ...] = ()  # extra agents after the required ones


@dataclass(frozen=True, slots=True)
class SipFile:
    """A file in the package; ``path`` is relative to the package folder."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SipManifest:
    """What ``write_sip`` wrote: every file of the ZIP (METS files included)."""

    package_name: str  # the top folder inside the ZIP
    files: tuple[SipFile, ...]
    document_count: int


class _Entry(NamedTuple):
    """What is kept of a written file until the METS files are written."""

    path: str  # relative to the package folder
    size: int
    sha256: str
    created: datetime
    mimetype: str
    owner_id: str | None = None
    format_name: str | None = None
    format_version: str | None = None


def write_sip(
    out: BinaryIO | str | Path,
    metadata: SipMetadata,
    documents: Iterable[SipDocument],
) -> SipManifest:
    """Write an E-ARK SIP ZIP of ``documents`` to ``out`` (a path or a binary stream).

    ``documents`` is consumed once, lazily. Raises ``ValueError`` on invalid
    metadata, when there are no documents, on a naive ``created`` or on two
    documents mapping to the same file name; when that happens while writing
    to a path the partial file is removed, a stream is left as it is.
    """
    _check_metadata(metadata)
    iterator = iter(documents)
    first = next(iterator, None)
    if first is None:
        raise ValueError("an E-ARK SIP of records needs at least one document")
    stream = itertools.chain((first,), iterator)

    if isinstance(out, str | Path):
        path = Path(out)
        handle = path.open("wb")
        try:
            with handle:
                return _SipWriter(handle, metadata).write(stream)
        except BaseException:
            # Half a package must not pass for a whole one.
            path.unlink(missing_ok=True)
            raise
    return _SipWriter(out, metadata).write(stream)


# --- validation and naming ---------------------------------------------------


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


def _check_text(value: str, what: str) -> None:
    if _NOT_XML.search(value):
        raise ValueError(f"{what} holds a character that XML cannot carry: {value!r}")


def _check_safe_path(name: str, what: str) -> None:
    if not _SAFE_PATH.fullmatch(name):
        raise ValueError(
            f"{what} file name {name!r} must be a relative path of letters A-Z, digits, "
            "'.', '_' and '-'"
        )


def _check_xml(data: bytes, what: str) -> None:
    try:
        ET.fromstring(data)  # noqa: S314 - our own caller's bytes, parsed only to refuse non-XML
    except ET.ParseError as error:
        raise ValueError(f"{what} is not well-formed XML: {error}") from error


def _check_metadata(metadata: SipMetadata) -> None:
    _check_aware(metadata.created, "SipMetadata.created")
    for attribute in (
        "package_id",
        "label",
        "submitter_name",
        "archivist_name",
        "software_name",
        "software_version",
        "content_category",
        "content_information_type",
    ):
        if not getattr(metadata, attribute).strip():
            raise ValueError(f"SipMetadata.{attribute} must not be empty")
    for attribute in (
        "package_id",
        "label",
        "submitter_name",
        "submitter_id",
        "archivist_name",
        "archivist_id",
        "software_name",
        "software_version",
        "content_category",
        "content_information_type",
        "submission_agreement",
        "reference_code",
        "descriptive_other_mdtype",
    ):
        if (value := getattr(metadata, attribute)) is not None:
            _check_text(value, f"SipMetadata.{attribute}")
    safe_name(metadata.package_id)  # raises when nothing usable is left
    for name in metadata.documentation:
        _check_safe_path(name, "documentation")
    for name in metadata.schemas:
        _check_safe_path(name, "schema")
        if name in _SHIPPED_SCHEMAS:
            raise ValueError(f"schema {name!r} clashes with a schema the writer ships itself")
    if metadata.descriptive_mdtype not in _METS_MDTYPES | {"OTHER"}:
        raise ValueError(f"descriptive_mdtype {metadata.descriptive_mdtype!r} is not a METS MDTYPE")
    if metadata.descriptive_xml is not None:
        _check_xml(metadata.descriptive_xml, "descriptive_xml")
    if metadata.preservation_xml is not None:
        _check_xml(metadata.preservation_xml, "preservation_xml")
    for agent in metadata.agents:
        if not agent.name.strip():
            raise ValueError("SipAgent.name must not be empty")
        for value in (agent.name, agent.role, agent.type, agent.other_type, agent.note):
            if value is not None:
                _check_text(value, "SipAgent")
        if agent.note_type is not None and agent.note_type not in _NOTE_TYPES:
            raise ValueError(f"SipAgent.note_type must be one of {sorted(_NOTE_TYPES)}")


def safe_name(value: str) -> str:
    """Return a portable file or folder name for ``value`` (ASCII, no separators).

    Diacritics are dropped (``"inlägg"`` -> ``"inlagg"``) and every other
    character outside ``A-Z a-z 0-9 . _ -`` becomes ``_``, because archives
    outlive the file systems and tools that would cope with anything else.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    name = _UNSAFE_CHARS.sub("_", ascii_only).lstrip(".")[:_MAX_NAME]
    if not name.strip("_"):
        raise ValueError(f"{value!r} gives no usable file name")
    return name


def _format_time(value: datetime) -> str:
    # xsd:dateTime with offset; the aware check happened before writing.
    return value.isoformat()


def _href(path: str) -> str:
    # Relative URL: percent-encode anything a URL cannot carry as is.
    return quote(path, safe="/")


def _mimetype(name: str) -> str:
    if name.endswith((".xsd", ".xml")):
        return _XML_MIMETYPE
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def _category_attributes(metadata: SipMetadata) -> dict[str, str]:
    """mets/@TYPE and the csip content information type, per the CSIP vocabularies."""
    attributes: dict[str, str] = {}
    if metadata.content_category in _CONTENT_CATEGORIES:
        attributes["TYPE"] = metadata.content_category
    else:
        attributes["TYPE"] = "Other"
        attributes[f"{{{CSIP_NS}}}OTHERTYPE"] = metadata.content_category
    attributes.update(_content_information_type(metadata))
    return attributes


def _content_information_type(metadata: SipMetadata) -> dict[str, str]:
    value = metadata.content_information_type
    if value in _CONTENT_INFORMATION_TYPES:
        return {f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE": value}
    return {
        f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE": "OTHER",
        f"{{{CSIP_NS}}}OTHERCONTENTINFORMATIONTYPE": value,
    }


def _schema_location(prefix: str) -> str:
    # Relative to the METS file, so the package validates offline.
    return " ".join(f"{uri} {prefix}schemas/{name}" for name, uri in _SHIPPED_SCHEMAS.items())


# --- output helpers ------------------------------------------------------------


class _HashingWriter(io.RawIOBase):
    """Passes bytes through to a ZIP entry while counting and hashing them."""

    def __init__(self, target: BinaryIO) -> None:
        super().__init__()
        self._target = target
        self.size = 0
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._target.write(chunk)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return len(chunk)


def _split(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        uri, local = name[1:].split("}", 1)
        return uri, local
    return None, name


class _XmlStream:
    """Serialises ElementTree elements one subtree at a time, indented.

    ElementTree can only serialise a whole tree; the representation METS
    lists every data file, so it is written piecewise instead: open the
    enclosing elements, write one ``mets:file`` at a time, close them.
    """

    def __init__(self, target: BinaryIO) -> None:
        self._raw = _HashingWriter(target)
        # A buffered text layer: thousands of tiny writes become 8 KiB chunks.
        self._text = io.TextIOWrapper(io.BufferedWriter(self._raw), encoding="utf-8", newline="\n")
        self._xml = XMLGenerator(self._text, encoding="utf-8", short_empty_elements=True)
        self._tags_written = False

    def start(self) -> None:
        self._xml.startDocument()
        for prefix, uri in NAMESPACES.items():
            self._xml.startPrefixMapping(prefix, uri)

    def open(self, element: ET.Element, depth: int) -> None:
        """Write ``element``'s start tag (not its children)."""
        self._indent(depth)
        attributes = {_split(key): value for key, value in element.attrib.items()}
        self._xml.startElementNS(_split(element.tag), None, AttributesNSImpl(attributes, {}))

    def close(self, element: ET.Element, depth: int) -> None:
        self._indent(depth)
        self._xml.endElementNS(_split(element.tag), None)

    def write(self, element: ET.Element, depth: int) -> None:
        """Write ``element`` with its text and children."""
        self.open(element, depth)
        if element.text:
            self._xml.characters(element.text)
        for child in element:
            self.write(child, depth + 1)
        if len(element):
            self._indent(depth)
        self._xml.endElementNS(_split(element.tag), None)

    def finish(self) -> tuple[int, str]:
        """End the document; return its size and SHA-256."""
        for prefix in NAMESPACES:
            self._xml.endPrefixMapping(prefix)
        self._xml.endDocument()
        self._text.write("\n")
        self._text.flush()
        # Detach so that garbage collection never closes the ZIP entry under us.
        self._text.detach().detach()
        return self._raw.size, self._raw.sha256.hexdigest()

    def _indent(self, depth: int) -> None:
        # The XML declaration already ends its line; every later tag gets its own.
        if self._tags_written:
            self._xml.ignorableWhitespace("\n" + "  " * depth)
        self._tags_written = True


def _mets_element(
    tag: str, attributes: Mapping[str, str] | None = None, **extra: str
) -> ET.Element:
    # Keyword attributes (usually ID) come first: easier to read in the METS.
    return ET.Element(f"{{{METS_NS}}}{tag}", {**extra, **(attributes or {})})


def _mets_child(
    parent: ET.Element, tag: str, attributes: Mapping[str, str] | None = None, **extra: str
) -> ET.Element:
    return ET.SubElement(parent, f"{{{METS_NS}}}{tag}", {**extra, **(attributes or {})})


def _locator(href: str) -> dict[str, str]:
    return {"LOCTYPE": "URL", f"{{{XLINK_NS}}}type": "simple", f"{{{XLINK_NS}}}href": _href(href)}


def _file_attributes(entry: _Entry) -> dict[str, str]:
    attributes = {
        "MIMETYPE": entry.mimetype,
        "SIZE": str(entry.size),
        "CREATED": _format_time(entry.created),
        "CHECKSUM": entry.sha256,
        "CHECKSUMTYPE": "SHA-256",
    }
    if entry.owner_id is not None:
        attributes["OWNERID"] = entry.owner_id
    if entry.format_name is not None:
        attributes[f"{{{SIP_NS}}}FILEFORMATNAME"] = entry.format_name
    if entry.format_version is not None:
        attributes[f"{{{SIP_NS}}}FILEFORMATVERSION"] = entry.format_version
    return attributes


def _file_element(entry: _Entry, file_id: str, href: str) -> ET.Element:
    element = _mets_element("file", _file_attributes(entry), ID=file_id)
    _mets_child(element, "FLocat", _locator(href))
    return element


def _add_agent(header: ET.Element, agent: SipAgent) -> None:
    attributes: dict[str, str] = {}
    if agent.role in _METS_ROLES:
        attributes["ROLE"] = agent.role
    else:
        attributes.update(ROLE="OTHER", OTHERROLE=agent.role)
    if agent.type in _METS_AGENT_TYPES:
        attributes["TYPE"] = agent.type
    else:
        attributes["TYPE"] = "OTHER"
        other_type = agent.other_type or (agent.type if agent.type != "OTHER" else None)
        if other_type:
            attributes["OTHERTYPE"] = other_type
    element = _mets_child(header, "agent", attributes)
    _mets_child(element, "name").text = agent.name
    if agent.note:
        note_attributes = {f"{{{CSIP_NS}}}NOTETYPE": agent.note_type} if agent.note_type else {}
        _mets_child(element, "note", note_attributes).text = agent.note


def _software_agent(metadata: SipMetadata) -> SipAgent:
    return SipAgent(
        name=metadata.software_name,
        role="CREATOR",
        type="OTHER",
        other_type="SOFTWARE",
        note=metadata.software_version,
        note_type="SOFTWARE VERSION",
    )


def _header(metadata: SipMetadata, agents: Iterable[SipAgent]) -> ET.Element:
    created = _format_time(metadata.created)
    header = _mets_element(
        "metsHdr",
        {
            "CREATEDATE": created,
            "LASTMODDATE": created,
            "RECORDSTATUS": "NEW",
            f"{{{CSIP_NS}}}OAISPACKAGETYPE": "SIP",
        },
    )
    for agent in agents:
        _add_agent(header, agent)
    return header


def _generated_description(metadata: SipMetadata) -> bytes:
    # CSIP60/66 need at least one documentation file; say what the package is.
    lines = [
        metadata.label,
        "",
        f"Package: {metadata.package_id}",
        f"Created: {_format_time(metadata.created)}",
        f"Submitter: {metadata.submitter_name}",
        f"Archival creator: {metadata.archivist_name}",
        f"Software: {metadata.software_name} {metadata.software_version}",
        "",
        "E-ARK SIP 2.1 (CSIP 2.1; FGS Paketstruktur 2.0). Each record is",
        "representations/rep1/data/<identifier>.json, with <identifier>.pdf when a PDF",
        "rendering exists. representations/rep1/METS.xml lists every data file with its",
        "size and SHA-256 checksum; the original record identifier is its OWNERID.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


# --- the writer --------------------------------------------------------------------


class _SipWriter:
    _zip: zipfile.ZipFile  # set while write() runs

    def __init__(self, out: BinaryIO, metadata: SipMetadata) -> None:
        self._out = out
        self._metadata = metadata
        self._root = safe_name(metadata.package_id)
        self._manifest: list[SipFile] = []

    # Entry points

    def write(self, documents: Iterator[SipDocument]) -> SipManifest:
        metadata = self._metadata
        with zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            self._zip = archive
            schemas = [
                self._add_bytes(f"schemas/{name}", data, metadata.created)
                for name, data in self._schema_files()
            ]
            documentation = dict(metadata.documentation) or {
                "package-description.txt": _generated_description(metadata)
            }
            docs = [
                self._add_bytes(f"documentation/{name}", data, metadata.created)
                for name, data in documentation.items()
            ]
            descriptive = preservation = None
            if metadata.descriptive_xml is not None:
                name = (
                    "descriptive.xml"
                    if metadata.descriptive_mdtype == "OTHER"
                    else f"{safe_name(metadata.descriptive_mdtype.lower())}.xml"
                )
                descriptive = self._add_bytes(
                    f"metadata/descriptive/{name}", metadata.descriptive_xml, metadata.created
                )
            if metadata.preservation_xml is not None:
                preservation = self._add_bytes(
                    "metadata/preservation/premis.xml", metadata.preservation_xml, metadata.created
                )
            data_files, count = self._add_documents(documents)
            representation_mets = self._write_representation_mets(data_files)
            self._write_package_mets(schemas, docs, descriptive, preservation, representation_mets)
        return SipManifest(self._root, tuple(self._manifest), count)

    # Files

    def _schema_files(self) -> Iterator[tuple[str, bytes]]:
        package = resources.files(__package__ or "archive") / "eark_schemas"
        for name in _SHIPPED_SCHEMAS:
            yield name, (package / name).read_bytes()
        yield from self._metadata.schemas.items()

    def _zip_info(self, path: str, created: datetime) -> zipfile.ZipInfo:
        # ZIP stores local wall-clock time without a zone and nothing before 1980.
        stamp = max(created.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
        info = zipfile.ZipInfo(f"{self._root}/{path}", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # readable files when unpacked with unzip
        return info

    def _record(self, path: str, size: int, sha256: str) -> None:
        self._manifest.append(SipFile(path, size, sha256))

    def _add_bytes(
        self,
        path: str,
        data: bytes,
        created: datetime,
        mimetype: str | None = None,
        **details: str | None,
    ) -> _Entry:
        self._zip.writestr(self._zip_info(path, created), data)
        digest = hashlib.sha256(data).hexdigest()
        self._record(path, len(data), digest)
        return _Entry(path, len(data), digest, created, mimetype or _mimetype(path), **details)

    def _add_documents(self, documents: Iterator[SipDocument]) -> tuple[list[_Entry], int]:
        entries: list[_Entry] = []
        names: set[str] = set()
        count = 0
        for document in documents:
            _check_aware(document.created, f"created of document {document.identifier!r}")
            _check_text(document.identifier, "SipDocument.identifier")
            name = safe_name(document.identifier)
            if name.casefold() in names:  # case-insensitive file systems would merge them
                raise ValueError(
                    f"document {document.identifier!r} maps to file name {name!r} "
                    "which an earlier document already uses"
                )
            names.add(name.casefold())
            base = f"representations/{REPRESENTATION}/data/{name}"
            entries.append(
                self._add_bytes(
                    f"{base}.json",
                    document.json_bytes,
                    document.created,
                    "application/json",
                    owner_id=document.identifier,
                    format_name="JSON",
                )
            )
            if document.pdf_bytes is not None:
                version = _PDF_VERSION.match(document.pdf_bytes)
                entries.append(
                    self._add_bytes(
                        f"{base}.pdf",
                        document.pdf_bytes,
                        document.created,
                        "application/pdf",
                        owner_id=document.identifier,
                        format_name="Portable Document Format",
                        format_version=version.group(1).decode("ascii") if version else None,
                    )
                )
            count += 1
        return entries, count

    # METS files

    def _write_representation_mets(self, data_files: list[_Entry]) -> _Entry:
        metadata = self._metadata
        path = f"representations/{REPRESENTATION}/METS.xml"
        prefix = f"representations/{REPRESENTATION}/"
        category = _category_attributes(metadata)
        mets = _mets_element(
            "mets",
            {
                "OBJID": REPRESENTATION,  # CSIP1: the representation's folder name
                "LABEL": metadata.label,
                **category,
                "PROFILE": SIP_PROFILE,
                f"{{{XSI_NS}}}schemaLocation": _schema_location("../../"),
            },
        )
        file_sec = _mets_element("fileSec", ID=f"fileSec-{REPRESENTATION}")
        group_id = f"fileGrp-{REPRESENTATION}-data"
        group = _mets_element(
            "fileGrp", {"ID": group_id, "USE": "Data", **_content_information_type(metadata)}
        )
        struct_map = _mets_element(
            "structMap", ID=f"structMap-{REPRESENTATION}", TYPE="PHYSICAL", LABEL="CSIP"
        )
        top = _mets_child(struct_map, "div", ID=f"div-{REPRESENTATION}", LABEL=REPRESENTATION)
        data_div = _mets_child(top, "div", ID=f"div-{REPRESENTATION}-data", LABEL="Data")
        _mets_child(data_div, "fptr", FILEID=group_id)

        with self._zip.open(self._zip_info(path, metadata.created), "w") as handle:
            xml = _XmlStream(handle)
            xml.start()
            xml.open(mets, 0)
            xml.write(_header(metadata, [_software_agent(metadata)]), 1)
            xml.open(file_sec, 1)
            xml.open(group, 2)
            for number, entry in enumerate(data_files, start=1):
                file_id = f"file-{REPRESENTATION}-{number:06d}"
                xml.write(_file_element(entry, file_id, entry.path.removeprefix(prefix)), 3)
            xml.close(group, 2)
            xml.close(file_sec, 1)
            xml.write(struct_map, 1)
            xml.close(mets, 0)
            size, digest = xml.finish()
        self._record(path, size, digest)
        return _Entry(path, size, digest, metadata.created, _XML_MIMETYPE)

    def _write_package_mets(
        self,
        schemas: list[_Entry],
        documentation: list[_Entry],
        descriptive: _Entry | None,
        preservation: _Entry | None,
        representation_mets: _Entry,
    ) -> None:
        metadata = self._metadata
        created = _format_time(metadata.created)
        mets = _mets_element(
            "mets",
            {
                "OBJID": metadata.package_id,
                "LABEL": metadata.label,
                **_category_attributes(metadata),
                "PROFILE": SIP_PROFILE,
                f"{{{XSI_NS}}}schemaLocation": _schema_location(""),
            },
        )
        agents = [
            _software_agent(metadata),
            SipAgent(
                name=metadata.archivist_name,
                role="ARCHIVIST",
                type="ORGANIZATION",
                note=metadata.archivist_id,
                note_type="IDENTIFICATIONCODE" if metadata.archivist_id else None,
            ),
            SipAgent(
                name=metadata.submitter_name,
                role="SUBMITTER",  # written as ROLE="OTHER" OTHERROLE="SUBMITTER", see above
                type="ORGANIZATION",
                note=metadata.submitter_id,
                note_type="IDENTIFICATIONCODE" if metadata.submitter_id else None,
            ),
            *metadata.agents,
        ]
        header = _header(metadata, agents)
        for kind, value in (
            ("SUBMISSIONAGREEMENT", metadata.submission_agreement),
            ("REFERENCECODE", metadata.reference_code),
        ):
            if value:
                _mets_child(header, "altRecordID", TYPE=kind).text = value
        mets.append(header)

        metadata_div_refs: dict[str, str] = {}
        if descriptive is not None:
            dmd = _mets_child(mets, "dmdSec", ID="dmdSec-1", CREATED=created, STATUS="CURRENT")
            other = metadata.descriptive_other_mdtype
            if metadata.descriptive_mdtype != "OTHER":
                other = None
            reference = self._md_ref(
                descriptive, "mdRef-dmdSec-1", metadata.descriptive_mdtype, other
            )
            _mets_child(dmd, "mdRef", reference)
            metadata_div_refs["DMDID"] = "dmdSec-1"
        if preservation is not None:
            amd = _mets_child(mets, "amdSec", ID="amdSec-1")
            provenance = _mets_child(amd, "digiprovMD", ID="digiprovMD-1", STATUS="CURRENT")
            reference = self._md_ref(preservation, "mdRef-digiprovMD-1", "PREMIS")
            _mets_child(provenance, "mdRef", reference)
            metadata_div_refs["ADMID"] = "amdSec-1"

        file_sec = _mets_child(mets, "fileSec", ID="fileSec-1")
        information_type = _content_information_type(metadata)
        groups = {}
        for label, entries, prefix in (
            ("Documentation", documentation, "file-documentation"),
            ("Schemas", schemas, "file-schemas"),
            (f"Representations/{REPRESENTATION}", [representation_mets], "file-representations"),
        ):
            group_id = f"fileGrp-{safe_name(label.lower().replace('/', '-'))}"
            # Every group states the content information type: CSIP62 requires it
            # on representation groups and the validator's CSIP63 on all of them.
            group = _mets_child(file_sec, "fileGrp", {"ID": group_id, "USE": label})
            group.attrib.update(information_type)
            for number, entry in enumerate(entries, start=1):
                group.append(_file_element(entry, f"{prefix}-{number:04d}", entry.path))
            groups[label] = group_id

        struct_map = _mets_child(mets, "structMap", ID="structMap-1", TYPE="PHYSICAL", LABEL="CSIP")
        top = _mets_child(struct_map, "div", ID="div-package", LABEL=metadata.package_id)
        _mets_child(top, "div", ID="div-metadata", LABEL="Metadata", **metadata_div_refs)
        for label in ("Documentation", "Schemas"):
            division = _mets_child(top, "div", ID=f"div-{label.lower()}", LABEL=label)
            _mets_child(division, "fptr", FILEID=groups[label])
        representation_group = groups[f"Representations/{REPRESENTATION}"]
        content = _mets_child(top, "div", ID="div-representations", LABEL="Representations")
        _mets_child(content, "fptr", FILEID=representation_group)
        representation = _mets_child(
            top,
            "div",
            ID=f"div-representations-{REPRESENTATION}",
            LABEL=f"Representations/{REPRESENTATION}",
        )
        _mets_child(
            representation,
            "mptr",
            {**_locator(representation_mets.path), f"{{{XLINK_NS}}}title": representation_group},
        )

        with self._zip.open(self._zip_info("METS.xml", metadata.created), "w") as handle:
            xml = _XmlStream(handle)
            xml.start()
            xml.write(mets, 0)
            size, digest = xml.finish()
        self._record("METS.xml", size, digest)

    @staticmethod
    def _md_ref(
        entry: _Entry, ref_id: str, mdtype: str, other_mdtype: str | None = None
    ) -> dict[str, str]:
        return {
            "ID": ref_id,
            **_locator(entry.path),
            "MDTYPE": mdtype,
            **({"OTHERMDTYPE": other_mdtype} if other_mdtype else {}),
            "MIMETYPE": entry.mimetype,
            "SIZE": str(entry.size),
            "CREATED": _format_time(entry.created),
            "CHECKSUM": entry.sha256,
            "CHECKSUMTYPE": "SHA-256",
        }
