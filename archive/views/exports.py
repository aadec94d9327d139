"""E-ARK exports: small selections answered at once, large ones by a task."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from archive import permissions
from archive.forms import ExportForm
from archive.models import AccessLog, ExportStatus
from archive.services import exports as services
from archive.services.audit import access_log
from archive.views.common import registrar_required
from core.exceptions import ServiceError

EXPORTS_SHOWN = 30


@registrar_required
@require_http_methods(["GET", "POST"])
def export_list(request):
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        selection = services.Selection(
            channel=form.cleaned_data["channel"],
            record_type=form.cleaned_data["record_type"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
        count = selection.records().count()
        try:
            if count and count <= settings.ARCHIVE_EXPORT_INLINE_LIMIT:
                handle = services.sip_response_file(selection=selection, actor=request.user)
                name = f"arkivpaket-{timezone.localtime():%Y%m%d-%H%M%S}.zip"
                return FileResponse(
                    handle, as_attachment=True, filename=name, content_type="application/zip"
                )
            export = services.export_create(actor=request.user, selection=selection)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The export of %(count)s records has started.") % {"count": export.total},
            )
            return redirect(export)
    exports = permissions.exports_visible_to(request.user).select_related("channel", "created_by")[
        :EXPORTS_SHOWN
    ]
    return render(
        request,
        "archive/export_list.html",
        {
            "form": form,
            "exports": exports,
            "inline_limit": settings.ARCHIVE_EXPORT_INLINE_LIMIT,
        },
        status=400 if form.is_bound else 200,
    )


@registrar_required
def export_detail(request, pk):
    export = get_object_or_404(
        permissions.exports_visible_to(request.user).select_related("channel", "created_by"), pk=pk
    )
    return render(request, "archive/export_detail.html", {"export": export})


@registrar_required
def export_download(request, pk):
    export = get_object_or_404(permissions.exports_visible_to(request.user), pk=pk)
    if export.status != ExportStatus.DONE:
        messages.error(request, _("The export is not ready."))
        return redirect(export)
    path = services.export_path(export)
    if not path.is_file():
        raise Http404
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT_SIP,
        record_ids=[],
        detail=_("Export %(number)s downloaded") % {"number": export.pk},
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type="application/zip",
    )
