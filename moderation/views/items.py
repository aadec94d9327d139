"""The item page: the conversation around it, every version, its history and comments,
and the forms of the actions; one POST view per action, each calling one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from archive.models import Record
from archive.permissions import user_can_search_archive
from core.exceptions import NotPermitted, ServiceError
from core.forms import apply_validation_error
from moderation import forms, permissions, services
from moderation.models import (
    ContentRule,
    Item,
    ItemComment,
    ItemEvent,
    ItemKind,
    ItemVersion,
    ReplyPurpose,
    ReplyTemplate,
)
from moderation.services.actions import allowed
from moderation.views.ingest import attachment_links

# Earlier items of the same thread shown around an item.
CONVERSATION_LIMIT = 20

# The reply when no political referral template is kept (the communicator may add one).
DEFAULT_POLITICAL_REPLY = gettext_lazy(
    "Thank you for your post. We refer political questions and debates to the political "
    "parties. You find the parties of the municipal council on the municipality's website."
)


def _answer(item, user, data):
    return services.item_answer(
        item=item,
        actor=user,
        expected_version=data["version"],
        text=data["text"],
        template=data.get("template"),
        note=data.get("note", ""),
    )


def _remove(item, user, data):
    service = services.item_unpublish if data["action"] == "unpublish" else services.item_delete
    return service(
        item=item,
        actor=user,
        expected_version=data["version"],
        rules=list(data["rules"]),
        message=data.get("message", ""),
        reported_to_police=data.get("reported_to_police", False),
        note=data.get("note", ""),
    )


# URL slug → (form prefix and key, form class, service call, success message, the
# workflow edge it needs, or None when it changes no state).
ACTIONS = {
    "ta": (
        "claim",
        forms.VersionForm,
        lambda item, user, d: services.item_claim(
            item=item, actor=user, expected_version=d["version"]
        ),
        gettext_lazy("You have taken the item."),
        None,
    ),
    "slapp": (
        "release",
        forms.VersionForm,
        lambda item, user, d: services.item_release(
            item=item, actor=user, expected_version=d["version"]
        ),
        gettext_lazy("The item is released."),
        None,
    ),
    "besvara": (
        "answer",
        forms.AnswerForm,
        _answer,
        gettext_lazy("The answer is recorded."),
        "answer",
    ),
    "vidarebefordra": (
        "forward",
        forms.ForwardForm,
        lambda item, user, d: services.item_forward(
            item=item,
            actor=user,
            expected_version=d["version"],
            to_email=d["to_email"],
            note=d.get("note", ""),
        ),
        gettext_lazy("The item is forwarded; it stays open until the outcome is recorded."),
        "forward",
    ),
    "inget-svar": (
        "leave",
        forms.NoteForm,
        lambda item, user, d: services.item_leave(
            item=item, actor=user, expected_version=d["version"], note=d.get("note", "")
        ),
        gettext_lazy("Recorded: no answer needed."),
        "leave",
    ),
    "hanvisa": (
        "refer",
        forms.ReferForm,
        lambda item, user, d: services.item_refer(
            item=item,
            actor=user,
            expected_version=d["version"],
            text=d["text"],
            note=d.get("note", ""),
        ),
        gettext_lazy("The referral to the political parties is recorded."),
        "refer",
    ),
    "ta-bort": (
        "remove",
        forms.RemoveForm,
        _remove,
        gettext_lazy("The item is archived and removed."),
        "unpublish",
    ),
    "visa-igen": (
        "republish",
        forms.RepublishForm,
        lambda item, user, d: services.item_republish(
            item=item, actor=user, expected_version=d["version"], note=d["note"]
        ),
        gettext_lazy("The item is visible again and back in the queue; its archive record stays."),
        "republish",
    ),
    "mobbning": (
        "bullying",
        forms.BullyingForm,
        lambda item, user, d: services.item_report_bullying(
            item=item, actor=user, expected_version=d["version"], note=d["note"]
        ),
        gettext_lazy("The bullying is reported to the nearest manager."),
        None,
    ),
    "radfraga": (
        "advice",
        forms.AdviceForm,
        lambda item, user, d: services.item_ask_advice(
            item=item,
            actor=user,
            expected_version=d["version"],
            of=d["of"],
            question=d["question"],
        ),
        gettext_lazy("Your question is sent; the answer comes on this page."),
        None,
    ),
    "diariefor": (
        "register",
        forms.RegisterForm,
        lambda item, user, d: services.item_register(
            item=item,
            actor=user,
            expected_version=d["version"],
            description=d["description"],
            note=d.get("note", ""),
        ),
        gettext_lazy("The item is registered; a copy goes to the registry mailbox."),
        None,
    ),
}


def _visible_items(user):
    return permissions.items_visible_to(user).select_related(
        "channel__platform",
        "channel__unit",
        "registered_by",
        "claimed_by",
        "handled_by",
        "forwarded_by",
        "removed_by",
        "registration__requested_by",
    )


def _conversation(item) -> list[Item]:
    """The parent and earlier captured items of the same thread (for a direct message: the
    sender's earlier messages on the channel), oldest first."""
    if item.kind == ItemKind.DIRECT_MESSAGE:
        if not item.sender_id:
            return []
        thread = Q(kind=ItemKind.DIRECT_MESSAGE, sender_id=item.sender_id)
    else:
        keys = {key for key in (item.post_external_id, item.parent_external_id) if key}
        if not keys:
            return []
        thread = Q(external_id__in=keys) | Q(post_external_id__in=keys)
    earlier = (
        Item.objects.filter(thread, channel_id=item.channel_id, received_at__lte=item.received_at)
        .exclude(pk=item.pk)
        .defer("attachments", "flagged_words")
        .order_by("-received_at", "-pk")[:CONVERSATION_LIMIT]
    )
    return list(reversed(earlier))


def _template_text(request, purpose):
    """The text of the template picked with ?mall=… for `purpose`, if any."""
    pk = request.GET.get("mall", "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not pk.isdecimal():
        return None
    template = ReplyTemplate.objects.for_purpose(purpose).filter(pk=pk).first()
    return template


def _action_forms(request, item, bound=None):
    """An unbound form per action the item allows now (the bound one where it failed)."""
    initial = {"version": item.version}
    result = {}
    answer_template = _template_text(request, ReplyPurpose.ANSWER)
    removal_template = _template_text(request, ReplyPurpose.REMOVAL)
    political = ReplyTemplate.objects.for_purpose(ReplyPurpose.POLITICAL).first()
    extra = {
        "answer": {"text": answer_template.text, "template": answer_template.pk}
        if answer_template
        else {},
        "refer": {"text": political.text if political else str(DEFAULT_POLITICAL_REPLY)},
        "remove": {"message": removal_template.text} if removal_template else {},
        "register": {"description": services.registrations.default_description(item)}
        if item.kind == ItemKind.DIRECT_MESSAGE
        else {},
    }
    for _slug, (key, form_class, _call, _message, edge) in ACTIONS.items():
        removable = key == "remove" and allowed("delete", item.state)
        if edge is not None and not allowed(edge, item.state) and not removable:
            continue
        if key == "release" and item.claimed_by_id is None:
            continue
        if key == "claim" and item.claimed_by_id == request.user.pk:
            continue
        if key == "register" and hasattr(item, "registration"):
            continue
        if bound is not None and bound.prefix == key:
            result[key] = bound
        else:
            result[key] = form_class(prefix=key, initial={**initial, **extra.get(key, {})})
    return result


def _render_item(request, item, *, bound=None, error=None, status=200):
    user = request.user
    item = get_object_or_404(
        _visible_items(user).prefetch_related(
            Prefetch("versions", queryset=ItemVersion.objects.order_by("number")),
            Prefetch("events", queryset=ItemEvent.objects.select_related("actor")),
            Prefetch("comments", queryset=ItemComment.objects.select_related("author")),
            Prefetch("flagged_rules", queryset=ContentRule.objects.order_by("number")),
            Prefetch("removal_rules", queryset=ContentRule.objects.order_by("number")),
        ),
        pk=item.pk,
    )
    versions = list(item.versions.all())
    for version in versions:
        version.links = attachment_links(version.attachments)
    can_act = permissions.user_can_act_on_item(user, item)
    # Everyone on the item sees that it is archived; the archive's users follow the link.
    records = list(
        Record.objects.filter(item_id=item.pk)
        .only("pk", "record_type", "archived_at", "registration_number", "item_id")
        .with_current_annotations()
        .order_by("archived_at", "pk")
    )
    context = {
        "item": item,
        "versions": versions,
        "events": list(item.events.all()),
        "comments": list(item.comments.all()),
        "conversation": _conversation(item),
        "can_act": can_act,
        "can_release": permissions.user_can_release_claim(user, item),
        "can_comment": permissions.user_can_comment_on_item(user, item),
        "action_forms": _action_forms(request, item, bound) if can_act else {},
        "comment_form": bound
        if bound is not None and bound.prefix == "comment"
        else forms.CommentForm(prefix="comment"),
        "answer_templates": ReplyTemplate.objects.for_purpose(ReplyPurpose.ANSWER),
        "removal_templates": ReplyTemplate.objects.for_purpose(ReplyPurpose.REMOVAL),
        "records": records,
        "can_open_records": user_can_search_archive(user),
        "error": error,
        "registration": getattr(item, "registration", None),
    }
    return render(request, "moderation/item_detail.html", context, status=status)


@login_required
def item_detail(request, pk):
    item = get_object_or_404(permissions.items_visible_to(request.user), pk=pk)
    return _render_item(request, item)


@login_required
@require_POST
def item_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    item = get_object_or_404(permissions.items_visible_to(request.user), pk=pk)
    key, form_class, call, success, _edge = ACTIONS[action]
    form = form_class(request.POST, prefix=key)
    if not form.is_valid():
        return _render_item(request, item, bound=form, status=400)
    try:
        call(item, request.user, form.cleaned_data)
    except ValidationError as error:
        apply_validation_error(form, error)
        return _render_item(request, item, bound=form, status=400)
    except NotPermitted as error:
        return _render_item(request, item, error=error.message, status=403)
    except ServiceError as error:
        # Changed since, held by someone else, not allowed in this state, archive down:
        # nothing was done; show the item as it is now with the reason.
        return _render_item(request, item, error=error.message, status=409)
    messages.success(request, str(success))
    return redirect(item)


@login_required
@require_POST
def item_comment(request, pk):
    item = get_object_or_404(permissions.items_visible_to(request.user), pk=pk)
    form = forms.CommentForm(request.POST, prefix="comment")
    if not form.is_valid():
        return _render_item(request, item, bound=form, status=400)
    try:
        services.item_comment(item=item, actor=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        apply_validation_error(form, error)
        return _render_item(request, item, bound=form, status=400)
    except ServiceError as error:
        return _render_item(request, item, error=error.message, status=403)
    messages.success(request, _("Your comment is added."))
    return redirect(f"{item.get_absolute_url()}#comments-heading")
