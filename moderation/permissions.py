"""Who may see and do what in moderation.

Pairs of `user_can_<verb>(user, obj) -> bool` and `<things>_visible_to(user)`.
Something a user may not see answers 404 in the views, exactly like
something that does not exist.

* Communicators see every queue and may act on every item (they take over
  channels whose handlers are all away).
* A handler sees and acts on the items of the channels they handle, and of
  the channels of absent handlers whose substitute chain ends at them, for
  as long as the absence lasts (moderation.selectors).
* The nearest managers of a channel's unit see the items on which a handler
  asked them for advice, and answer in the item's comments; they act on
  nothing.
"""

from django.db.models import Exists, OuterRef, Q

from channels.models import Channel
from channels.permissions import unit_ids_decided_by
from core import roles
from moderation import selectors
from moderation.models import Absence, Item, ItemComment, ReplyTemplate, UnhandledEvent


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Items ----------------------------------------------------------------------------------


def items_actionable_by(user):
    """The items whose queue this user works now (their own channels and substitutions)."""
    if not _active(user):
        return Item.objects.none()
    if roles.is_communicator(user):
        return Item.objects.all()
    return Item.objects.in_channels(selectors.channel_ids_handled_by(user))


def queue_scope(user):
    """(the items of the user's queue, the channel ids it covers or None for all channels),
    computed once; (none, empty set) for someone with no queue."""
    if not _active(user):
        return Item.objects.none(), set()
    if roles.is_communicator(user):
        return Item.objects.all(), None
    channel_ids = selectors.channel_ids_handled_by(user)
    return Item.objects.in_channels(channel_ids), channel_ids


def items_visible_to(user):
    if not _active(user):
        return Item.objects.none()
    if roles.is_communicator(user):
        return Item.objects.all()
    condition = Q(channel_id__in=selectors.channel_ids_handled_by(user))
    decided = unit_ids_decided_by(user)
    if decided:
        asked = ItemComment.objects.filter(
            item=OuterRef("pk"), addressed_to=ItemComment.AddressedTo.MANAGER
        )
        condition |= Q(channel__unit_id__in=decided) & Exists(asked)
    return Item.objects.filter(condition)


def user_can_view_item(user, item) -> bool:
    return items_visible_to(user).filter(pk=item.pk).exists()


def user_can_act_on_item(user, item) -> bool:
    """Take, answer, forward, leave, refer, remove, register, report, ask advice."""
    if not _active(user):
        return False
    if roles.is_communicator(user):
        return True
    return item.channel_id in selectors.channel_ids_handled_by(user)


def user_can_release_claim(user, item) -> bool:
    """The holder lets go of their own item; a communicator releases anyone's."""
    if not _active(user) or item.claimed_by_id is None:
        return False
    return item.claimed_by_id == user.pk or roles.is_communicator(user)


def user_can_comment_on_item(user, item) -> bool:
    return user_can_view_item(user, item)


def user_works_a_queue(user) -> bool:
    """Whether the queue pages are for this user: communicators and handlers (or substitutes)."""
    if not _active(user):
        return False
    return roles.is_communicator(user) or bool(selectors.channel_ids_handled_by(user))


# --- Absences -------------------------------------------------------------------------------


def user_can_record_absence(user) -> bool:
    """Handlers (and communicators) record their own absences."""
    if not _active(user):
        return False
    return roles.is_communicator(user) or Channel.objects.handled_by(user).exists()


def absences_visible_to(user):
    """One's own absences and those one substitutes in; communicators see all."""
    if not _active(user):
        return Absence.objects.none()
    if roles.is_communicator(user):
        return Absence.objects.all()
    return Absence.objects.filter(Q(user=user) | Q(substitute=user))


def user_can_end_absence(user, absence) -> bool:
    if not _active(user):
        return False
    return absence.user_id == user.pk or roles.is_communicator(user)


# --- Reply templates ------------------------------------------------------------------------


def user_can_manage_reply_templates(user) -> bool:
    return _active(user) and roles.is_communicator(user)


def reply_templates_visible_to(user):
    """Communicators manage all; handlers pick among those in use."""
    if not _active(user):
        return ReplyTemplate.objects.none()
    if roles.is_communicator(user):
        return ReplyTemplate.objects.all()
    return ReplyTemplate.objects.active()


# --- Registering items by hand --------------------------------------------------------------


def channels_for_registration(user):
    """Channels on which the user may register an item by hand: handled ones, or all."""
    if not _active(user):
        return Channel.objects.none()
    channels = Channel.objects.not_closed()
    if roles.is_communicator(user):
        return channels
    return channels.handled_by(user)


def user_can_register_items(user) -> bool:
    return channels_for_registration(user).exists()


def user_can_register_item_on(user, channel) -> bool:
    return channels_for_registration(user).filter(pk=channel.pk).exists()


# --- What arrived but was not handled -------------------------------------------------------


def unhandled_events_visible_to(user):
    if not _active(user) or not roles.is_communicator(user):
        return UnhandledEvent.objects.none()
    return UnhandledEvent.objects.all()


def user_can_view_unhandled_events(user) -> bool:
    return _active(user) and roles.is_communicator(user)


def user_can_resolve_unhandled_event(user, event) -> bool:
    return user_can_view_unhandled_events(user)


# --- Dashboards (issue 8, moderation/dashboards.py) -----------------------------------------
# The handler's dashboard lists dashboard_selectors.handler_items(user): the open items of
# the channels the user works now, a part of items_actionable_by(user).


def user_can_view_handler_dashboard(user) -> bool:
    return _active(user)


def user_can_view_communicator_dashboard(user) -> bool:
    return _active(user) and roles.is_communicator(user)
