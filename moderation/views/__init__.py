"""Staff pages of moderation, one module per topic.

Views parse input, call one service and render. What a user may not see
answers 404, like something that does not exist.
"""

from moderation.views.absences import absence_end, absence_list
from moderation.views.ingest import item_create, unhandled_list, unhandled_resolve
from moderation.views.items import item_action, item_comment, item_detail
from moderation.views.queue import bulk_remove, queue, substitute_queue
from moderation.views.replies import reply_template_edit, reply_template_list

__all__ = [
    "absence_end",
    "absence_list",
    "bulk_remove",
    "item_action",
    "item_comment",
    "item_create",
    "item_detail",
    "queue",
    "reply_template_edit",
    "reply_template_list",
    "substitute_queue",
    "unhandled_list",
    "unhandled_resolve",
]
