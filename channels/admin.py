from django.contrib import admin

from channels import admin_applications  # noqa: F401 -- registers the application admin
from channels.models import Platform


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


# --- The register and the political links: read-only ------------------------------
# They change only through channels/services (the staff pages), so that every
# change writes its audit row; the admin shows them with their history.

from channels.admin_applications import ReadOnlyInline  # noqa: E402
from channels.models import Channel, ChannelContact, ChannelEvent, PoliticalLink  # noqa: E402
from channels.models.political import PoliticalLinkEvent  # noqa: E402


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChannelContactInline(ReadOnlyInline):
    model = ChannelContact
    fields = ["role", "position", "name", "phone", "email"]


class ChannelEventInline(ReadOnlyInline):
    model = ChannelEvent
    fields = ["created_at", "kind", "actor", "comment", "changes", "public"]
    ordering = ["created_at", "pk"]


@admin.register(Channel)
class ChannelAdmin(_ReadOnlyAdmin):
    list_display = ["display_name", "platform", "unit", "status", "last_confirmed_at"]
    list_filter = ["status", "platform", "unit"]
    list_select_related = ["platform", "unit"]
    search_fields = ["display_name", "address", "normalized_address", "account_id"]
    inlines = [ChannelContactInline, ChannelEventInline]


class PoliticalLinkEventInline(ReadOnlyInline):
    model = PoliticalLinkEvent
    fields = ["created_at", "kind", "actor", "changes"]
    ordering = ["created_at", "pk"]


@admin.register(PoliticalLink)
class PoliticalLinkAdmin(_ReadOnlyAdmin):
    list_display = ["person", "party", "body", "is_active"]
    list_filter = ["is_active", "party"]
    search_fields = ["person", "party", "body", "url"]
    inlines = [PoliticalLinkEventInline]


@admin.register(PoliticalLinkEvent)
class PoliticalLinkEventAdmin(_ReadOnlyAdmin):
    """Also the history of deleted links, which have no link page to show it on."""

    list_display = ["created_at", "kind", "label", "actor"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    search_fields = ["label"]
