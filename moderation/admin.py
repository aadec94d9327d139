"""Admin of the ingestion side.

Deliveries, items and their versions are records: shown, never edited or
deleted here. Unhandled events are resolved on the communicator's page.
Ingestion tokens are created here: the token is generated on the server,
shown once in a message after saving, and only its hash is kept.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels.models import Channel
from core.exceptions import ServiceError
from core.forms import ModelMultipleChoiceField
from moderation import services
from moderation.models import (
    Absence,
    AuditEvent,
    ContentRule,
    Delivery,
    IngestToken,
    Item,
    ItemEvent,
    ItemVersion,
    Registration,
    ReplyTemplate,
    RuleKeyword,
    UnhandledEvent,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


# --- Deliveries -----------------------------------------------------------------------------


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnlyAdmin):
    list_display = ["received_at", "source", "status", "attempts", "sha256"]
    list_filter = ["source", "status"]
    search_fields = ["sha256"]
    date_hierarchy = "received_at"
    fields = [
        "source",
        "received_at",
        "status",
        "parsed_at",
        "attempts",
        "error",
        "signature",
        "sha256",
        "body_decoded",
    ]
    readonly_fields = fields
    actions = ["parse_again"]

    class Media:
        css = {"all": ["moderation/admin.css"]}

    def get_queryset(self, request):
        # The list shows no body; the change page loads it.
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("body")
        return queryset

    @admin.display(description=_("body"))
    def body_decoded(self, obj):
        return format_html('<pre class="delivery-body">{}</pre>', obj.body_text())

    @admin.action(description=_("Parse the selected deliveries again"))
    def parse_again(self, request, queryset):
        for delivery in queryset:
            services.delivery_requeue(delivery=delivery, actor=request.user)
        self.message_user(
            request, gettext("The deliveries are queued for parsing."), messages.SUCCESS
        )


# --- Items ----------------------------------------------------------------------------------


class ItemVersionInline(_ReadOnlyInline):
    model = ItemVersion
    fields = [
        "number",
        "text",
        "attachments",
        "platform_edited_at",
        "captured_at",
        "event_key",
        "delivery",
        "ingest_token",
        "captured_by",
        "raw",
    ]
    ordering = ["number"]


class ItemEventInline(_ReadOnlyInline):
    model = ItemEvent
    fields = ["created_at", "kind", "actor", "note", "event_key", "delivery", "changes"]
    ordering = ["created_at", "pk"]


@admin.register(Item)
class ItemAdmin(_ReadOnlyAdmin):
    list_display = ["received_at", "channel", "kind", "sender_name", "source", "state"]
    list_filter = ["kind", "source", "state", "removed_on_platform_action"]
    list_select_related = ["channel__platform"]
    search_fields = ["external_id", "sender_name", "sender_id", "text"]
    date_hierarchy = "received_at"
    inlines = [ItemVersionInline, ItemEventInline]


@admin.register(UnhandledEvent)
class UnhandledEventAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "source", "platform", "account_id", "reason", "resolved_at"]
    list_filter = ["source", "platform", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["resolved_by"]
    search_fields = ["account_id", "reason", "event_key"]
    date_hierarchy = "created_at"


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "kind", "actor", "token", "unhandled_event", "delivery"]
    list_filter = ["kind"]
    list_select_related = ["actor", "token"]


# --- Ingestion tokens -----------------------------------------------------------------------


class IngestTokenForm(forms.ModelForm):
    channels = ModelMultipleChoiceField(
        label=_("channels"),
        queryset=Channel.objects.not_closed().select_related("platform"),
        widget=admin.widgets.FilteredSelectMultiple(_("channels"), is_stacked=False),
        help_text=_("The channels this token may deliver items to."),
    )

    class Meta:
        model = IngestToken
        fields = ["name", "channels"]


@admin.register(IngestToken)
class IngestTokenAdmin(admin.ModelAdmin):
    form = IngestTokenForm
    list_display = ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["created_by"]
    search_fields = ["name", "prefix"]
    readonly_fields = [
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["name", "channels"] if obj is None else ["name", "channels", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        # A token is kept after revocation: the versions it delivered point to it.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.ingest_token_update(
                token=obj, name=data["name"], channels=data["channels"], actor=request.user
            )
            return
        token, plain = services.ingest_token_create(
            name=data["name"], channels=data["channels"], actor=request.user
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the token.
        for field in ("pk", "token_hash", "prefix", "created_by_id", "created_at"):
            setattr(obj, field, getattr(token, field))
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code>",
                gettext("Copy the token now; it is not shown again:"),
                plain,
            ),
        )

    def save_related(self, request, form, formsets, change):
        # The service has set the channels (and recorded the change).
        pass

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset:
            try:
                services.ingest_token_revoke(token=token, actor=request.user)
            except ServiceError as error:
                self.message_user(request, f"{token}: {error.message}", messages.WARNING)
            else:
                revoked += 1
        if revoked:
            self.message_user(request, gettext("Tokens revoked: %d") % revoked, messages.SUCCESS)


# --- The queue: content rules, keywords, reply templates --------------------------------------


class RuleKeywordInline(_ReadOnlyInline):
    model = RuleKeyword
    fields = ["phrase", "active"]
    ordering = ["phrase"]
    show_change_link = True


@admin.register(ContentRule)
class ContentRuleAdmin(admin.ModelAdmin):
    """Administrators edit the rules; a rule is deactivated, never deleted (removals cite it)."""

    list_display = ["number", "title", "active", "position"]
    list_editable = []
    list_filter = ["active"]
    search_fields = ["title", "description"]
    fields = ["number", "title", "description", "active", "position"]
    inlines = [RuleKeywordInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.content_rule_save(rule=obj, actor=request.user)


@admin.register(RuleKeyword)
class RuleKeywordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "rule", "active", "created_at"]
    list_filter = ["active", "rule"]
    list_select_related = ["rule"]
    search_fields = ["phrase"]
    fields = ["rule", "phrase", "active"]

    def save_model(self, request, obj, form, change):
        services.rule_keyword_save(keyword=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.rule_keyword_delete(keyword=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for keyword in queryset:
            services.rule_keyword_delete(keyword=keyword, actor=request.user)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "purpose", "active", "position", "updated_at", "updated_by"]
    list_filter = ["purpose", "active"]
    list_select_related = ["updated_by"]
    search_fields = ["title", "text"]
    fields = ["title", "purpose", "text", "active", "position"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in self.fields}
        if change:
            saved = services.reply_template_update(
                template=ReplyTemplate.objects.get(pk=obj.pk), actor=request.user, data=data
            )
        else:
            saved = services.reply_template_create(actor=request.user, data=data)
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(Absence)
class AbsenceAdmin(_ReadOnlyAdmin):
    list_display = ["user", "starts_at", "ends_at", "substitute", "cancelled_at", "created_by"]
    list_select_related = ["user", "substitute", "created_by"]
    date_hierarchy = "starts_at"


@admin.register(Registration)
class RegistrationAdmin(_ReadOnlyAdmin):
    list_display = ["item", "reason", "status", "attempts", "requested_at", "sent_at", "record_id"]
    list_filter = ["reason", "status"]
    list_select_related = ["item__channel"]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected copies to the registry mailbox again"))
    def send_again(self, request, queryset):
        from core.queueing import delay_or_log
        from moderation.tasks import registration_send_task

        # Broker down: logged; the registrations sweep sends them once it is back.
        for registration in queryset.exclude(status="sent"):
            delay_or_log(registration_send_task, registration.pk)
        self.message_user(request, gettext("The copies are queued."), messages.SUCCESS)
