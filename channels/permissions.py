"""Who may see and do what with applications and channels.

Pairs of `user_can_<verb>(user, obj) -> bool` and `<things>_visible_to(user)`.
Something a user may not see answers 404 in the views, exactly like
something that does not exist.

Deciding managers: the managers of the application's unit; if the unit has
none, those of the nearest ancestor unit that has (DESIGN.md: "and of its
parent unit if the unit has none").
"""

from django.db.models import Q

from channels.models import ApplicationStatus, Channel, ChannelApplication
from core import roles
from core.models import Unit


def deciding_unit(unit) -> Unit | None:
    """The unit whose managers decide for `unit`: itself or its nearest managed ancestor."""
    for candidate in (unit, *unit.ancestors()):
        if candidate.managers.exists():
            return candidate
    return None


def deciding_managers(unit):
    decider = deciding_unit(unit)
    return list(decider.managers.filter(is_active=True)) if decider else []


def deciding_manager_ids(unit_ids) -> dict[int, list[int]]:
    """{unit id: ids of its active deciding managers} for many units, in two queries.

    The same rule as `deciding_unit`: the nearest unit, itself or an ancestor, with
    any manager at all decides, and only its active managers are asked.
    """
    if not unit_ids:
        return {}
    parent_of = dict(Unit.objects.values_list("id", "parent_id"))
    managers_of = {}
    active_of = {}
    for unit_id, user_id, is_active in Unit.managers.through.objects.values_list(
        "unit_id", "user_id", "user__is_active"
    ):
        managers_of.setdefault(unit_id, [])
        active_of.setdefault(unit_id, [])
        managers_of[unit_id].append(user_id)
        if is_active:
            active_of[unit_id].append(user_id)
    result = {}
    for unit_id in unit_ids:
        current, seen = unit_id, set()
        while current is not None and current not in seen and current not in managers_of:
            seen.add(current)
            current = parent_of.get(current)
        result[unit_id] = sorted(active_of.get(current, [])) if current in managers_of else []
    return result


def unit_ids_decided_by(user) -> set[int]:
    """Units whose applications this user decides, computed in two queries.

    A unit without managers is decided by its nearest ancestor's managers, so
    the managed units' unmanaged descendants are included.
    """
    if not roles.is_manager(user):
        return set()
    if not hasattr(user, "_decided_unit_ids"):
        parent_of = dict(Unit.objects.values_list("id", "parent_id"))
        managed_any = set(
            Unit.managers.through.objects.values_list("unit_id", flat=True).distinct()
        )
        mine = set(Unit.objects.managed_by(user).values_list("id", flat=True))
        decided = set()
        for unit_id in parent_of:
            current, seen = unit_id, set()
            while current is not None and current not in seen:
                seen.add(current)
                if current in managed_any:
                    if current in mine:
                        decided.add(unit_id)
                    break
                current = parent_of.get(current)
        user._decided_unit_ids = decided
    return user._decided_unit_ids


def applications_visible_to(user):
    if not user.is_authenticated or not user.is_active:
        return ChannelApplication.objects.none()
    condition = Q(applicant=user)
    decided = unit_ids_decided_by(user)
    if decided:
        condition |= Q(unit_id__in=decided) & ~Q(status=ApplicationStatus.DRAFT)
    if roles.is_communicator(user):
        condition |= ~Q(status=ApplicationStatus.DRAFT)
    return ChannelApplication.objects.filter(condition)


def applications_to_decide(user):
    """The applications waiting for this manager's decision."""
    decided = unit_ids_decided_by(user)
    if not decided:
        return ChannelApplication.objects.none()
    return ChannelApplication.objects.filter(
        unit_id__in=decided, status=ApplicationStatus.SUBMITTED
    ).exclude(applicant=user)


def user_can_view_application(user, application) -> bool:
    return applications_visible_to(user).filter(pk=application.pk).exists()


def user_can_edit_application(user, application) -> bool:
    return application.applicant_id == user.pk and application.is_editable


def user_can_decide_application(user, application) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and application.applicant_id != user.pk
        and application.status == ApplicationStatus.SUBMITTED
        and application.unit_id in unit_ids_decided_by(user)
    )


def user_can_register_channels(user) -> bool:
    return roles.is_communicator(user)


# --- Channels -------------------------------------------------------------------


def channels_visible_to(user):
    """Staff view of channels: communicators see all; others their own units' or handled."""
    if not user.is_authenticated or not user.is_active:
        return Channel.objects.none()
    if roles.is_communicator(user):
        return Channel.objects.all()
    condition = Q(handlers=user) | Q(application__applicant=user)
    decided = unit_ids_decided_by(user)
    if decided:
        condition |= Q(unit_id__in=decided)
    return Channel.objects.filter(condition).distinct()


def user_can_manage_channel(user, channel) -> bool:
    """Register, edit, publish, unpublish, confirm closure: communicators only."""
    return roles.is_communicator(user)


def user_can_report_closure(user, channel) -> bool:
    """A handler, a manager of the unit or the original applicant may report closure."""
    if not user.is_authenticated or not user.is_active:
        return False
    if roles.is_communicator(user):
        return True
    if channel.handlers.filter(pk=user.pk).exists():
        return True
    if channel.application_id and channel.application.applicant_id == user.pk:
        return True
    return channel.unit_id in unit_ids_decided_by(user)


def user_can_confirm_review(user, channel) -> bool:
    """The channel's handlers confirm the annual review (communicators may too)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return roles.is_communicator(user) or channel.handlers.filter(pk=user.pk).exists()


def user_can_view_channel(user, channel) -> bool:
    """The channel's staff page: whoever has it in `channels_visible_to`."""
    return channels_visible_to(user).filter(pk=channel.pk).exists()


def user_can_set_handlers(user, channel) -> bool:
    """Choosing a channel's handlers is part of keeping the register: communicators."""
    return user_can_manage_channel(user, channel)


# --- Political links -----------------------------------------------------------


def user_can_manage_political_links(user) -> bool:
    return roles.is_communicator(user)


def political_links_visible_to(user):
    """Staff view of political links, shown and hidden: communicators only."""
    from channels.models import PoliticalLink

    if not user_can_manage_political_links(user):
        return PoliticalLink.objects.none()
    return PoliticalLink.objects.all()
