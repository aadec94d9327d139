"""Verify the HMAC signatures that Meta and Mastodon put on webhook POSTs.

* Meta, Graph API "Webhooks" getting-started guide ("Validate Payloads"):
  ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the exact request
  body keyed with the app secret.
* Mastodon, "Webhooks" admin documentation: ``X-Hub-Signature: sha256=<hex>``
  (the header name comes from WebSub), the HMAC-SHA256 of the exact request
  body keyed with the webhook's secret.

Both must be checked against the raw bytes as received: re-serialising parsed
JSON changes whitespace and escaping and would break (or fake) the signature.
Every doubtful case answers False: a missing or malformed header, another
algorithm, and above all an empty secret, which would otherwise make the
signature something anyone can compute.
"""

from __future__ import annotations

import hashlib
import hmac
import string

_PREFIX = "sha256="
_HEX_DIGITS = frozenset(string.hexdigits)
_SHA256_HEX_LENGTH = hashlib.sha256().digest_size * 2


def verify_meta_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Check Meta's ``X-Hub-Signature-256`` header against the raw body."""
    return _verify_sha256_header(body, header, secret)


def verify_mastodon_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Check Mastodon's ``X-Hub-Signature`` header against the raw body."""
    return _verify_sha256_header(body, header, secret)


def _verify_sha256_header(body: bytes, header: str | None, secret: str) -> bool:
    if not isinstance(secret, str) or not secret:
        return False
    if not isinstance(body, bytes | bytearray | memoryview):
        return False
    if not isinstance(header, str):
        return False
    value = header.strip()
    if value[: len(_PREFIX)].lower() != _PREFIX:
        return False
    received = value[len(_PREFIX) :]
    # Checking the shape first keeps compare_digest to equal-length ASCII
    # strings, which it requires, and rejects junk without computing anything.
    if len(received) != _SHA256_HEX_LENGTH or not _HEX_DIGITS.issuperset(received):
        return False
    key = secret.encode("utf-8", "surrogatepass")
    expected = hmac.new(key, bytes(body), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.lower())
