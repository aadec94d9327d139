"""Staff side of the register: the channel list, registering an approved
application, the channel's staff page with its actions and history, and the
political links.

Views parse input, call one service and render. Who may see a channel is
`channels_visible_to`; an action the user may not take answers 404 like a
channel that does not exist. A refused change (a ServiceError) is shown as a
message and changes nothing; a ValidationError goes back to its form field.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from channels import permissions
from channels.forms.staff import (
    ChannelEditForm,
    ChannelFilterForm,
    ChannelRegisterForm,
    CloseForm,
    ConfirmReviewForm,
    HandlersForm,
    PoliticalLinkForm,
    PublishForm,
    ReportClosureForm,
    UnpublishForm,
)
from channels.models import (
    Channel,
    ChannelApplication,
    ChannelEvent,
    ChannelStatus,
    ContactRole,
)
from channels.models.political import PoliticalLinkEvent
from channels.selectors import (
    channels_due_for_review,
    is_due_for_review,
    review_cutoff,
    review_due_condition,
)
from channels.services import channels as services
from channels.services import political as political_services
from core import roles
from core.exceptions import ServiceError, StaleVersion
from core.forms import apply_validation_error

PAGE_SIZE = 50
# How many overdue channels the list shows above the register; the filter shows all.
REVIEW_PREVIEW = 10
RECENT_POLITICAL_EVENTS = 20


def _visible_channel(user, pk) -> Channel:
    return get_object_or_404(permissions.channels_visible_to(user), pk=pk)


def _channel_for_page(pk) -> Channel:
    """The channel with everything its staff page shows, in a fixed number of queries."""
    return (
        Channel.objects.select_related(
            "unit",
            "platform",
            "application__applicant",
            "registered_by",
            "closure_reported_by",
            "closed_by",
            "last_confirmed_by",
        )
        .prefetch_related(
            "contacts",
            "handlers",
            Prefetch("events", queryset=ChannelEvent.objects.select_related("actor")),
        )
        .get(pk=pk)
    )


def _detail_url(channel):
    return redirect("channels:staff_channel_detail", channel.pk)


# --- The list ---------------------------------------------------------------------


@login_required
def staff_channel_list(request):
    """Communicators: the whole register, any status. Others: their own channels."""
    user = request.user
    is_communicator = roles.is_communicator(user)
    form = ChannelFilterForm(request.GET or None, show_review=is_communicator)
    filters = form.filters() if request.GET else {}
    cutoff = review_cutoff()

    channels = permissions.channels_visible_to(user).with_related()
    if "q" in filters:
        q = filters["q"].strip()
        channels = channels.filter(
            Q(display_name__icontains=q)
            | Q(address__icontains=q)
            | Q(normalized_address__icontains=q)
            | Q(account_id__iexact=q)
        )
    if "status" in filters:
        channels = channels.filter(status=filters["status"])
    if "unit" in filters:
        channels = channels.filter(unit=filters["unit"])
    if "platform" in filters:
        channels = channels.filter(platform=filters["platform"])
    if filters.get("review"):
        channels = channels.filter(review_due_condition(cutoff))

    page = Paginator(channels, PAGE_SIZE).get_page(request.GET.get("sida"))
    for channel in page.object_list:
        channel.review_due = is_due_for_review(channel, cutoff)

    query = request.GET.copy()
    query.pop("sida", None)

    due_count, due_preview = 0, []
    if is_communicator:
        due = channels_due_for_review()
        due_count = due.count()
        due_preview = list(due[:REVIEW_PREVIEW]) if due_count else []
    return render(
        request,
        "channels/staff/channel_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_communicator": is_communicator,
            "filtered": bool(filters),
            "due_count": due_count,
            "due_preview": due_preview,
        },
    )


# --- Registering an approved application ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff_channel_register(request, application_pk):
    if not permissions.user_can_register_channels(request.user):
        raise Http404
    application = get_object_or_404(
        ChannelApplication.objects.waiting_for_registration()
        .with_related()
        .prefetch_related("contacts"),
        pk=application_pk,
    )
    form = ChannelRegisterForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.channel_register(
                application=application, actor=request.user, data=form.channel_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("channels:application_registration_list")
        else:
            messages.success(
                request,
                _("The channel is registered. It is not public until you publish it."),
            )
            return _detail_url(channel)
    return render(
        request,
        "channels/staff/channel_register.html",
        {
            "form": form,
            "application": application,
            "responsible": application.contacts_by_role(ContactRole.RESPONSIBLE),
            "operators": application.contacts_by_role(ContactRole.OPERATOR),
        },
        status=400 if form.is_bound else 200,
    )


# --- The channel's staff page --------------------------------------------------------


def _field_label(key) -> str:
    try:
        return capfirst(Channel._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key


def _as_text(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


def readable_changes(event) -> list[dict]:
    """The event's `changes` as rows for people: a label and a value, or old → new.

    Edits store {field: [old, new]}; registration and closure store
    {field: value}.
    """
    pairs = event.kind in (ChannelEvent.Kind.UPDATED, ChannelEvent.Kind.HANDLERS_CHANGED)
    rows = []
    for key, value in (event.changes or {}).items():
        row = {"label": _field_label(key)}
        if pairs and isinstance(value, list) and len(value) == 2:
            row |= {"old": _as_text(value[0]), "new": _as_text(value[1])}
        else:
            row["value"] = _as_text(value)
        rows.append(row)
    return rows


def _render_detail(request, channel, *, status=200, **bound_forms):
    """The staff page; `bound_forms` replace the empty forms after a refused action."""
    user = request.user
    can_manage = permissions.user_can_manage_channel(user, channel)
    is_closed = channel.status == ChannelStatus.CLOSED
    is_published = channel.status == ChannelStatus.PUBLISHED
    can_report = not is_closed and permissions.user_can_report_closure(user, channel)
    can_review = is_published and permissions.user_can_confirm_review(user, channel)

    def form(key, form_class, shown):
        if not shown:
            return None
        return bound_forms.get(key) or form_class(channel=channel)

    context = {
        "channel": channel,
        "can_manage": can_manage,
        "can_edit": can_manage and not is_closed,
        "can_set_handlers": permissions.user_can_set_handlers(user, channel),
        "publish_form": form(
            "publish_form", PublishForm, can_manage and channel.status == ChannelStatus.REGISTERED
        ),
        "unpublish_form": form("unpublish_form", UnpublishForm, can_manage and is_published),
        "close_form": form("close_form", CloseForm, can_manage and not is_closed),
        "report_form": form("report_form", ReportClosureForm, can_report),
        "review_form": form("review_form", ConfirmReviewForm, can_review),
        "review_due": is_due_for_review(channel, review_cutoff()),
        "responsible": channel.contacts_by_role(ContactRole.RESPONSIBLE),
        "operators": channel.contacts_by_role(ContactRole.OPERATOR),
        "history": [(event, readable_changes(event)) for event in channel.events.all()],
    }
    return render(request, "channels/staff/channel_detail.html", context, status=status)


@login_required
def staff_channel_detail(request, pk):
    channel = _visible_channel(request.user, pk)
    return _render_detail(request, _channel_for_page(channel.pk))


def _action(request, pk, *, form_class, form_key, allowed, run, success):
    """A POST action of the channel page: check, call one service, report the result."""
    channel = _visible_channel(request.user, pk)
    if not allowed(request.user, channel):
        raise Http404
    form = form_class(request.POST)
    if not form.is_valid() and "version" in form.errors:
        messages.error(request, _("The page was out of date. Nothing was changed; try again."))
        return _detail_url(channel)
    if form.is_valid():
        try:
            run(channel, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
            return _detail_url(channel)
        else:
            messages.success(request, success)
            return _detail_url(channel)
    return _render_detail(request, _channel_for_page(channel.pk), status=400, **{form_key: form})


@login_required
@require_POST
def staff_channel_publish(request, pk):
    return _action(
        request,
        pk,
        form_class=PublishForm,
        form_key="publish_form",
        allowed=permissions.user_can_manage_channel,
        run=lambda channel, data: services.channel_publish(
            channel=channel, actor=request.user, expected_version=data["version"]
        ),
        success=_("The channel is published: it is now in the public register."),
    )


@login_required
@require_POST
def staff_channel_unpublish(request, pk):
    return _action(
        request,
        pk,
        form_class=UnpublishForm,
        form_key="unpublish_form",
        allowed=permissions.user_can_manage_channel,
        run=lambda channel, data: services.channel_unpublish(
            channel=channel,
            actor=request.user,
            comment=data["comment"].strip(),
            expected_version=data["version"],
        ),
        success=_("The channel is unpublished: it is no longer in the public register."),
    )


@login_required
@require_POST
def staff_channel_close(request, pk):
    return _action(
        request,
        pk,
        form_class=CloseForm,
        form_key="close_form",
        allowed=permissions.user_can_manage_channel,
        run=lambda channel, data: services.channel_close(
            channel=channel,
            actor=request.user,
            closure_date=data["closure_date"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        success=_("The channel is closed. It has left the public register; its history stays."),
    )


@login_required
@require_POST
def staff_channel_report_closure(request, pk):
    return _action(
        request,
        pk,
        form_class=ReportClosureForm,
        form_key="report_form",
        allowed=permissions.user_can_report_closure,
        run=lambda channel, data: services.channel_report_closure(
            channel=channel,
            actor=request.user,
            closure_date=data["closure_date"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        success=_("The closure is reported. A communicator will confirm it."),
    )


@login_required
@require_POST
def staff_channel_confirm_review(request, pk):
    return _action(
        request,
        pk,
        form_class=ConfirmReviewForm,
        form_key="review_form",
        allowed=permissions.user_can_confirm_review,
        run=lambda channel, data: services.channel_confirm_review(
            channel=channel,
            actor=request.user,
            comment=data["comment"],
            expected_version=data["version"],
        ),
        success=_("Thank you: the channel is confirmed as in use and correct."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_channel_edit(request, pk):
    channel = _visible_channel(request.user, pk)
    if not permissions.user_can_manage_channel(request.user, channel):
        raise Http404
    # The form writes the typed values onto its instance; the heading keeps the stored name.
    stored_name = channel.display_name
    form = ChannelEditForm(request.POST or None, instance=channel)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                updated = services.channel_update(
                    channel=channel,
                    actor=request.user,
                    data=form.channel_data(),
                    expected_version=version,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except StaleVersion as error:
                # Keep what was typed on the page, so it can be copied after reloading.
                messages.error(request, error.message)
                status = 409
            except ServiceError as error:
                messages.error(request, error.message)
                return _detail_url(channel)
            else:
                if updated.version == version:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _("The channel's details are saved."))
                return _detail_url(channel)
    return render(
        request,
        "channels/staff/channel_edit.html",
        {"form": form, "channel": channel, "stored_name": stored_name},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_channel_handlers(request, pk):
    channel = _visible_channel(request.user, pk)
    if not permissions.user_can_set_handlers(request.user, channel):
        raise Http404
    if request.method == "POST" and "match" in request.POST:
        before = set(channel.handlers.values_list("pk", flat=True))
        try:
            channel = services.channel_match_handlers(channel=channel, actor=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            added = len(set(channel.handlers.values_list("pk", flat=True)) - before)
            if added:
                messages.success(
                    request, _("Handlers added from the contacts: %(n)d.") % {"n": added}
                )
            else:
                messages.info(request, _("No other user matches the contacts' e-mail addresses."))
        return redirect("channels:staff_channel_handlers", channel.pk)

    form = HandlersForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_set_handlers(
                channel=channel, actor=request.user, handlers=form.chosen_handlers()
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The handlers are saved."))
            return _detail_url(channel)
    return render(
        request,
        "channels/staff/channel_handlers.html",
        {
            "form": form,
            "channel": channel,
            "contacts": list(channel.contacts.all()),
        },
        status=400 if form.is_bound else 200,
    )


# --- Political links ----------------------------------------------------------------


def _political_link(user, pk):
    return get_object_or_404(permissions.political_links_visible_to(user), pk=pk)


def _require_political_access(user):
    if not permissions.user_can_manage_political_links(user):
        raise Http404


@login_required
def staff_political_list(request):
    _require_political_access(request.user)
    links = permissions.political_links_visible_to(request.user).order_by("party", "person", "pk")
    events = PoliticalLinkEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    return render(
        request,
        "channels/staff/political_list.html",
        {"links": links, "events": events[:RECENT_POLITICAL_EVENTS]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_political_create(request):
    _require_political_access(request.user)
    form = PoliticalLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            political_services.political_link_create(actor=request.user, data=form.link_data())
        except ValidationError as error:
            apply_validation_error(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The link is added."))
            return redirect("channels:staff_political_list")
    return render(
        request,
        "channels/staff/political_form.html",
        {"form": form, "link": None},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_political_edit(request, pk):
    link = _political_link(request.user, pk)
    stored_label = str(link)
    form = PoliticalLinkForm(request.POST or None, instance=link)
    if request.method == "POST" and form.is_valid():
        try:
            political_services.political_link_update(
                link=link, actor=request.user, data=form.link_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The link is saved."))
            return redirect("channels:staff_political_list")
    events = PoliticalLinkEvent.objects.filter(link=link).select_related("actor")
    return render(
        request,
        "channels/staff/political_form.html",
        {"form": form, "link": link, "stored_label": stored_label, "events": events},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_political_delete(request, pk):
    """GET asks for confirmation (this works without JavaScript); POST deletes."""
    link = _political_link(request.user, pk)
    if request.method == "POST":
        try:
            political_services.political_link_delete(link=link, actor=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The link is deleted."))
        return redirect("channels:staff_political_list")
    return render(request, "channels/staff/political_delete.html", {"link": link})
