"""Requests for public records: list, create, attach records, mask, copy, close."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from archive import permissions
from archive.forms import AttachRecordsForm, CloseRequestForm, MaskForm, RequestForm
from archive.models import Mask, RequestStatus
from archive.selectors import request_due_at, working_calendar
from archive.services import requests as services
from archive.views.common import PAGE_SIZE, registrar_required
from core.exceptions import ServiceError
from core.forms import apply_validation_error


def _visible_request(user, pk):
    return get_object_or_404(permissions.requests_visible_to(user), pk=pk)


@registrar_required
def request_list(request):
    status = request.GET.get("status", RequestStatus.OPEN)
    if status not in RequestStatus.values:
        status = RequestStatus.OPEN
    requests = (
        permissions.requests_visible_to(request.user)
        .filter(status=status)
        .select_related("created_by")
        .order_by("received_at", "pk")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("sida"))
    calendar, now = working_calendar(), timezone.now()
    for item in page.object_list:
        item.due_at = request_due_at(item, calendar)
        item.late = item.is_open and now > item.due_at
    return render(
        request,
        "archive/request_list.html",
        {"page": page, "status": status, "query": f"status={status}"},
    )


@registrar_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The request is recorded. Attach the records it asks for."))
            return redirect(created)
    return render(
        request,
        "archive/request_form.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _record_choices(request_obj):
    return [
        (link.record_ref, _("Record %(number)s") % {"number": link.record_ref})
        for link in request_obj.request_records.all()
        if link.record_id
    ]


@registrar_required
def request_detail(request, pk):
    request_obj = _visible_request(request.user, pk)
    links = list(
        request_obj.request_records.select_related(
            "record", "record__channel", "record__channel__platform"
        )
    )
    masks = list(request_obj.masks.select_related("created_by"))
    return render(
        request,
        "archive/request_detail.html",
        {
            "req": request_obj,
            "links": links,
            "masks": masks,
            "due_at": request_due_at(request_obj),
            "late": request_obj.is_open and timezone.now() > request_due_at(request_obj),
            "can_change": permissions.user_can_change_request(request.user, request_obj),
            "attach_form": AttachRecordsForm(),
            "mask_form": MaskForm(record_choices=_record_choices(request_obj)),
            "close_form": CloseRequestForm(),
        },
    )


@registrar_required
@require_POST
def request_attach(request, pk):
    request_obj = _visible_request(request.user, pk)
    form = AttachRecordsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter record numbers only."))
        return redirect(request_obj)
    wanted = form.cleaned_data["records"]
    records = list(permissions.records_visible_to(request.user).filter(pk__in=wanted))
    missing = sorted(set(wanted) - {record.pk for record in records})
    try:
        added = services.request_attach_records(
            request=request_obj, actor=request.user, records=records
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(request_obj)
    if added:
        messages.success(request, _("%(count)s records attached.") % {"count": added})
    if missing:
        messages.error(
            request,
            _("No record with number: %(numbers)s") % {"numbers": ", ".join(map(str, missing))},
        )
    return redirect(request_obj)


@registrar_required
@require_POST
def request_detach(request, pk, record_id):
    request_obj = _visible_request(request.user, pk)
    try:
        services.request_detach_record(request=request_obj, actor=request.user, record_id=record_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The record is no longer attached."))
    return redirect(request_obj)


@registrar_required
@require_POST
def request_mask(request, pk):
    request_obj = _visible_request(request.user, pk)
    form = MaskForm(request.POST, record_choices=_record_choices(request_obj))
    if form.is_valid():
        record = permissions.records_visible_to(request.user).get(pk=form.cleaned_data["record"])
        try:
            services.mask_add(
                request=request_obj,
                actor=request.user,
                record=record,
                text=form.cleaned_data["text"],
                legal_basis=form.cleaned_data["legal_basis"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The text is masked in the copy."))
    else:
        messages.error(request, _("Choose the record, the text to mask and the legal basis."))
    return redirect(request_obj)


@registrar_required
@require_POST
def request_unmask(request, pk, mask_pk):
    request_obj = _visible_request(request.user, pk)
    mask = get_object_or_404(Mask, pk=mask_pk, request=request_obj)
    try:
        services.mask_remove(mask=mask, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The mask is removed."))
    return redirect(request_obj)


@registrar_required
def request_export(request, pk, kind):
    request_obj = _visible_request(request.user, pk)
    try:
        body, name = services.request_export(request=request_obj, actor=request.user, kind=kind)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(request_obj)
    content_type = "application/pdf" if kind == "pdf" else "application/zip"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@registrar_required
@require_POST
def request_close(request, pk):
    request_obj = _visible_request(request.user, pk)
    form = CloseRequestForm(request.POST)
    form.is_valid()
    try:
        services.request_close(
            request=request_obj,
            actor=request.user,
            outcome=form.cleaned_data.get("outcome", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request is closed."))
    return redirect(request_obj)
