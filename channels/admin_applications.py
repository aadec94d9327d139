"""Read-only admin of channel applications with their history.

Applications change only through the workflow services, so that every change
has its audit row; the admin shows them and never edits them.
"""

from django.contrib import admin

from channels.models import ApplicationContact, ApplicationEvent, ChannelApplication


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ApplicationContactInline(ReadOnlyInline):
    model = ApplicationContact
    fields = ["role", "position", "name", "phone", "email"]


class ApplicationEventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "comment", "changes"]
    ordering = ["created_at", "pk"]


@admin.register(ChannelApplication)
class ChannelApplicationAdmin(admin.ModelAdmin):
    list_display = ["address", "platform", "unit", "applicant", "status", "created_at"]
    list_filter = ["status", "platform", "unit"]
    list_select_related = ["platform", "unit", "applicant"]
    search_fields = ["address", "normalized_address", "purpose"]
    date_hierarchy = "created_at"
    inlines = [ApplicationContactInline, ApplicationEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
