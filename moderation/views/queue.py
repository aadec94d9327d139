"""The moderation queue, the substitute's list and bulk removal."""

import dataclasses
import unicodedata

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from channels.models import Channel
from core import roles
from moderation import permissions, selectors, services
from moderation.forms import BulkRemoveForm, QueueFilterForm
from moderation.models import Absence, Item, ItemKind, ItemState, RegistrationStatus

PAGE_SIZE = 50
TEXT_LENGTH = 160  # characters of an item's text shown in its row


@dataclasses.dataclass(frozen=True)
class QueueRow:
    """What a row of the queue shows that costs work, worked out once in Python.

    The same values the template's filters gave (`date`, `timesince`,
    `timeuntil`, `truncatechars`, `get_FOO_display`), without their cost in
    the template: about 0.6 ms a row, a third of the page (BENCHMARKS.md, 3.).
    """

    item: Item
    id: str  # the id and "id:version" as text: the template localizes numbers, slowly
    selection: str
    time: str  # the moment the row counts from, ISO 8601 in local time
    waiting: str  # the time left to the target, past it, or since the item arrived
    received: str  # when it arrived, for the title of the age
    kind: str
    state: str
    text: str
    holder: str
    held_since: str
    registration: str


def _short(text: str) -> str:
    """`text|truncatechars:TEXT_LENGTH`, without building the truncation of a short text."""
    if len(text) <= TEXT_LENGTH:  # never cut: the filter gives back the NFC form
        return unicodedata.normalize("NFC", text)
    return Truncator(text).chars(TEXT_LENGTH)


def _minute(moment) -> str:
    return dateformat.format(timezone.template_localtime(moment), "Y-m-d H:i")


def _since(moment) -> str:
    try:
        return timesince(moment)
    except (ValueError, TypeError):  # as the template filter
        return ""


def _until(moment) -> str:
    try:
        return timeuntil(moment)
    except (ValueError, TypeError):
        return ""


def queue_rows(items, now) -> list[QueueRow]:
    """The rows of a page of the queue, in its order."""
    kinds = {value: str(label) for value, label in ItemKind.choices}
    states = {value: str(label) for value, label in ItemState.choices}
    statuses = {value: str(label) for value, label in RegistrationStatus.choices}
    rows = []
    for item in items:
        if item.due_at:
            moment = item.due_at
            waiting = _until(moment) if moment > now else _since(moment)
            received = ""
        else:
            moment = item.received_at
            waiting = _since(moment)
            received = _minute(moment)
        holder = item.claimed_by
        registration = getattr(item, "registration", None)
        rows.append(
            QueueRow(
                item=item,
                id=str(item.pk),
                selection=f"{item.pk}:{item.version}",
                time=timezone.template_localtime(moment).isoformat(),
                waiting=waiting,
                received=received,
                kind=kinds.get(item.kind, item.kind),
                state=states.get(item.state, item.state),
                text=_short(item.text),
                holder=(holder.get_full_name() or holder.username) if holder else "",
                held_since=_minute(item.claimed_at) if holder and item.claimed_at else "",
                registration=(
                    statuses.get(registration.status, registration.status).lower()
                    if registration
                    else ""
                ),
            )
        )
    return rows


def _filter_channels(channel_ids):
    """The channel filter's choices when it is a <select>: the user's channels, if they
    are few (QueueFilterForm; a communicator's filter is a text field)."""
    if channel_ids is None:
        return Channel.objects.none()
    return (
        Channel.objects.filter(pk__in=channel_ids)
        .select_related("platform")
        .order_by("display_name", "pk")
    )


def _queue_page(request, *, items, channel_ids, bulk_form=None, template, extra=None, status=200):
    form = QueueFilterForm(
        request.GET or None,
        channels=_filter_channels(channel_ids),
        channel_ids=channel_ids,
    )
    filters = form.filters()
    several = form.channel_item_ids()  # a text that matches several channels, or none
    if several is not None:
        items = items.filter(channel_id__in=several)
    page = Paginator(selectors.queue_pages(items, **filters), PAGE_SIZE).get_page(
        request.GET.get("sida")
    )
    query = request.GET.copy()
    query.pop("sida", None)
    now = timezone.now()
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "rows": queue_rows(page.object_list, now),
        "query": query.urlencode(),
        "bulk_form": bulk_form or BulkRemoveForm(prefix="bulk"),
        "is_communicator": roles.is_communicator(request.user),
        "now": now,
        **(extra or {}),
    }
    return render(request, template, context, status=status)


def _queue(request, *, bulk_form=None, status=200):
    items, channel_ids = permissions.queue_scope(request.user)
    if channel_ids is not None and not channel_ids:
        return render(request, "moderation/queue.html", {"not_a_handler": True})
    extra = {}
    if channel_ids is None:  # a communicator: also the channels that have nobody
        extra["unattended"] = list(selectors.unattended_channels())
    return _queue_page(
        request,
        items=items,
        channel_ids=channel_ids,
        bulk_form=bulk_form,
        template="moderation/queue.html",
        extra=extra,
        status=status,
    )


@login_required
def queue(request):
    return _queue(request)


@login_required
def substitute_queue(request):
    """Mina ersättarärenden: the items of the absent handlers one substitutes for."""
    user = request.user
    covered = selectors.absent_user_ids_covered_by(user)
    channel_ids = selectors.substitute_channel_ids(user)
    absences = (
        Absence.objects.covering()
        .filter(user_id__in=covered)
        .select_related("user", "substitute")
        .order_by("ends_at", "pk")
    )
    return _queue_page(
        request,
        items=Item.objects.in_channels(channel_ids),
        channel_ids=channel_ids,
        template="moderation/substitute_queue.html",
        extra={"absences": list(absences)},
    )


@login_required
@require_POST
def bulk_remove(request):
    form = BulkRemoveForm(request.POST, prefix="bulk")
    selection = BulkRemoveForm.selection(request.POST.getlist("item"))
    if not selection:
        form.is_valid()
        form.add_error(None, _("Tick the items to remove in the list."))
        return _queue(request, bulk_form=form, status=400)
    if not form.is_valid():
        return _queue(request, bulk_form=form, status=400)
    data = form.cleaned_data
    # What the user may not see is reported like what does not exist.
    ids = [item_id for item_id, _version in selection]
    actionable = set(
        permissions.items_actionable_by(request.user)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    unknown = [item_id for item_id in ids if item_id not in actionable]
    try:
        result = services.items_remove_bulk(
            selection=[pair for pair in selection if pair[0] in actionable],
            actor=request.user,
            action=data["action"],
            rules=list(data["rules"]),
            message=data["message"],
            reported_to_police=data["reported_to_police"],
            note=data["note"],
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _queue(request, bulk_form=form, status=400)
    for item_id in unknown:
        messages.error(request, _("Item #%(id)s was not found.") % {"id": item_id})
    if result.removed:
        messages.success(
            request,
            ngettext(
                "%(count)d item is archived and removed.",
                "%(count)d items are archived and removed.",
                len(result.removed),
            )
            % {"count": len(result.removed)},
        )
    for item_id, reason in result.refused:
        messages.error(
            request,
            _("Item #%(id)s was not removed: %(reason)s") % {"id": item_id, "reason": reason},
        )
    return redirect("moderation:queue")
