"""Per-address rate limits for HTML pages: the verification page and the login forms.

The open-data API has DRF's throttles (`channels/api/throttling.py`); the
pages that a script could hammer without the API need the same protection:
`/kanaler/verifiera/` (every request looks an address up in the register) and
the POSTs of the login and password-reset forms (django-axes locks out one
username from one address; this limits how many usernames and e-mail
addresses one address may try).

A fixed window counted in the default cache: the key names the scope, the
client's address and the number of the window, so one atomic `incr` per
request is all it costs, and with the Redis cache every web process shares the
count. The answer over the limit is 429 with `Retry-After` (the seconds left
of the window) and a page that says so in Swedish.

The client's address is the one DRF's throttles use: REMOTE_ADDR, or with
`API_NUM_PROXIES` set the entry that many proxies from the right of
X-Forwarded-For, so the API, the pages and django-axes agree on who a client is.

When the cache cannot be reached the request is let through (and logged):
a rate limit must not take the verification page or logins down with it.
Webhooks are not limited here; they are signed and size-limited instead.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render

logger = logging.getLogger(__name__)

# The units of DRF's rate strings ("120/minute"): only the first letter counts.
PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
KEY_PREFIX = "ratelimit"


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int


def parse_rate(value: str | None) -> Rate | None:
    """'60/minute' as a Rate; empty or None means no limit.

    The format is DRF's (`API_THROTTLE_ANON`), so every rate setting reads alike.
    """
    if not value:
        return None
    try:
        count, period = str(value).split("/", 1)
        rate = Rate(requests=int(count), seconds=PERIODS[period.strip()[:1].lower()])
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(
            f"A rate limit must look like 60/minute (second, minute, hour, day): {value!r}"
        ) from error
    if rate.requests < 1:
        raise ImproperlyConfigured(f"A rate limit must allow at least one request: {value!r}")
    return rate


def client_address(request) -> str:
    """The client's address, trusting X-Forwarded-For only as far as `API_NUM_PROXIES` says.

    The same rule as DRF's `BaseThrottle.get_ident`, so that one client is one
    client for the API, the pages and django-axes (`AXES_CLIENT_IP_CALLABLE`).
    """
    remote_addr = request.META.get("REMOTE_ADDR") or ""
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies is None or num_proxies == 0 or not forwarded:
        return remote_addr
    addresses = forwarded.split(",")
    return addresses[-min(num_proxies, len(addresses))].strip()


def retry_after(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Count one request; the seconds to wait when it is over the limit, else None."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    # Hashed: a forwarded address is whatever the client wrote, of any length.
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"{KEY_PREFIX}:{scope}:{window}:{digest}"
    # The key outlives its window by a little, so a late incr never revives it.
    timeout = rate.seconds + 5
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:
        # Evicted between add and incr: this request starts the count again.
        cache.set(key, 1, timeout=timeout)
        count = 1
    if count <= rate.requests:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def too_many_requests(request, seconds: int):
    """The Swedish 429 page with Retry-After, never cached."""
    minutes = math.ceil(seconds / 60)
    response = render(
        request,
        "429.html",
        {"seconds": seconds, "minutes": minutes, "in_minutes": seconds > 60},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def rate_limited(scope: str, *, setting: str, methods: tuple[str, ...] | None = None):
    """Limit a view per client address to the rate in `settings.<setting>`.

    `methods` limits only those methods (the login form's POST, not the page
    that shows it); None limits every request. The setting is read on every
    request, so that it can be changed in tests and by override_settings.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if methods is None or request.method in methods:
                rate = parse_rate(getattr(settings, setting, None))
                if rate is not None:
                    try:
                        seconds = retry_after(scope, client_address(request), rate)
                    except Exception:
                        # A broken cache must not take the page down: let the request in.
                        logger.warning("Rate limit %s not counted", scope, exc_info=True)
                        seconds = None
                    if seconds is not None:
                        return too_many_requests(request, seconds)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
