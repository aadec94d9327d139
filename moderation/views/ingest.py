"""Staff pages of the ingestion side: what arrived but was not handled, and
registering an item by hand.

Views parse input, call one service and render. What a user may not see
answers 404, like something that does not exist.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ServiceError
from moderation import permissions, services
from moderation.forms import ItemRegisterForm, UnhandledFilterForm

PAGE_SIZE = 50


def _as_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def attachment_links(urls) -> list[dict]:
    """Attachments for a page: only http(s) addresses become links, anything else is text."""
    return [
        {
            "url": url,
            "is_link": isinstance(url, str) and url.lower().startswith(("http://", "https://")),
        }
        for url in urls or ()
    ]


# --- Unhandled events -----------------------------------------------------------------------


@login_required
def unhandled_list(request):
    if not permissions.user_can_view_unhandled_events(request.user):
        raise Http404
    form = UnhandledFilterForm(request.GET or None)
    show = form.show()
    events = permissions.unhandled_events_visible_to(request.user)
    if show == "unresolved":
        events = events.unresolved()
    elif show == "resolved":
        events = events.resolved()
    # When the delivery arrived, without loading its body.
    events = (
        events.select_related("resolved_by")
        .annotate(received=Coalesce("delivery__received_at", "created_at"))
        .order_by("-created_at", "-pk")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("sida"))
    for event in page.object_list:
        event.raw_json = _as_json(event.raw)
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "moderation/unhandled_list.html",
        {"form": form, "page": page, "show": show, "query": query.urlencode()},
    )


@login_required
@require_POST
def unhandled_resolve(request, pk):
    if not permissions.user_can_view_unhandled_events(request.user):
        raise Http404
    event = get_object_or_404(permissions.unhandled_events_visible_to(request.user), pk=pk)
    try:
        services.unhandled_event_resolve(event=event, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The event is marked as handled."))
    return redirect("moderation:unhandled_list")


# --- Registering an item by hand ------------------------------------------------------------


def _apply_validation_error(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    channels = permissions.channels_for_registration(request.user)
    if not channels.exists():
        # The navigation links here for every employee (finding out whether one
        # handles a channel would cost every page a query): explain, change nothing.
        if request.method == "POST":
            raise Http404
        return render(request, "moderation/item_form.html", {"form": None})
    form = ItemRegisterForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_register_manually(
                channel=form.cleaned_data["channel"], actor=request.user, data=form.item_data()
            )
        except ValidationError as error:
            _apply_validation_error(form, error)
        except ServiceError as error:
            form.add_error("channel", error.message)
        else:
            messages.success(request, _("The item is registered."))
            return redirect(item)
    return render(
        request,
        "moderation/item_form.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )
