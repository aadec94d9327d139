"""Every write of the moderation app, one module per topic; re-exported here.

Views, forms, the admin, the API, tasks and the demo call these functions
only, so that they all behave identically.
"""

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
from moderation.services.tokens import (
    ingest_token_create,
    ingest_token_find,
    ingest_token_revoke,
    ingest_token_touch,
    ingest_token_update,
)
from moderation.services.unhandled import unhandled_event_resolve

__all__ = [
    "CaptureResult",
    "ItemContent",
    "deliveries_requeue_pending",
    "delivery_parse",
    "delivery_requeue",
    "delivery_store",
    "ingest_token_create",
    "ingest_token_find",
    "ingest_token_revoke",
    "ingest_token_touch",
    "ingest_token_update",
    "item_capture",
    "item_mark_removed_on_platform",
    "item_receive_from_api",
    "item_register_manually",
    "unhandled_event_resolve",
]
