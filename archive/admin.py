"""The archive in the Django admin: retention rules are maintained here; records,
logs and runs are read-only (records are immutable, logs are permanent)."""

from django.contrib import admin

from archive.models import (
    AccessLog,
    AuditEntry,
    DisposalLogEntry,
    DisposalRun,
    Export,
    ItemDisposalLogEntry,
    LegalHold,
    PublicRecordRequest,
    Record,
    RecordAnnotation,
    RetentionRule,
    VerificationRun,
)
from archive.services.audit import audit


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed, added or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAnnotationInline(admin.TabularInline):
    model = RecordAnnotation
    extra = 0
    fields = ["kind", "registration_number", "confidential", "legal_basis", "comment", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ["pk", "sequence", "record_type", "channel", "sender_name", "acted_at"]
    list_filter = ["record_type"]
    list_select_related = ["channel", "channel__platform"]
    search_fields = ["=id", "sender_name", "registration_number"]
    inlines = [RecordAnnotationInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Record._meta.fields]


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """One rule per record type, and one ("item") for items that never became records."""

    list_display = [
        "record_type",
        "keep_permanently",
        "years",
        "event",
        "decision_number",
        "decision_date",
        "is_example",
    ]
    list_filter = ["is_example", "keep_permanently"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            event="retention_rule_changed" if change else "retention_rule_created",
            target=obj,
            changes={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["pk", "record_ref", "channel", "reason", "created_at", "released_at"]
    list_select_related = ["channel", "channel__platform"]


@admin.register(DisposalRun)
class DisposalRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "status",
        "as_of",
        "candidate_count",
        "disposed_count",
        "item_candidate_count",
        "items_disposed_count",
        "deliveries_deleted_count",
        "proposed_at",
    ]
    list_filter = ["status"]


@admin.register(DisposalLogEntry)
class DisposalLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "record_id", "record_type", "channel_name", "disposed_at"]
    list_filter = ["record_type"]
    show_full_result_count = False


@admin.register(ItemDisposalLogEntry)
class ItemDisposalLogEntryAdmin(ReadOnlyAdmin):
    """Disposed moderation items: ids, kinds, dates and a SHA-256, never their content."""

    list_display = ["item_id", "kind", "state", "channel_name", "decision_number", "disposed_at"]
    list_filter = ["kind", "state"]
    search_fields = ["=item_id", "=content_sha256"]
    show_full_result_count = False


@admin.register(PublicRecordRequest)
class PublicRecordRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "received_at", "received_via", "status"]
    list_filter = ["status"]


@admin.register(VerificationRun)
class VerificationRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "ok", "checked", "first_bad_record_id"]


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "status", "progress", "total", "created_at"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "detail"]
    list_filter = ["action"]
    list_select_related = ["user"]
    show_full_result_count = False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "event", "target_type", "target_id"]
    list_filter = ["event"]
    list_select_related = ["actor"]
    show_full_result_count = False
