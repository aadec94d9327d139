"""Disposal (gallring): what is due (the dry run), runs, sign-off, the log."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from archive import permissions
from archive.forms import CommentForm
from archive.models import DisposalLogEntry, DisposalRunStatus, ItemDisposalLogEntry, Record
from archive.selectors import records_due
from archive.services import disposal as services
from archive.services.item_disposal import items_due
from archive.views.common import PAGE_SIZE, registrar_required
from core.exceptions import ServiceError
from moderation.models import Item


@registrar_required
def disposal_list(request):
    """The dry run (records due today, paged) and the runs."""
    due, rules = records_due()
    due = due.select_related("channel", "channel__platform").order_by("pk")
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("sida"))
    for record in page.object_list:
        record.rule = rules[record.record_type]
    runs = permissions.disposal_runs_visible_to(request.user).select_related(
        "proposed_by", "approved_by", "executed_by"
    )[:20]
    # Items are counted, not listed: the registrar does not read moderation queues.
    items, item_rule = items_due()
    return render(
        request,
        "archive/disposal_list.html",
        {
            "page": page,
            "runs": runs,
            "item_rule": item_rule,
            "items_due_count": items.count(),
            "form": CommentForm(),
            "requires_signoff": settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF,
        },
    )


@registrar_required
@require_POST
def disposal_propose(request):
    form = CommentForm(request.POST)
    form.is_valid()
    run = services.disposal_run_propose(
        actor=request.user, comment=form.cleaned_data.get("comment", "")
    )
    messages.success(
        request,
        _("Disposal run %(number)s proposed with %(count)s records.")
        % {"number": run.pk, "count": run.candidate_count},
    )
    return redirect(run)


def _visible_run(user, pk):
    return get_object_or_404(
        permissions.disposal_runs_visible_to(user).select_related(
            "proposed_by", "approved_by", "executed_by", "cancelled_by"
        ),
        pk=pk,
    )


@registrar_required
def disposal_detail(request, pk):
    run = _visible_run(request.user, pk)
    if run.status == DisposalRunStatus.EXECUTED:
        entries = run.log_entries.select_related("disposed_by").order_by("sequence")
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("sida"))
        candidates = None
    else:
        candidates = run.candidates.select_related("rule").order_by("record_id")
        page = Paginator(candidates, PAGE_SIZE).get_page(request.GET.get("sida"))
        existing = Record.objects.filter(
            pk__in=[candidate.record_id for candidate in page.object_list]
        ).select_related("channel", "channel__platform")
        by_id = {record.pk: record for record in existing}
        for candidate in page.object_list:
            candidate.record = by_id.get(candidate.record_id)
    return render(
        request,
        "archive/disposal_detail.html",
        {
            "run": run,
            "page": page,
            "item_page": _item_page(request, run),
            "is_log": candidates is None,
            "can_sign_off": permissions.user_can_sign_off(request.user, run)
            or (
                not settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF
                and run.status == DisposalRunStatus.PROPOSED
            ),
            "form": CommentForm(),
        },
    )


ITEM_PAGE_PARAMETER = "inlagg"


def _item_page(request, run):
    """The run's items: candidates before execution, the log after; no content either way.

    The registrar sees ids, kinds, states, channels and dates only: items'
    text and senders are for the channel's handlers, not for the archive.
    """
    if run.status == DisposalRunStatus.EXECUTED:
        rows = run.item_log_entries.select_related("disposed_by").order_by("item_id")
    else:
        rows = run.item_candidates.select_related("rule").order_by("item_id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(ITEM_PAGE_PARAMETER))
    if run.status != DisposalRunStatus.EXECUTED:
        existing = Item.objects.filter(
            pk__in=[candidate.item_id for candidate in page.object_list]
        ).select_related("channel", "channel__platform")
        by_id = {item.pk: item for item in existing}
        for candidate in page.object_list:
            candidate.item = by_id.get(candidate.item_id)
    return page


@registrar_required
@require_POST
def disposal_approve(request, pk):
    run = _visible_run(request.user, pk)
    try:
        services.disposal_run_approve(run=run, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The disposal run is signed off. It can now be executed."))
    return redirect(run)


@registrar_required
@require_POST
def disposal_execute(request, pk):
    run = _visible_run(request.user, pk)
    if run.status != DisposalRunStatus.APPROVED:
        messages.error(request, _("Only a signed-off disposal run can be executed."))
        return redirect(run)

    def queue():
        from archive.tasks import disposal_execute_task
        from core.queueing import delay_or_log

        # Broker down: logged; the scheduled disposal task executes approved runs.
        delay_or_log(disposal_execute_task, run.pk, request.user.pk)

    transaction.on_commit(queue)
    messages.success(
        request,
        _("The disposal run is being executed; the log shows each record as it goes."),
    )
    return redirect(run)


@registrar_required
@require_POST
def disposal_cancel(request, pk):
    run = _visible_run(request.user, pk)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.disposal_run_cancel(
            run=run, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The disposal run is cancelled."))
    return redirect(run)


@registrar_required
def disposal_log(request):
    entries = DisposalLogEntry.objects.select_related("disposed_by").order_by("-disposed_at", "-pk")
    page = Paginator(entries, 50).get_page(request.GET.get("sida"))
    item_entries = ItemDisposalLogEntry.objects.select_related("disposed_by").order_by(
        "-disposed_at", "-pk"
    )
    item_page = Paginator(item_entries, 50).get_page(request.GET.get(ITEM_PAGE_PARAMETER))
    return render(request, "archive/disposal_log.html", {"page": page, "item_page": item_page})
