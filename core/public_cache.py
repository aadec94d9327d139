"""Whole answers of the public pages and API, kept in the cache.

The public register's pages and the open-data API give every anonymous
visitor the same answer until the register changes. `cached_response` keeps
a view's answer (status 200, its body and the view's own headers) under a key
made of the data's version, the host, the scheme, the path with its query and
the language, so a repeated request costs a lookup (and the version, which
the register reads at most once a second per process) instead of the view's
queries and rendering (BENCHMARKS.md, 1.). Any change to the data gives a new
version, hence new keys: nothing older than the version is served, and old
entries expire.

Two levels: each process keeps the answers it served last in memory (at most
`LOCAL_MAX_BYTES`, least recently used out first), in front of the shared
cache (Redis in production), which fills the other processes.

Only what is the same for everybody is kept: GET and HEAD; for the HTML pages
only visitors without a session (a logged-in employee's pages carry their
navigation and a logout form with their CSRF token) and without pending
messages; never an answer that sets a cookie. The public pages have no
per-visitor content otherwise: their one form that posts, the language
switch, needs no CSRF token (smedje_social/urls.py).

The open-data API's throttles still count every request: a kept answer is
only given when the view's throttles allow the request; otherwise the view
runs and answers 429 as before.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language
from rest_framework.request import Request

# Long enough to matter, short enough to bound what the shared cache holds per page.
CACHE_SECONDS = 10 * 60
KEY_PREFIX = "public-response"
# What one process keeps in memory: a few hundred pages of the register.
LOCAL_MAX_BYTES = 8 * 1024 * 1024
# The cookie of django.contrib.messages' cookie storage.
MESSAGES_COOKIE = "messages"
# Headers set outside the view on every answer; never kept.
_NOT_KEPT = {"set-cookie", "etag", "cache-control", "expires", "last-modified", "content-length"}


class _LocalStore:
    """A size-bounded, least-recently-used map of this process's kept answers."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[bytes, list]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def set(self, key, entry):
        size = len(entry[0])
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped[0])

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self):
        return len(self._entries)


local_store = _LocalStore(LOCAL_MAX_BYTES)


def clear_local():
    """Forget what this process keeps (the shared cache is cleared with cache.clear())."""
    local_store.clear()


def _cacheable(request, *, anonymous_only: bool) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if anonymous_only:
        cookies = request.COOKIES
        return settings.SESSION_COOKIE_NAME not in cookies and MESSAGES_COOKIE not in cookies
    return True


def response_key(kind: str, version: str, request) -> str:
    """The cache key of this request's answer for data at `version`."""
    parts = (
        kind,
        version,
        request.get_host(),
        request.scheme,
        request.get_full_path(),
        get_language() or "",
    )
    return f"{KEY_PREFIX}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"


def _throttled(request, view_class) -> bool:
    """Whether one of the DRF view's throttles refuses the request.

    As `APIView.check_throttles` asks them, on the request as DRF sees it (its
    own authentication); a refusal records nothing, and the view then runs
    and answers 429 itself.
    """
    if not view_class.throttle_classes:
        return False
    view = view_class()
    throttles = view.get_throttles()
    drf_request = Request(request, authenticators=view.get_authenticators())
    view.request, view.args, view.kwargs = drf_request, (), {}
    return any(not throttle.allow_request(drf_request, view) for throttle in throttles)


def _kept(key):
    entry = local_store.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            local_store.set(key, entry)
    return entry


def _response(entry) -> HttpResponse:
    content, headers = entry
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return response


def cached_response(
    kind: str,
    version: Callable | None = None,
    *,
    key: Callable | None = None,
    anonymous_only: bool = True,
    api_view_class=None,
):
    """Keep the decorated view's 200 answers (see the module's docstring).

    `version(request)` gives the version of the data the answer depends on;
    or `key(request)` gives the whole key, when the request already has one
    made of the same parts (the API's ETag: the version, host, scheme, path
    with query and language).
    `anonymous_only` (the HTML pages) leaves visitors with a session or
    pending messages to the view. `api_view_class`, for a DRF view, is the
    class whose throttles must allow a request before it gets a kept answer.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _cacheable(request, anonymous_only=anonymous_only):
                return view(request, *args, **kwargs)
            if key is not None:
                cache_key = f"{KEY_PREFIX}:{kind}:{key(request)}"
            else:
                cache_key = response_key(kind, version(request), request)
            entry = _kept(cache_key)
            if entry is not None and not (
                api_view_class is not None and _throttled(request, api_view_class)
            ):
                return _response(entry)
            response = view(request, *args, **kwargs)
            if getattr(response, "streaming", False) or response.status_code != 200:
                return response
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            # A cookie, or a CSRF token in the page (get_token() was called: the
            # middleware sets the cookie after this), makes it the visitor's own.
            if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
                return response
            headers = [
                (name, value) for name, value in response.items() if name.lower() not in _NOT_KEPT
            ]
            entry = (response.content, headers)
            cache.set(cache_key, entry, CACHE_SECONDS)
            local_store.set(cache_key, entry)
            return response

        return wrapped

    return decorator
