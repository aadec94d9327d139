"""Every write of the moderation app, one module per topic; re-exported here.

Views, forms, the admin, the API, tasks and the demo call these functions
only, so that they all behave identically.
"""

from moderation.services.absences import absence_create, absence_end, substitute_candidates
from moderation.services.actions import (
    TRANSITIONS,
    ArchiveUnavailable,
    BulkResult,
    ClaimConflict,
    item_answer,
    item_ask_advice,
    item_claim,
    item_comment,
    item_delete,
    item_event_notify,
    item_events_renotify,
    item_forward,
    item_leave,
    item_refer,
    item_release,
    item_report_bullying,
    item_republish,
    item_unpublish,
    items_remove_bulk,
)
from moderation.services.deliveries import (
    deliveries_requeue_pending,
    delivery_parse,
    delivery_requeue,
    delivery_store,
)
from moderation.services.items import (
    CaptureResult,
    ItemContent,
    item_capture,
    item_mark_removed_on_platform,
    item_receive_from_api,
    item_register_manually,
)
from moderation.services.registrations import (
    item_register,
    item_register_direct_message,
    registration_send,
    registrations_resend,
)
from moderation.services.replies import reply_template_create, reply_template_update
from moderation.services.rules import (
    content_rule_save,
    item_flag,
    rule_keyword_delete,
    rule_keyword_save,
)
from moderation.services.tokens import (
    ingest_token_create,
    ingest_token_find,
    ingest_token_revoke,
    ingest_token_touch,
    ingest_token_update,
)
from moderation.services.unhandled import unhandled_event_resolve

__all__ = [
    "TRANSITIONS",
    "ArchiveUnavailable",
    "BulkResult",
    "CaptureResult",
    "ClaimConflict",
    "ItemContent",
    "absence_create",
    "absence_end",
    "content_rule_save",
    "deliveries_requeue_pending",
    "delivery_parse",
    "delivery_requeue",
    "delivery_store",
    "ingest_token_create",
    "ingest_token_find",
    "ingest_token_revoke",
    "ingest_token_touch",
    "ingest_token_update",
    "item_answer",
    "item_ask_advice",
    "item_capture",
    "item_claim",
    "item_comment",
    "item_delete",
    "item_event_notify",
    "item_events_renotify",
    "item_flag",
    "item_forward",
    "item_leave",
    "item_mark_removed_on_platform",
    "item_receive_from_api",
    "item_refer",
    "item_register",
    "item_register_direct_message",
    "item_register_manually",
    "item_release",
    "item_report_bullying",
    "item_republish",
    "item_unpublish",
    "items_remove_bulk",
    "registration_send",
    "registrations_resend",
    "reply_template_create",
    "reply_template_update",
    "rule_keyword_delete",
    "rule_keyword_save",
    "substitute_candidates",
    "unhandled_event_resolve",
]
