"""What the open-data API shows of a channel, and the query parameters it takes.

Only public fields: the people named in the application (the private
contacts) are never part of a channel here; `public_contact` is the
channel's functional e-mail address and phone number. Field descriptions are
plain English: they document the API for developers and do not follow the
visitor's language.
"""

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels.models import Channel, ChannelStatus, Platform
from channels.public_queries import MAX_ADDRESS_LENGTH, VerifyStatus
from core.models import Unit

MAX_QUERY_LENGTH = 200
# A character that is not a blank, for the schema's `pattern` of a text that may not be
# blank. DRF trims what Python's str.strip() takes away; the schema's reader knows
# ECMAScript's \s, which lacks the separators \x1c-\x1f and NEL (\x85), so they are named.
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


# --- Query parameters ---------------------------------------------------------


class ChannelFilterSerializer(serializers.Serializer):
    unit = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Unit.objects.all(),
        required=False,
        help_text="Only channels of this unit (its slug).",
    )
    platform = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Platform.objects.all(),
        required=False,
        help_text="Only channels on this platform (its slug, e.g. facebook).",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_LENGTH,
        help_text="Search in name, address, unit and purpose.",
    )


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter for which `?limit=` is malformed, not absent.

    DRF reads an empty value in a query string as "not given", as it would from an
    HTML form; the schema says the parameter is an integer, and the empty text is not.
    """

    def get_value(self, dictionary):
        if dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class ChannelPageQuerySerializer(ChannelFilterSerializer):
    limit = QueryIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text="How many channels per page (default 100, at most 1000).",
    )
    offset = QueryIntegerField(
        required=False,
        min_value=0,
        help_text="How many channels to skip (default 0).",
    )


class VerifyQuerySerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=MAX_ADDRESS_LENGTH,
        # Blanks only are trimmed to nothing and refused; the pattern says so in the schema.
        validators=[RegexValidator(NOT_BLANK)],
        help_text="The address or handle of the account, e.g. https://www.facebook.com/name.",
    )
    platform = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Platform.objects.all(),
        required=False,
        help_text="The platform, when `url` is a bare handle such as @name.",
    )


# --- Responses --------------------------------------------------------------------


class PlatformRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class PublicContactSerializer(serializers.Serializer):
    email = serializers.CharField(source="public_email", help_text="May be empty.")
    phone = serializers.CharField(source="public_phone", help_text="May be empty.")


class ChannelSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    platform = PlatformRefSerializer()
    unit = UnitRefSerializer()
    public_contact = PublicContactSerializer(source="*")
    url = serializers.SerializerMethodField(help_text="The channel's page in the public register.")

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "platform",
            "address",
            "normalized_address",
            "unit",
            "purpose",
            "target_group",
            "public_contact",
            "published_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, channel):
        return self.context["request"].build_absolute_uri(channel.get_absolute_url())


class ChannelPageSerializer(serializers.Serializer):
    """The shape of a page of channels (for the schema; built by the paginator)."""

    count = serializers.IntegerField(help_text="How many channels match, on all pages.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    results = ChannelSerializer(many=True)


class VerifiedChannelSerializer(ChannelSerializer):
    closed_since = serializers.SerializerMethodField(
        help_text="The day the channel stopped being official; null while it is official."
    )

    class Meta(ChannelSerializer.Meta):
        fields = [*ChannelSerializer.Meta.fields, "closed_since"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, channel):
        # A closed channel has no page in the register any more.
        if channel.status != ChannelStatus.PUBLISHED:
            return None
        return super().get_url(channel)

    @extend_schema_field(OpenApiTypes.DATE)
    def get_closed_since(self, channel):
        since = self.context["verification"].closed_since
        return since.isoformat() if since else None


class VerificationSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The address or handle as given.")
    normalized = serializers.CharField(
        help_text=(
            "The canonical form the address was matched by; empty when a bare handle "
            "was looked up on every platform and none matched."
        )
    )
    verified = serializers.BooleanField(help_text="True only for a current official channel.")
    status = serializers.ChoiceField(
        choices=[VerifyStatus.OFFICIAL, VerifyStatus.CLOSED, VerifyStatus.UNKNOWN],
        help_text=(
            "official: a published channel; closed: it was one, see channel.closed_since; "
            "unknown: not an official channel of the municipality."
        ),
    )
    channel = VerifiedChannelSerializer(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What is wrong, in words.")
    field = serializers.CharField(
        allow_null=True, help_text="The query parameter at fault, or null."
    )
    code = serializers.CharField(help_text="A machine-readable code, e.g. invalid, required.")
