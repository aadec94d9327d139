"""The ingestion API: POST /api/v1/items, for sources other than the platform webhooks.

Each source (a contact form, another moderation tool, a script) gets its own
token from an administrator, allowed to deliver to named channels only:
`Authorization: Bearer <token>`. The request is one item as JSON; the answer
says whether it was created (201), captured as a new version because its
text or attachments changed (200, "updated"), or already known (200,
"unchanged"). Repeating a request is therefore always safe.

Errors have the API's one shape, `{"error", "field", "code"}`
(channels/api/errors.py): 400 names the JSON field at fault, 401 an unknown
or revoked token, 403 a token not allowed for the channel, 413 a body above
INGEST_MAX_BYTES, 429 too many requests, 503 a database that cannot be
reached. Field descriptions are plain English: they document the API for
developers.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
)
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from channels.api.serializers import NOT_BLANK
from channels.models import Channel
from core.exceptions import NotPermitted
from core.storable import without_unstorable
from moderation import services
from moderation.ingest.events import looks_like_question
from moderation.models import IngestToken, ItemKind
from moderation.models.items import (
    ID_MAX_LENGTH,
    MAX_ATTACHMENTS,
    MAX_URL_LENGTH,
    NAME_MAX_LENGTH,
)

# --- Authentication, permission, throttling --------------------------------------------------


class IngestTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`, looked up by its SHA-256."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            plain = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Unknown token.") from error
        token = services.ingest_token_find(plain)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown token.")
        if not token.is_active:
            raise exceptions.AuthenticationFailed("The token has been revoked.")
        services.ingest_token_touch(token=token)
        # A token is not a person: request.user stays anonymous, request.auth is the token.
        return AnonymousUser(), token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when the token is missing or wrong.
        return 'Bearer realm="api"'


class HasIngestToken(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, IngestToken)


class IngestTokenThrottle(SimpleRateThrottle):
    """A request budget per token (INGEST_THROTTLE_RATE), read when the request comes."""

    scope = "ingest"

    def get_rate(self):
        return settings.INGEST_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, IngestToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class IngestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "moderation.api.IngestTokenAuthentication"
    name = "ingestToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token created by an administrator for one source.",
        }


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Temporarily unavailable; try again later."
    default_code = "unavailable"


# --- Serializers ----------------------------------------------------------------------------


class SenderSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=ID_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The sender's id on the platform.",
    )
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The sender's display name.",
    )


class ItemIngestSerializer(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.not_closed(),
        help_text="The channel's id in the register (as in /api/v1/channels).",
    )
    external_id = serializers.CharField(
        max_length=ID_MAX_LENGTH,
        help_text=(
            "The item's id in the source; with the channel it identifies the item, "
            "so sending it again is safe."
        ),
    )
    kind = serializers.ChoiceField(
        choices=ItemKind.values,
        help_text="comment, reply, direct_message or visitor_post.",
    )
    sender = SenderSerializer(required=False, help_text="Who wrote it.")
    text = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="The text as written. May be empty when there are attachments.",
    )
    attachments = serializers.ListField(
        child=serializers.URLField(max_length=MAX_URL_LENGTH),
        required=False,
        default=list,
        max_length=MAX_ATTACHMENTS,
        help_text="Links to attached images, videos or files.",
    )
    created_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "When it was written, ISO 8601 with an offset, e.g. 2024-06-03T12:00:00+02:00. "
            "Without an offset it is read as Swedish local time."
        ),
    )
    parent_external_id = serializers.CharField(
        max_length=ID_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The id of the comment or message it answers, if any.",
    )
    post_external_id = serializers.CharField(
        max_length=ID_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The id of the post it belongs to, if any.",
    )
    expects_answer = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Whether it probably expects an answer. Left out: true for direct messages "
            "and for text that looks like a question."
        ),
    )

    def to_internal_value(self, data):
        # A misspelt optional field would otherwise be dropped without a word.
        if isinstance(data, dict):
            for name in data:
                if name not in self.fields:
                    raise serializers.ValidationError({name: ["Unknown field."]})
        return super().to_internal_value(data)

    def validate(self, attrs):
        if not attrs["text"].strip() and not attrs["attachments"]:
            raise serializers.ValidationError({"text": ["Give a text or attachments."]})
        return attrs

    def content(self) -> services.ItemContent:
        data = self.validated_data
        sender = data.get("sender") or {}
        expects_answer = data["expects_answer"]
        if expects_answer is None:
            expects_answer = data["kind"] == ItemKind.DIRECT_MESSAGE or looks_like_question(
                data["text"]
            )
        return services.ItemContent(
            kind=data["kind"],
            external_id=data["external_id"],
            parent_external_id=data["parent_external_id"],
            post_external_id=data["post_external_id"],
            sender_id=sender.get("id", ""),
            sender_name=sender.get("name", ""),
            text=data["text"],
            attachments=tuple(data["attachments"]),
            created_at=data["created_at"],
            expects_answer=expects_answer,
        )


class ItemIngestResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The item's id in Smedje Social.")
    channel = serializers.IntegerField(help_text="The channel's id.")
    external_id = serializers.CharField(help_text="The item's id in the source, as sent.")
    version = serializers.IntegerField(
        help_text="The number of the version that holds the text now (1 for a new item)."
    )
    status = serializers.ChoiceField(
        choices=["created", "updated", "unchanged"],
        help_text=(
            "created: a new item; updated: the text or attachments changed and were kept "
            "as a new version; unchanged: the item was known with this content."
        ),
    )


class ItemIngestSerializerScheme(OpenApiSerializerExtension):
    """The request's schema says what the serializer enforces: no other fields, no blank
    id, a text or an attachment."""

    target_class = "moderation.api.ItemIngestSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        # What the fields' blank check and `validate` refuse: an id of blanks only, and
        # an item with neither text (besides blanks) nor an attachment.
        schema["properties"]["external_id"].update(minLength=1, pattern=NOT_BLANK)
        schema["anyOf"] = [
            {"properties": {"text": {"pattern": NOT_BLANK}}},
            {"properties": {"attachments": {"minItems": 1}}, "required": ["attachments"]},
        ]
        return schema


class IngestErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What is wrong, in words.")
    field = serializers.CharField(
        allow_null=True, help_text="The JSON field at fault (e.g. kind), or null."
    )
    code = serializers.CharField(help_text="A machine-readable code, e.g. invalid, required.")


def _error(description):
    return OpenApiResponse(IngestErrorSerializer, description=description)


EXAMPLE_REQUEST = {
    "channel": 12,
    "external_id": "form-2024-000123",
    "kind": "direct_message",
    "sender": {"id": "anna@example.se", "name": "Anna Lindqvist"},
    "text": "Hej! När öppnar badhuset igen?",
    "attachments": ["https://example.se/uploads/bild.jpg"],
    "created_at": "2024-06-03T12:00:00+02:00",
    "parent_external_id": "",
    "post_external_id": "",
    "expects_answer": True,
}


# --- The view -------------------------------------------------------------------------------


class ItemIngestView(APIView):
    authentication_classes = [IngestTokenAuthentication]
    permission_classes = [HasIngestToken]
    throttle_classes = [IngestTokenThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    def initial(self, request, *args, **kwargs):
        # Before anything reads the body: the stream stops at Content-Length,
        # so checking the declared length bounds what is read.
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.INGEST_MAX_BYTES:
            raise PayloadTooLarge(
                f"The request body is larger than {settings.INGEST_MAX_BYTES} bytes."
            )
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        # InterfaceError is not a DatabaseError: a connection closed under us raises it.
        if isinstance(exc, DatabaseError | InterfaceError):
            exc = ServiceUnavailable()
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="items_create",
        summary="Deliver an item",
        description=(
            "Deliver one comment, reply, direct message or visitor post from another "
            "source to a channel's moderation queue. Idempotent on (channel, "
            "external_id): the same item again answers 200 `unchanged`; changed text or "
            "attachments are kept as a new version and answer 200 `updated`; other "
            "fields of a known item are not changed. Needs a token allowed for the "
            "channel."
        ),
        request=ItemIngestSerializer,
        responses={
            201: OpenApiResponse(ItemIngestResultSerializer, description="A new item."),
            200: OpenApiResponse(
                ItemIngestResultSerializer, description="The item was known: updated or unchanged."
            ),
            400: _error("A field is wrong or missing; `field` names it."),
            401: _error("No token, an unknown token or a revoked token."),
            403: _error("The token may not deliver to this channel."),
            413: _error("The request body is too large."),
            429: _error("Too many requests; try again later."),
        },
        examples=[
            OpenApiExample("A direct message", value=EXAMPLE_REQUEST, request_only=True),
            OpenApiExample(
                "Created",
                value={
                    "id": 345,
                    "channel": 12,
                    "external_id": "form-2024-000123",
                    "version": 1,
                    "status": "created",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        serializer = ItemIngestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = serializer.validated_data["channel"]
        try:
            result = services.item_receive_from_api(
                token=request.auth,
                channel=channel,
                content=serializer.content(),
                # The fields are checked; what else the request holds (a sender's extra
                # keys) is kept as sent, but for what no database stores: NUL and lone
                # surrogates, which JSON can escape.
                raw=without_unstorable(request.data),
            )
        except NotPermitted as error:
            raise exceptions.PermissionDenied(error.message) from error
        except DjangoValidationError as error:
            raise exceptions.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        data = {
            "id": result.item.pk,
            "channel": channel.pk,
            "external_id": result.item.external_id,
            "version": result.version.number,
            "status": result.outcome,
        }
        return Response(
            ItemIngestResultSerializer(data).data,
            status=status.HTTP_201_CREATED if result.item_created else status.HTTP_200_OK,
        )


item_ingest = ItemIngestView.as_view()
