"""Models of the moderation app, one module per topic.

* deliveries: the raw webhook POSTs as they arrived, and what could not be
  turned into items (kept and listed for the communicator, never dropped);
* items: comments, replies, direct messages and visitor posts, with every
  captured version of their content and their history;
* tokens: the ingestion API's per-source tokens;
* audit: changes people make outside an item (tokens, unhandled events).
"""

from moderation.models.audit import AuditEvent
from moderation.models.deliveries import (
    Delivery,
    DeliverySource,
    DeliveryStatus,
    UnhandledEvent,
)
from moderation.models.items import (
    Item,
    ItemEvent,
    ItemKind,
    ItemSource,
    ItemState,
    ItemVersion,
    PlatformRemoval,
)
from moderation.models.tokens import IngestToken

__all__ = [
    "AuditEvent",
    "Delivery",
    "DeliverySource",
    "DeliveryStatus",
    "IngestToken",
    "Item",
    "ItemEvent",
    "ItemKind",
    "ItemSource",
    "ItemState",
    "ItemVersion",
    "PlatformRemoval",
    "UnhandledEvent",
]
