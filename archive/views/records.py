"""The archive's start page, search, a record's page and what the registrar
changes on it (annotations, legal holds), and the hash-chain verification.

Views parse input, call one service and render. Every page that shows records
writes an access-log row with the records it showed.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from archive import permissions
from archive.forms import (
    ChannelHoldForm,
    ConfidentialityForm,
    ReasonForm,
    RecordSearchForm,
    RegistrationNumberForm,
)
from archive.models import (
    AccessLog,
    DisposalRun,
    DisposalRunStatus,
    LegalHold,
    PublicRecordRequest,
    RecordAnnotation,
    RequestRecord,
    RetentionRule,
    VerificationRun,
)
from archive.selectors import late_requests, record_search
from archive.services import disposal as disposal_services
from archive.services import records as record_services
from archive.services.audit import access_log
from archive.services.verification import verification_run
from archive.views.common import PAGE_SIZE, query_without_page, reader_required, registrar_required
from core.exceptions import ServiceError

# The archive search counts its matches up to this many (see CappedPaginator).
SEARCH_COUNT_CAP = 1000

# Open requests the start page checks for lateness (in Python: working hours).
OPEN_REQUESTS_SHOWN = 50


@reader_required
def home(request):
    """The registrar's page: chain status, late and open requests, runs waiting."""
    context = {"form": RecordSearchForm(), "can_manage": False}
    if permissions.user_can_manage_archive(request.user):
        open_requests = permissions.requests_visible_to(request.user).open()
        context.update(
            can_manage=True,
            verification=VerificationRun.objects.select_related("run_by").first(),
            late=late_requests(open_requests)[:OPEN_REQUESTS_SHOWN],
            open_count=open_requests.count(),
            waiting_runs=list(
                DisposalRun.objects.filter(
                    status__in=[DisposalRunStatus.PROPOSED, DisposalRunStatus.APPROVED]
                ).select_related("proposed_by", "approved_by")
            ),
        )
    return render(request, "archive/home.html", context)


class CappedPaginator(Paginator):
    """Counts the matches up to SEARCH_COUNT_CAP and says "more than" beyond.

    An exact count of a common word's matches among a million records took
    seconds (BENCHMARKS.md, 4.); nobody reads past the first pages of such a
    result, so the search counts at most SEARCH_COUNT_CAP + 1 rows.
    """

    cap = SEARCH_COUNT_CAP

    @cached_property
    def count(self):
        # Without the page's ordering: sorting every match first is what took the time.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


@reader_required
def search(request):
    form = RecordSearchForm(request.GET or None)
    records = permissions.records_visible_to(request.user)
    if form.is_bound:
        records = record_search(records, form.filters())
        # Several channels can match the channel's text (forms.RecordSearchForm).
        channel_ids = form.channel_ids()
        if channel_ids is not None:
            records = records.filter(channel__in=channel_ids)
    records = records.with_related().with_current_annotations().order_by("-acted_at", "-pk")
    page = CappedPaginator(records, PAGE_SIZE).get_page(request.GET.get("sida"))
    shown = [record.pk for record in page.object_list]
    if shown:
        access_log(
            user=request.user,
            action=AccessLog.Action.SEARCH,
            record_ids=shown,
            detail=query_without_page(request),
        )
    return render(
        request,
        "archive/search.html",
        {"form": form, "page": page, "query": query_without_page(request)},
    )


def _record_for_page(user, pk):
    return get_object_or_404(
        permissions.records_visible_to(user)
        .with_related()
        .prefetch_related(
            Prefetch("annotations", queryset=RecordAnnotation.objects.select_related("created_by")),
            Prefetch("legal_holds", queryset=LegalHold.objects.select_related("created_by")),
        ),
        pk=pk,
    )


@reader_required
def record_detail(request, pk):
    record = _record_for_page(request.user, pk)
    access_log(user=request.user, action=AccessLog.Action.VIEW, record_ids=[record.pk])
    can_manage = permissions.user_can_annotate_record(request.user, record)
    context = {
        "record": record,
        "content_json": json.dumps(record.content, ensure_ascii=False, indent=2),
        "can_manage": can_manage,
        "confidential": record.current_confidentiality,
        "rule": RetentionRule.objects.filter(record_type=record.record_type).first(),
    }
    if can_manage:
        confidential, legal_basis = record.current_confidentiality
        context.update(
            registration_form=RegistrationNumberForm(
                initial={"registration_number": record.current_registration_number}
            ),
            confidentiality_form=ConfidentialityForm(
                initial={"confidential": confidential, "legal_basis": legal_basis}
            ),
            hold_form=ReasonForm(prefix="hold"),
            channel_holds=list(
                LegalHold.objects.filter(channel_id=record.channel_id, released_at__isnull=True)
            ),
            requests=list(
                PublicRecordRequest.objects.filter(
                    pk__in=RequestRecord.objects.filter(record=record).values("request_id")
                )
            ),
        )
    return render(request, "archive/record_detail.html", context)


