"""Who may see and do what on the ingestion side of moderation.

Pairs of `user_can_<verb>(user, obj) -> bool` and `<things>_visible_to(user)`.
Communicators see every queue; a handler sees the items of the channels they
handle (substitutes come with the absence issue). Something a user may not
see answers 404 in the views, exactly like something that does not exist.
"""

from channels.models import Channel
from core import roles
from moderation.models import Item, UnhandledEvent


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Items ----------------------------------------------------------------------------------


def items_visible_to(user):
    if not _active(user):
        return Item.objects.none()
    if roles.is_communicator(user):
        return Item.objects.all()
    return Item.objects.for_handler(user)


def user_can_view_item(user, item) -> bool:
    return items_visible_to(user).filter(pk=item.pk).exists()


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
