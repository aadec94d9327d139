"""Models of the moderation app, one module per topic.

* deliveries: the raw webhook POSTs as they arrived, and what could not be
  turned into items (kept and listed for the communicator, never dropped);
* items: comments, replies, direct messages and visitor posts, with every
  captured version of their content, their history and the comments on them;
* rules: the content rules, their keywords and the reply templates;
* registrations: items registered in the case registry (diarieföring);
* tokens: the ingestion API's per-source tokens;
* absences: handlers' absences and their substitutes;
* reminders: response-time and annual-review reminders and the e-mail carrying them;
* audit: changes people make outside an item (tokens, unhandled events).
"""

from moderation.models.absences import Absence
from moderation.models.audit import AuditEvent
from moderation.models.deliveries import (
    Delivery,
    DeliverySource,
    DeliveryStatus,
    UnhandledEvent,
)
from moderation.models.items import (
    HANDLED_STATES,
    OPEN_STATES,
    REMOVED_STATES,
    Item,
    ItemComment,
    ItemEvent,
    ItemKind,
    ItemSource,
    ItemState,
    ItemVersion,
    PlatformRemoval,
)
from moderation.models.registrations import (
    Registration,
    RegistrationReason,
    RegistrationStatus,
)
from moderation.models.reminders import (
    ItemReminder,
    ReminderEmail,
    ReminderStep,
    ReviewReminder,
    ReviewStep,
)
from moderation.models.rules import ContentRule, ReplyPurpose, ReplyTemplate, RuleKeyword
from moderation.models.tokens import IngestToken

__all__ = [
    "HANDLED_STATES",
    "OPEN_STATES",
    "REMOVED_STATES",
    "Absence",
    "AuditEvent",
    "ContentRule",
    "Delivery",
    "DeliverySource",
    "DeliveryStatus",
    "IngestToken",
    "Item",
    "ItemComment",
    "ItemEvent",
    "ItemKind",
    "ItemReminder",
    "ItemSource",
    "ItemState",
    "ItemVersion",
    "PlatformRemoval",
    "Registration",
    "RegistrationReason",
    "RegistrationStatus",
    "ReminderEmail",
    "ReminderStep",
    "ReplyPurpose",
    "ReplyTemplate",
    "ReviewReminder",
    "ReviewStep",
    "RuleKeyword",
    "UnhandledEvent",
]