def _back_to_record(record):
    return redirect("archive:record_detail", record.pk)


@registrar_required
@require_POST
def record_registration_number(request, pk):
    record = _record_for_page(request.user, pk)
    form = RegistrationNumberForm(request.POST)
    if form.is_valid():
        try:
            record_services.record_set_registration_number(
                record=record,
                actor=request.user,
                registration_number=form.cleaned_data["registration_number"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The registration number is recorded."))
    else:
        messages.error(request, _("Enter the registration number."))
    return _back_to_record(record)


@registrar_required
@require_POST
def record_confidentiality(request, pk):
    record = _record_for_page(request.user, pk)
    form = ConfidentialityForm(request.POST)
    if form.is_valid():
        try:
            record_services.record_set_confidentiality(
                record=record,
                actor=request.user,
                confidential=form.cleaned_data["confidential"],
                legal_basis=form.cleaned_data["legal_basis"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The confidentiality marking is recorded."))
    else:
        messages.error(request, _("State the legal basis for the confidentiality."))
    return _back_to_record(record)


@registrar_required
@require_POST
def record_hold(request, pk):
    record = _record_for_page(request.user, pk)
    form = ReasonForm(request.POST, prefix="hold")
    if form.is_valid():
        try:
            disposal_services.legal_hold_place(
                actor=request.user, reason=form.cleaned_data["reason"], record=record
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The record is held from disposal."))
    else:
        messages.error(request, _("State the reason for the legal hold."))
    return _back_to_record(record)


def _hold_list_page(request, *, channel_form, form, status=200):
    holds = LegalHold.objects.select_related(
        "channel", "channel__platform", "created_by", "released_by"
    )
    page = Paginator(holds, PAGE_SIZE).get_page(request.GET.get("sida"))
    if channel_form.is_bound:
        channel_form.is_valid()
    return render(
        request,
        "archive/hold_list.html",
        {"page": page, "channel_form": channel_form, "form": form},
        status=status,
    )


@registrar_required
def hold_list(request):
    """The legal holds, and the search for a channel to hold (`channel_q`)."""
    channel_form = ChannelHoldForm(request.GET if "channel_q" in request.GET else None)
    return _hold_list_page(request, channel_form=channel_form, form=ReasonForm(prefix="hold"))


@registrar_required
@require_POST
def channel_hold(request):
    """Hold every record of a channel the registrar chose among those listed by name."""
    channel_form = ChannelHoldForm(request.POST, choosing=True)
    form = ReasonForm(request.POST, prefix="hold")
    # Both validated, so that every error shows next to its field.
    valid = channel_form.is_valid()
    if not (form.is_valid() and valid):
        return _hold_list_page(request, channel_form=channel_form, form=form, status=400)
    channel = channel_form.cleaned_data["channel"]
    disposal_services.legal_hold_place(
        actor=request.user, reason=form.cleaned_data["reason"], channel=channel
    )
    messages.success(
        request,
        _("Every record of %(channel)s is held from disposal.") % {"channel": channel},
    )
    return redirect("archive:hold_list")


@registrar_required
@require_POST
def hold_release(request, pk):
    hold = get_object_or_404(LegalHold, pk=pk)
    try:
        # Cleaned as a form field would be: a NUL, which no database stores, is refused.
        reason = forms.CharField(required=False).clean(request.POST.get("reason", ""))
        disposal_services.legal_hold_release(hold=hold, actor=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The legal hold is released."))
    if hold.record_id:
        return _back_to_record(hold.record)
    return redirect("archive:hold_list")


@registrar_required
@require_POST
def verify(request):
    run = verification_run(actor=request.user)
    if run.ok:
        messages.success(request, run.message)
    else:
        messages.error(request, run.message)
    return redirect("archive:home")


@registrar_required
def access_log_list(request):
    entries = AccessLog.objects.select_related("user", "request")
    page = Paginator(entries, 50).get_page(request.GET.get("sida"))
    return render(request, "archive/access_log.html", {"page": page})


@reader_required
def retention_rules(request):
    rules = RetentionRule.objects.all()
    return render(request, "archive/retention_rules.html", {"rules": rules})
