"""The platforms' webhook endpoints: /webhooks/meta and /webhooks/mastodon.

A POST is checked in this order, and nothing is stored unless it passes all:

1. size: a Content-Length above WEBHOOK_MAX_BYTES, or a body that turns out
   longer, answers 413. The body is read from the stream with a limit, so
   Django's DATA_UPLOAD_MAX_MEMORY_SIZE never turns a large body into a 400;
2. signature: the HMAC-SHA256 of the raw bytes with the configured secret,
   compared in constant time; missing or wrong answers 403;
3. JSON: a body that is not JSON answers 400.

Then the exact bytes are stored and the answer is 200 at once; a Celery task
parses them (moderation.services.deliveries). A database that cannot be
reached answers 503, so that the platform delivers again later.

Answers are small JSON objects meant for the platform's logs, in English.
"""

import hmac
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from moderation import services
from moderation.ingest.signatures import verify_mastodon_signature, verify_meta_signature
from moderation.models import DeliverySource
from moderation.services.deliveries import decode_json

logger = logging.getLogger(__name__)

META_SIGNATURE_HEADER = "X-Hub-Signature-256"
MASTODON_SIGNATURE_HEADER = "X-Hub-Signature"
# How long a platform should wait before delivering again after a 503.
RETRY_AFTER_SECONDS = 60


def _error(status: int, message: str, code: str) -> JsonResponse:
    return JsonResponse({"error": message, "code": code}, status=status)


class _TooLarge(Exception):
    pass


def _read_body(request, limit: int) -> bytes:
    """The raw body, refusing more than `limit` bytes before reading them all."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _TooLarge
    try:
        # Read from the stream rather than request.body: the stream stops at
        # the declared length, and limit + 1 tells a body that is too long.
        body = request.read(limit + 1)
    except RequestDataTooBig as error:  # request.body was read before us
        raise _TooLarge from error
    if len(body) > limit:
        raise _TooLarge
    return body


def _receive(request, *, source: str, header: str, verify, secret: str):
    limit = settings.WEBHOOK_MAX_BYTES
    try:
        body = _read_body(request, limit)
    except _TooLarge:
        return _error(413, f"The body is larger than {limit} bytes.", "too_large")
    signature = request.headers.get(header)
    if not verify(body, signature, secret):
        return _error(403, f"Missing or invalid {header} signature.", "invalid_signature")
    try:
        decode_json(body)
    except ValueError:
        return _error(400, "The body is not JSON.", "invalid_json")
    try:
        delivery, created = services.delivery_store(source=source, body=body, signature=signature)
    except (DatabaseError, InterfaceError):
        # InterfaceError is not a DatabaseError: a connection closed under us raises it.
        logger.exception("Could not store a %s webhook delivery", source)
        response = _error(503, "Temporarily unavailable; deliver again later.", "unavailable")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if not created:
        logger.info("Redelivery of %s webhook delivery %s", source, delivery.pk)
    return JsonResponse({"status": "received"})


def _meta_handshake(request):
    """Meta's subscription check: echo hub.challenge if the verify token matches."""
    configured = settings.META_VERIFY_TOKEN
    mode = request.GET.get("hub.mode")
    given = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        not configured
        or mode != "subscribe"
        or not hmac.compare_digest(given.encode(), configured.encode())
    ):
        return HttpResponse("Forbidden", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    if request.method == "GET":
        return _meta_handshake(request)
    return _receive(
        request,
        source=DeliverySource.META,
        header=META_SIGNATURE_HEADER,
        verify=verify_meta_signature,
        secret=settings.META_APP_SECRET,
    )


@csrf_exempt
@require_POST
def mastodon_webhook(request):
    return _receive(
        request,
        source=DeliverySource.MASTODON,
        header=MASTODON_SIGNATURE_HEADER,
        verify=verify_mastodon_signature,
        secret=settings.MASTODON_WEBHOOK_SECRET,
    )
