"""The open-data API: read-only, anonymous, throttled per client address.

Every endpoint answers conditional GETs: the ETag is derived from the
register's last public change (see `public_queries.register_version`), the
host, the full path with its query and the language, so any change to the
register gives a new ETag. Responses are `Cache-Control: public, no-cache`:
they are the same for everybody, so shared caches may keep them, but must
revalidate, because a closed channel has to stop being "official" within a
second (`public_queries.recent_register_version`). A revalidation costs at
most one query and answers 304 without a body; a repeated request is answered
from the cache (core.public_cache).

Errors have one shape, `{"error", "field", "code"}` (channels/api/errors.py).
"""

import csv
from functools import wraps

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from channels import public_queries
from channels.api.serializers import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ChannelFilterSerializer,
    ChannelPageQuerySerializer,
    ChannelPageSerializer,
    ChannelSerializer,
    ErrorSerializer,
    VerificationSerializer,
    VerifyQuerySerializer,
)
from core.public_cache import cached_response

# Rows fetched from the database at a time while the CSV streams out.
CSV_CHUNK_SIZE = 1000
CSV_COLUMNS = [
    "id",
    "name",
    "platform",
    "platform_name",
    "address",
    "normalized_address",
    "unit",
    "unit_name",
    "purpose",
    "target_group",
    "public_email",
    "public_phone",
    "published_at",
    "url",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A query parameter is wrong."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; try again later."),
}


def api_etag(request, *args, **kwargs) -> str:
    # Computed once per request: the conditional GET and the kept answers' key use it.
    etag = getattr(request, "_api_etag", None)
    if etag is None:
        etag = public_queries.etag_for(
            "api",
            public_queries.request_register_version(request),
            request.get_host(),
            request.is_secure(),
            request.get_full_path(),
            get_language(),
        )
        request._api_etag = etag
    return etag


def conditional(view_class, *, cached: bool = True):
    """The class's view with ETag revalidation; keeps `cls` for the schema generator.

    `cached`: its answers are the same for everybody and change only with the
    register, so they are kept whole in the cache per register version
    (core.public_cache); the throttle and the query validation still run for
    every request that is not answered from it, and the throttle for those
    that are.
    """
    view = view_class.as_view()
    inner = view
    if cached:
        inner = cached_response(
            "api", key=api_etag, anonymous_only=False, api_view_class=view_class
        )(view)
    wrapped = cache_control(public=True, no_cache=True)(condition(etag_func=api_etag)(inner))
    return wraps(view)(wrapped)


class PublicAPIView(APIView):
    def perform_content_negotiation(self, request, force=False):
        # There is one representation; a client that asks for another gets it
        # rather than a 406 (the CSV view streams its own response).
        return super().perform_content_negotiation(request, force=True)

    def validated_query(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ChannelPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT


def _filtered_channels(params: dict):
    return public_queries.published_channels(
        q=params.get("q", ""), unit=params.get("unit"), platform=params.get("platform")
    )


class ChannelListView(PublicAPIView):
    @extend_schema(
        operation_id="channels_list",
        summary="Published channels",
        description=(
            "Every published channel of the register, by name, paged with `limit` and "
            "`offset`. Unknown or malformed parameters answer 400."
        ),
        parameters=[ChannelPageQuerySerializer],
        responses={200: ChannelPageSerializer, **ERRORS},
    )
    def get(self, request):
        params = self.validated_query(ChannelPageQuerySerializer)

        paginator = ChannelPagination()
        page = paginator.paginate_queryset(_filtered_channels(params), request, view=self)
        data = ChannelSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class _Echo:
    """A file-like object whose write returns the line, for streaming with csv."""

    def write(self, value):
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _csv_lines(channels, request):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for channel in channels.iterator(chunk_size=CSV_CHUNK_SIZE):
        row = [
            channel.pk,
            channel.display_name,
            channel.platform.slug,
            channel.platform.name,
            channel.address,
            channel.normalized_address,
            channel.unit.slug,
            channel.unit.name,
            channel.purpose,
            channel.target_group,
            channel.public_email,
            channel.public_phone,
            timezone.localtime(channel.published_at).isoformat(),
            request.build_absolute_uri(reverse("channels:public_detail", args=[channel.pk])),
        ]
        yield writer.writerow([_cell(value) for value in row])


class ChannelCSVView(PublicAPIView):
    @extend_schema(
        operation_id="channels_csv",
        summary="Published channels as CSV",
        description=(
            "The same channels as `/api/v1/channels`, unpaged, as UTF-8 CSV with a header "
            "row (columns: " + ", ".join(CSV_COLUMNS) + "). Cells that a spreadsheet "
            "would run as a formula (starting with =, +, -, @) get a leading apostrophe."
        ),
        parameters=[ChannelFilterSerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
    )
    def get(self, request):
        params = self.validated_query(ChannelFilterSerializer)
        response = StreamingHttpResponse(
            _csv_lines(_filtered_channels(params), request),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="kanaler.csv"'
        return response


class VerifyView(PublicAPIView):
    @extend_schema(
        operation_id="verify",
        summary="Is this account official?",
        description=(
            "Normalises the address or handle in `url` and looks it up in the register. "
            "`status` is `official` (a published channel: `channel` is it), `closed` (it "
            "was an official channel: `channel.closed_since` is the day it stopped) or "
            "`unknown` (not an official channel: `channel` is null). A bare handle "
            "without `platform` is looked up on every platform with handles. An empty, "
            "too long or unreadable `url` answers 400."
        ),
        parameters=[VerifyQuerySerializer],
        responses={200: VerificationSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Not official",
                value={
                    "url": "facebook.com/someone",
                    "normalized": "facebook.com/someone",
                    "verified": False,
                    "status": "unknown",
                    "channel": None,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        params = self.validated_query(VerifyQuerySerializer)

        verification = public_queries.verify_address(params["url"], platform=params.get("platform"))
        if verification is None:
            raise ValidationError({"url": [_("This is not the address or handle of an account.")]})
        context = {"request": request, "verification": verification}
        data = {
            "url": verification.url,
            "normalized": verification.normalized,
            "verified": verification.verified,
            "status": verification.status,
            "channel": verification.channel,
        }
        return Response(VerificationSerializer(data, context=context).data)


class OpenAPIView(SpectacularJSONAPIView):
    """The OpenAPI 3 description, generated from the code.

    In English unless `?lang=` asks otherwise: model field names would
    otherwise follow the visitor's language and mix with the English texts.
    """

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        with translation.override("en"):
            return super().get(request, *args, **kwargs)


channel_list = conditional(ChannelListView)
channel_csv = conditional(ChannelCSVView, cached=False)
verify = conditional(VerifyView)
