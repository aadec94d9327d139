"""Canonical forms of social-media addresses and handles.

The register stores every channel's address in one canonical form, and the
verification page ("is this account official?") normalises whatever a citizen
pastes in the same way, so that two spellings of one account compare equal.
The module is pure standard library so that models, forms, the API, tasks and
scripts can all use it without Django.

A canonical form is the address without scheme: prefixing ``https://`` always
gives a working URL. ``""`` means "this does not name an account we can
recognise" (not an address at all, or a link to a post or video that does not
contain the account's name).

==========  ==========================================  =====================================
platform    canonical forms                             notes
==========  ==========================================  =====================================
facebook    ``facebook.com/<name>``                     names lower-cased; ``fb.com``,
            ``facebook.com/profile.php?id=<digits>``    ``fb.me``, ``m.``, ``mobile.`` and
            ``facebook.com/groups/<name-or-id>``        language hosts mapped; every numeric
                                                        id (``/123``, ``/pages/Name/123``,
                                                        ``/people/Name/123``,
                                                        ``permalink.php?id=``) becomes the
                                                        ``profile.php?id=`` form
instagram   ``instagram.com/<name>``                    ``instagr.am`` mapped; ``/p/…`` and
                                                        ``/reel/…`` name no account: ``""``
linkedin    ``linkedin.com/company/<name>``             also ``/school/``, ``/showcase/``,
                                                        ``/in/`` (persons), ``/groups/``;
                                                        lower-cased; a bare handle means
                                                        ``/company/``; ``lnkd.in``: ``""``
youtube     ``youtube.com/@<handle>``                   separate namespaces, each kept;
            ``youtube.com/channel/<ID>``                lower-cased except channel IDs;
            ``youtube.com/c/<name>``                    ``youtu.be``, ``/watch``, ``/shorts``
            ``youtube.com/user/<name>``                 name videos, not channels: ``""``
            ``youtube.com/<legacy-name>``
x           ``x.com/<name>``                            ``twitter.com`` mapped; a status URL
                                                        becomes its author's account
tiktok      ``tiktok.com/@<name>``                      ``vm.``/``vt.`` short links: ``""``
mastodon    ``<server>/@<user>``                        from ``@user@server``,
                                                        ``https://server/@user`` and remote
                                                        views ``https://other/@user@server``
blog/other  ``<host>[:port]/<path>[?<query>]``          host lower-cased without ``www.``;
                                                        path case kept, trailing ``/``,
                                                        tracking parameters and fragment
                                                        dropped
==========  ==========================================  =====================================

Sub-pages that do not change the account are dropped (``/about``, ``/reels``,
``/status/…``, ``/videos``…): a link to a post by the account is taken as a
link to the account. A full URL is always read by its host, whatever platform
the caller passes; the platform only decides how a bare handle is read.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple
from urllib.parse import unquote, unquote_plus, urlsplit

PLATFORMS: tuple[str, ...] = (
    "facebook",
    "instagram",
    "linkedin",
    "youtube",
    "x",
    "tiktok",
    "mastodon",
    "blog",
    "other",
)


def _words(text: str) -> frozenset[str]:
    """A set written as whitespace-separated words, to keep long lists short."""
    return frozenset(text.split())


# Platforms that accept any web site; everything else has its own hosts.
GENERIC_PLATFORMS = frozenset({"blog", "other"})

# Registrable domain -> platform. Subdomains are checked separately.
_HOST_PLATFORMS: dict[str, str] = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.me": "facebook",
    "fb.watch": "facebook",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "linkedin.com": "linkedin",
    "lnkd.in": "linkedin",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "x.com": "x",
    "twitter.com": "x",
    "tiktok.com": "tiktok",
}
_HOSTED_PLATFORMS = frozenset(_HOST_PLATFORMS.values())

# Short links that point at a post or video: the account is not in the link
# and cannot be found without asking the platform.
_CONTENT_ONLY_HOSTS = frozenset({"fb.watch", "lnkd.in", "youtu.be"})

# Subdomains that show the same accounts as the bare domain. Anything else
# (developers.facebook.com, l.facebook.com, vm.tiktok.com…) is not an account.
_ACCOUNT_SUBDOMAINS: dict[str, frozenset[str]] = {
    "facebook": frozenset({"www", "m", "mobile", "web", "touch", "mbasic", "business"}),
    "instagram": frozenset({"www", "m"}),
    "linkedin": frozenset({"www", "m", "mobile"}),
    "youtube": frozenset({"www", "m", "music"}),
    "x": frozenset({"www", "m", "mobile"}),
    "tiktok": frozenset({"www", "m"}),
}
# Facebook (sv-se.facebook.com) and LinkedIn (se.linkedin.com) have language hosts.
_LOCALE_SUBDOMAIN = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")
_LOCALE_PLATFORMS = frozenset({"facebook", "linkedin"})

# Sites that use /@name for their own profiles, so /@name there is not Mastodon.
_NOT_MASTODON_HOSTS = frozenset(
    {"medium.com", "threads.net", "threads.com", "substack.com", "vimeo.com", "flickr.com"}
)

# Query parameters that only say where a click came from; they never change
# which page is shown, so two links that differ only in them are one page.
_TRACKING_PARAMS = _words(
    """
    fbclid gclid dclid gbraid wbraid msclkid yclid twclid igshid igsh si ref
    ref_src ref_url mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok feature
    """
)
_TRACKING_PREFIXES = ("utm_", "hsa_")

# Account names as each platform allows them, matched after lower-casing
# (except the YouTube channel ID). The look-ahead refuses names made only of
# punctuation such as "." or "--", which no platform gives out.
_NAME_PATTERNS: dict[str, re.Pattern[str]] = {
    # Facebook wants >= 5 chars today, but older pages have shorter names.
    "facebook": re.compile(r"(?=.*[a-z0-9])[a-z0-9.\-]{1,100}", re.ASCII),
    "facebook_group": re.compile(r"(?=.*[a-z0-9])[a-z0-9._\-]{1,100}", re.ASCII),
    "instagram": re.compile(r"(?=.*[a-z0-9])[a-z0-9._]{1,30}", re.ASCII),
    "x": re.compile(r"[a-z0-9_]{1,15}", re.ASCII),
    "tiktok": re.compile(r"(?=.*[a-z0-9])[a-z0-9_.]{2,24}", re.ASCII),
    # Handles may use letters of many scripts since 2023, so \w is Unicode here.
    "youtube": re.compile(r"(?=.*[^\W_])[\w.\-]{3,30}"),
    "youtube_name": re.compile(r"(?=.*[^\W_])[\w.\-]{1,100}"),
    "youtube_channel_id": re.compile(r"[A-Za-z0-9_\-]{1,64}", re.ASCII),
    "linkedin": re.compile(r"(?=.*[^\W_])[\w.\-]{1,100}"),
    "mastodon": re.compile(r"[a-z0-9_](?:[a-z0-9_.\-]{0,62}[a-z0-9_])?", re.ASCII),
}

_DIGITS = re.compile(r"[0-9]{1,30}", re.ASCII)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")
_MASTODON_HANDLE = re.compile(r"@?([^@/\s:?#]+)@([^@/\s:?#]+)")
# A host must look real: labels of letters, digits and inner hyphens, and a
# top-level label of letters only (no IP addresses, no "localhost").
_HOST = re.compile(
    r"(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}",
)

# First path segments that are a platform's own pages, never an account name.
_FACEBOOK_RESERVED = _words(
    """
    watch events share sharer dialog login help policies privacy marketplace gaming
    hashtag search messages notifications settings reel reels stories photo photos
    video videos media business ads legal home friends bookmarks fundraisers live
    latest l pg
    """
)
_INSTAGRAM_RESERVED = _words(
    """
    p reel reels tv explore accounts direct about developer legal web stories
    challenge emails session oauth privacy terms topics locations nametag ar api
    static graphql highlights
    """
)
_X_RESERVED = _words(
    """
    home explore search i intent share hashtag settings notifications messages
    login logout signup tos privacy compose account jobs download who_to_follow
    """
)
_YOUTUBE_RESERVED = _words(
    """
    watch shorts embed live playlist results feed premium redirect attribution_link
    account t hashtag gaming about post clip source signin logout upload s yt
    howyoutubeworks creators ads kids music trending channel c user v e
    supported_browsers new sitemap
    """
)
_LINKEDIN_KINDS = frozenset({"company", "school", "showcase", "in", "groups"})


class _Url(NamedTuple):
    """A parsed http(s) address: canonical host, port, and the raw rest."""

    host: str
    port: int | None
    path: str
    query: str
    fragment: str

    @property
    def segments(self) -> list[str]:
        """Decoded non-empty path segments; empty ones carry no meaning."""
        return [_decode(part) for part in self.path.split("/") if part]


# --- Public API ------------------------------------------------------------


def normalize(address: str, platform: str | None = None) -> str:
    """The canonical form of ``address`` (see the module docstring), or ``""``.

    ``platform`` (a ``PLATFORMS`` code) tells how to read a bare handle such
    as ``@smedjebacken``; a full URL is read by its own host, so that the form
    stored with a channel equals the form a citizen's pasted link gets.

    The result is a fixed point: normalising it again gives it back. The
    canonical form is a database key, so this is checked here rather than
    trusted: should some odd Unicode input not settle, ``""`` is returned.
    Never raises: the input comes straight from web forms and query strings.
    """
    if not isinstance(address, str):
        return ""
    if platform not in PLATFORMS:
        platform = None
    try:
        result = _normalize_once(address, platform)
        for _ in range(3):
            again = _normalize_once(result, platform)
            if again == result:
                return result
            result = again
    except ValueError:  # urlsplit, ports and IDNA report bad input this way
        return ""
    return ""


def detect_platform(address: str) -> str | None:
    """The platform code an address belongs to by its host, or ``None``.

    Mastodon has no fixed host, so its two address forms (``@user@server``
    and ``https://server/@user``) are recognised by shape. Blogs and other
    sites cannot be told apart from any web site, so they give ``None``.
    """
    if not isinstance(address, str):
        return None
    try:
        text = _clean(address)
        if not text:
            return None
        if text.startswith("@"):
            return "mastodon" if _mastodon_from_handle(text) else None
        url = _parse_url(text)
        if url is None:
            return None
        platform, _, _ = _host_platform(url.host)
        if platform:
            return platform
        return "mastodon" if _mastodon_from_url(url) else None
    except ValueError:
        return None


def belongs_to_platform(address: str, platform: str) -> bool:
    """Whether ``address`` is a valid account address of ``platform``.

    Used to validate the application form, so it is strict: an Instagram
    address is refused for Facebook, a post link without the account name is
    refused everywhere, and ``blog``/``other`` want a web address on a
    real-looking host that is not one of the platforms with their own code
    (a Facebook page registered as "other" would hide it from the platform
    filter). Mastodon-shaped URLs are allowed for blog/other because the
    Mastodon test is only a guess from the path.
    """
    if platform not in PLATFORMS or not isinstance(address, str):
        return False
    canonical = normalize(address, platform)
    if not canonical:
        return False
    found = detect_platform(canonical)
    if platform in GENERIC_PLATFORMS:
        is_handle = _clean(address).startswith("@")
        return not is_handle and found not in _HOSTED_PLATFORMS
    return found == platform


def display_handle(address: str, platform: str | None = None) -> str:
    """A short human label for an address, e.g. ``@smedjebacken``.

    For lists and badges where the full address is too long. Forms without a
    handle keep their distinguishing path (``company/…``, ``channel/…``,
    ``profile.php?id=…``); web sites show their canonical address.
    """
    canonical = normalize(address, platform)
    if not canonical:
        return ""
    found = detect_platform(canonical)
    host, _, rest = canonical.partition("/")
    if found == "mastodon":
        return f"{rest}@{host}"
    if found in ("facebook", "instagram", "x") and not re.search(r"[/?]", rest):
        return f"@{rest}"
    if found in _HOSTED_PLATFORMS:
        return rest
    return canonical


# --- Reading the input -----------------------------------------------------


def _normalize_once(address: str, platform: str | None) -> str:
    """One normalisation pass; ``normalize`` repeats it until it settles."""
    text = _clean(address)
    if not text:
        return ""
    if _MASTODON_HANDLE.fullmatch(text) and (text.startswith("@") or platform == "mastodon"):
        return _mastodon_from_handle(text)
    if platform in _HOSTED_PLATFORMS and _looks_like_handle(text):
        return _from_handle(text, platform)
    if text.startswith("@"):
        return ""
    url = _parse_url(text)
    return _canonical_url(url) if url else ""


def _clean(text: str) -> str:
    """Drop invisible characters, whitespace and the ``<>`` of pasted links.

    Zero-width spaces, soft hyphens and direction marks arrive with text
    copied from web pages and chat apps and are never part of an address.
    NFKC turns full-width letters and ``＠`` from phone keyboards into ASCII.
    """
    text = unicodedata.normalize("NFKC", _drop_invisible(text)).strip()
    while len(text) >= 2 and text[0] == "<" and text[-1] == ">":
        text = text[1:-1].strip()
    return text


def _drop_invisible(text: str) -> str:
    """Remove control, format and surrogate characters."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def _decode(text: str) -> str:
    """Percent-decode a URL part and tidy it the way ``_clean`` tidies input."""
    return unicodedata.normalize("NFKC", _drop_invisible(unquote(text)))


def _fold(name: str) -> str:
    """Lower-case a name the platform treats case-insensitively."""
    return unicodedata.normalize("NFKC", name.lower())


def _looks_like_handle(text: str) -> bool:
    """Whether the text is a handle rather than a web address.

    ``@name`` always is. A bare word is only when it has no dot: the user who
    types ``smedjebacken.se`` means the web site far more often than an
    Instagram name with a dot, and ``@smedjebacken.se`` still says the latter.
    """
    if text.startswith("@"):
        return "@" not in text[1:]
    return not re.search(r"[./:?#@\s]", text)


def _parse_url(text: str) -> _Url | None:
    """Parse an http(s) address given with or without scheme.

    Addresses with a user part are refused: ``https://facebook.com@evil.example``
    goes to evil.example, and a plain ``name@host`` is an e-mail address.
    """
    scheme = _SCHEME.match(text)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            return None
    elif text.startswith("//"):
        text = "https:" + text
    else:
        text = "https://" + text
    parts = urlsplit(text)
    if "@" in parts.netloc:
        return None
    host = _canonical_host(parts.hostname or "")
    if host is None:
        return None
    port = parts.port
    if port in (80, 443):
        port = None
    return _Url(host, port, parts.path, parts.query, parts.fragment)


def _canonical_host(hostname: str) -> str | None:
    """Lower-case Unicode host without trailing dot, or None if not real-looking.

    Punycode labels are decoded so that ``xn--…`` and the Unicode spelling of
    a Swedish host (with å, ä, ö) give one canonical form.
    """
    labels = []
    for label in hostname.rstrip(".").split("."):
        if label.startswith("xn--"):
            label = label.encode("ascii").decode("idna")  # UnicodeError is a ValueError
        labels.append(_fold(label))
    host = ".".join(labels)
    if len(host) > 253 or not _HOST.fullmatch(host):
        return None
    return host


def _strip_www(host: str) -> str:
    """The host without leading ``www.`` labels (repeatedly, so it settles)."""
    while host.startswith("www."):
        host = host[4:]
    return host


def _host_platform(host: str) -> tuple[str | None, str, list[str]]:
    """The platform a host belongs to, its registrable domain and subdomain labels."""
    for base, platform in _HOST_PLATFORMS.items():
        if host == base:
            return platform, base, []
        if host.endswith("." + base):
            return platform, base, host[: -len(base) - 1].split(".")
    return None, host, []


def _is_account_host(platform: str, base: str, subdomains: list[str]) -> bool:
    """Whether the host shows accounts (www., m., language hosts) or not."""
    if base in _CONTENT_ONLY_HOSTS:
        return False
    allowed = _ACCOUNT_SUBDOMAINS[platform]
    return all(
        label in allowed
        or (platform in _LOCALE_PLATFORMS and _LOCALE_SUBDOMAIN.fullmatch(label) is not None)
        for label in subdomains
    )


def _query_pairs(query: str) -> list[tuple[str, str, str]]:
    """Decoded ``(name, "=" or "", value)`` triples, in order.

    Parsed by hand rather than with ``parse_qsl`` so that ``?a`` and ``?a=``
    stay apart and the generic form can write them back as they were.
    """
    pairs = []
    for piece in query.split("&"):
        if piece:
            name, sep, value = piece.partition("=")
            pairs.append((_decode_plus(name), sep, _decode_plus(value)))
    return pairs


def _decode_plus(text: str) -> str:
    """Like ``_decode`` but with ``+`` as space, as in form-encoded queries."""
    return unicodedata.normalize("NFKC", _drop_invisible(unquote_plus(text)))


def _query_value(query: str, wanted: str) -> str:
    """The first value of a query parameter (name compared without case), or ``""``."""
    for name, _, value in _query_pairs(query):
        if name.lower() == wanted:
            return value
    return ""


# --- Canonical forms per platform ------------------------------------------


def _canonical_url(url: _Url) -> str:
    """Canonical form of a parsed address: by platform host, Mastodon shape, or generic."""
    platform, base, subdomains = _host_platform(url.host)
    if platform is not None:
        if not _is_account_host(platform, base, subdomains):
            return ""
        return _PLATFORM_FORMS[platform](url)
    return _mastodon_from_url(url) or _generic(url)


def _valid(kind: str, name: str) -> bool:
    return _NAME_PATTERNS[kind].fullmatch(name) is not None


def _facebook_id(value: str) -> str:
    """The one form for every numeric Facebook id (page, person, profile)."""
    return f"facebook.com/profile.php?id={value}" if _DIGITS.fullmatch(value) else ""


def _facebook(url: _Url) -> str:
    """Facebook: vanity name, numeric id, or group; sub-pages dropped."""
    segments = url.segments
    if segments and _fold(segments[0]) == "pg":  # old page-tab links: /pg/name/about
        segments = segments[1:]
    if not segments:
        return ""
    first = _fold(segments[0])
    if first in ("profile.php", "permalink.php", "story.php"):
        # permalink/story links carry the page's id next to the post's.
        return _facebook_id(_query_value(url.query, "id"))
    if first in ("pages", "people"):
        # /pages/Name/123 and /people/Name/123: the name is decoration, the id
        # is the page. Without an id there is nothing stable to keep.
        ids = [part for part in segments[2:3] if _DIGITS.fullmatch(part)]
        return _facebook_id(ids[0]) if ids else ""
    if first == "groups":
        group = _fold(segments[1]) if len(segments) > 1 else ""
        return f"facebook.com/groups/{group}" if _valid("facebook_group", group) else ""
    if first in _FACEBOOK_RESERVED or first.endswith(".php"):
        return ""
    if _DIGITS.fullmatch(first):
        return _facebook_id(first)
    return f"facebook.com/{first}" if _valid("facebook", first) else ""


def _instagram(url: _Url) -> str:
    """Instagram: the username; stories name their account, posts do not."""
    segments = url.segments
    if not segments:
        return ""
    first = _fold(segments[0])
    if first == "stories" and len(segments) > 1:
        first = _fold(segments[1])
    if first in _INSTAGRAM_RESERVED:
        return ""
    return f"instagram.com/{first}" if _valid("instagram", first) else ""


def _linkedin(url: _Url) -> str:
    """LinkedIn: ``/company/``, ``/school/``, ``/showcase/``, ``/in/``, ``/groups/``."""
    segments = url.segments
    if len(segments) < 2:
        return ""
    kind, name = _fold(segments[0]), _fold(segments[1])
    if kind not in _LINKEDIN_KINDS or not _valid("linkedin", name):
        return ""
    return f"linkedin.com/{kind}/{name}"


def _youtube(url: _Url) -> str:
    """YouTube: ``@handle``, ``channel/ID``, ``c/name``, ``user/name`` or legacy name.

    They are separate namespaces (``/c/kommun`` and ``/@kommun`` may be two
    channels), so each is kept as it is; only channel IDs keep their case.
    """
    segments = url.segments
    if not segments:
        return ""
    first = segments[0]
    if first.startswith("@"):
        handle = _fold(first[1:])
        return f"youtube.com/@{handle}" if _valid("youtube", handle) else ""
    kind = _fold(first)
    if kind == "channel" and len(segments) > 1:
        channel_id = segments[1]
        return (
            f"youtube.com/channel/{channel_id}" if _valid("youtube_channel_id", channel_id) else ""
        )
    if kind in ("c", "user") and len(segments) > 1:
        name = _fold(segments[1])
        return f"youtube.com/{kind}/{name}" if _valid("youtube_name", name) else ""
    if kind in _YOUTUBE_RESERVED:
        return ""
    return f"youtube.com/{kind}" if _valid("youtube_name", kind) else ""


def _x(url: _Url) -> str:
    """X (Twitter): the username; a status or media page gives its author."""
    segments = url.segments
    if not segments and url.fragment.startswith("!/"):
        # Links from before 2012 kept the path in the fragment: twitter.com/#!/name
        segments = [_decode(part) for part in url.fragment[2:].split("/") if part]
    if not segments:
        return ""
    name = _fold(segments[0])
    if name == "intent":
        name = _fold(_query_value(url.query, "screen_name"))
    if name in _X_RESERVED:
        return ""
    return f"x.com/{name}" if _valid("x", name) else ""


def _tiktok(url: _Url) -> str:
    """TikTok: ``/@name``; a video page gives its author."""
    segments = url.segments
    if not segments or not segments[0].startswith("@"):
        return ""
    name = _fold(segments[0][1:])
    return f"tiktok.com/@{name}" if _valid("tiktok", name) else ""


_PLATFORM_FORMS = {
    "facebook": _facebook,
    "instagram": _instagram,
    "linkedin": _linkedin,
    "youtube": _youtube,
    "x": _x,
    "tiktok": _tiktok,
}

# How a bare handle of each platform is written as an address. LinkedIn has
# persons and organisations; a municipality's channel is an organisation.
_HANDLE_URLS = {
    "facebook": "facebook.com/{}",
    "instagram": "instagram.com/{}",
    "linkedin": "linkedin.com/company/{}",
    "youtube": "youtube.com/@{}",
    "x": "x.com/{}",
    "tiktok": "tiktok.com/@{}",
}


def _from_handle(text: str, platform: str) -> str:
    """A handle as its platform's address, read by the same code as URLs.

    Going through the URL code keeps one set of rules: ``@p`` for Instagram is
    refused exactly like ``instagram.com/p``, so the result is always stable.
    """
    name = text.removeprefix("@")
    if not name or re.search(r"[/?#%@\s]", name):
        return ""
    url = _parse_url(_HANDLE_URLS[platform].format(name))
    if url is None:
        return ""
    canonical = _canonical_url(url)
    return canonical if detect_platform(canonical) == platform else ""


def _mastodon(user: str, host: str) -> str:
    """``server/@user``, or ``""`` when the server is a known non-Mastodon site."""
    user = _fold(user)
    canonical_host = _canonical_host(host)
    if canonical_host is None or not _valid("mastodon", user):
        return ""
    canonical_host = _strip_www(canonical_host)
    platform, _, _ = _host_platform(canonical_host)
    if platform is not None or canonical_host in _NOT_MASTODON_HOSTS:
        return ""
    if not _HOST.fullmatch(canonical_host):
        return ""
    return f"{canonical_host}/@{user}"


def _mastodon_from_handle(text: str) -> str:
    """``@user@server`` (the fediverse address) as ``server/@user``."""
    match = _MASTODON_HANDLE.fullmatch(text)
    return _mastodon(match.group(1), match.group(2)) if match else ""


def _mastodon_from_url(url: _Url) -> str:
    """``https://server/@user[/…]`` or a remote view ``https://other/@user@server``."""
    if _strip_www(url.host) in _NOT_MASTODON_HOSTS or url.port is not None:
        return ""
    segments = url.segments
    if not segments or not segments[0].startswith("@"):
        return ""
    user, _, server = segments[0][1:].partition("@")
    return _mastodon(user, server or url.host)


# --- Blogs and other web sites ---------------------------------------------

# Characters left as they are; everything else ASCII is percent-encoded, so
# that decoding the result gives back exactly what was encoded.
_PATH_SAFE = frozenset("-._~!$&'()*+,;=:@/")
_QUERY_SAFE = frozenset("-._~!$'()*,;:@/?")


def _generic(url: _Url) -> str:
    """``host[:port]/path[?query]`` with tracking parameters and fragment dropped."""
    host = _strip_www(url.host)
    if not _HOST.fullmatch(host):
        return ""
    port = f":{url.port}" if url.port is not None else ""
    path = _encode(_decode(url.path), _PATH_SAFE).rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    query = "&".join(
        _encode(name, _QUERY_SAFE) + sep + _encode(value, _QUERY_SAFE)
        for name, sep, value in _query_pairs(url.query)
        if not _is_tracking(name)
    )
    return f"{host}{port}{path}" + (f"?{query}" if query else "")


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def _is_literal(ch: str, safe: frozenset[str]) -> bool:
    """ASCII letters, digits and ``safe``; visible non-ASCII characters."""
    if ch.isascii():
        return ch.isalnum() or ch in safe
    return unicodedata.category(ch)[0] not in "CZ"


def _encode(text: str, safe: frozenset[str]) -> str:
    """Percent-encode what would change the URL's structure or is invisible.

    Letters of any script are kept so that Swedish paths stay readable.
    """
    out = []
    for ch in text:
        if _is_literal(ch, safe):
            out.append(ch)
        else:
            out.append("".join(f"%{byte:02X}" for byte in ch.encode("utf-8")))
    return "".join(out)
