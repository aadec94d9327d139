"""Absences: a handler records theirs and names a substitute; and ends them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.exceptions import ServiceError
from core.forms import apply_validation_error
from moderation import permissions, services
from moderation.forms import AbsenceForm
from moderation.models import Absence

LIST_LIMIT = 50


@login_required
@require_http_methods(["GET", "POST"])
def absence_list(request):
    user = request.user
    if not permissions.user_can_record_absence(user):
        raise Http404
    form = AbsenceForm(
        request.POST or None, candidates=services.substitute_candidates(user), prefix="absence"
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.absence_create(
                    user=user,
                    actor=user,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    substitute=data["substitute"],
                    note=data["note"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your absence is recorded."))
                return redirect("moderation:absence_list")
        status = 400
    now = timezone.now()
    related = ("user", "substitute", "created_by")
    mine = (
        Absence.objects.filter(user=user)
        .select_related(*related)
        .order_by("-starts_at", "-pk")[:LIST_LIMIT]
    )
    covering = (
        Absence.objects.not_ended(now)
        .filter(substitute=user)
        .select_related(*related)
        .order_by("starts_at", "pk")[:LIST_LIMIT]
    )
    everyone = None
    if roles.is_communicator(user):
        everyone = (
            Absence.objects.not_ended(now)
            .select_related(*related)
            .order_by("starts_at", "pk")[:LIST_LIMIT]
        )
    return render(
        request,
        "moderation/absence_list.html",
        {
            "form": form,
            "mine": list(mine),
            "covering": list(covering),
            "everyone": list(everyone) if everyone is not None else None,
            "now": now,
        },
        status=status,
    )


@login_required
@require_POST
def absence_end(request, pk):
    absence = get_object_or_404(permissions.absences_visible_to(request.user), pk=pk)
    try:
        services.absence_end(absence=absence, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The absence is ended."))
    return redirect("moderation:absence_list")
