"""Views of channel applications: the form, the applicant's and the manager's lists,
the application page with its history and the manager's decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from channels import permissions
from channels.forms.applications import ApplicationForm, DecisionForm
from channels.models import ApplicationEvent, ChannelApplication
from channels.services import applications as services
from core.exceptions import ServiceError
from core.forms import apply_validation_error

PAGE_SIZE = 50


def _visible_application(user, pk):
    queryset = permissions.applications_visible_to(user).with_related()
    return get_object_or_404(queryset, pk=pk)


@login_required
def application_list(request):
    """The applicant's own applications with their status."""
    applications = (
        ChannelApplication.objects.filter(applicant=request.user)
        .with_related()
        .order_by("-created_at")
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("sida"))
    return render(request, "channels/applications/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request):
    submitting = "submit" in request.POST
    form = ApplicationForm(request.POST or None, submitting=submitting)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                applicant=request.user,
                data=form.application_data(),
                contacts=form.contacts(),
                submit=submitting,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if submitting:
                messages.success(request, _("The application has been sent to your manager."))
            else:
                messages.success(request, _("The draft has been saved."))
            return redirect(application)
    return render(request, "channels/applications/form.html", {"form": form, "application": None})


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = _visible_application(request.user, pk)
    if not permissions.user_can_edit_application(request.user, application):
        if application.applicant_id == request.user.pk:
            messages.error(request, _("The application can no longer be changed."))
            return redirect(application)
        raise Http404
    submitting = "submit" in request.POST
    form = ApplicationForm(request.POST or None, instance=application, submitting=submitting)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_update(
                application=application,
                actor=request.user,
                data=form.application_data(),
                contacts=form.contacts(),
                expected_version=form.cleaned_data.get("version"),
                submit=submitting,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect(application)
        else:
            if submitting:
                messages.success(request, _("The application has been sent to your manager."))
            else:
                messages.success(request, _("The draft has been saved."))
            return redirect(application)
    return render(
        request,
        "channels/applications/form.html",
        {"form": form, "application": application},
    )


def _application_for_page(user, pk):
    """The application with everything its page shows, if the user may see it."""
    return get_object_or_404(
        permissions.applications_visible_to(user)
        .with_related()
        .prefetch_related(
            "contacts",
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
        ),
        pk=pk,
    )


def _render_detail(request, application, decision_form, status=200):
    return render(
        request,
        "channels/applications/detail.html",
        {
            "application": application,
            "decision_form": decision_form,
            "can_edit": permissions.user_can_edit_application(request.user, application),
            "can_register": permissions.user_can_register_channels(request.user)
            and application.status == "approved"
            and not application.registered_at,
            "deciders": permissions.deciding_managers(application.unit),
        },
        status=status,
    )


@login_required
def application_detail(request, pk):
    application = _application_for_page(request.user, pk)
    can_decide = permissions.user_can_decide_application(request.user, application)
    decision_form = DecisionForm(initial={"version": application.version}) if can_decide else None
    return _render_detail(request, application, decision_form)


@login_required
@require_POST
def application_submit(request, pk):
    application = _visible_application(request.user, pk)
    if application.applicant_id != request.user.pk:
        raise Http404
    try:
        services.application_submit(
            application=application,
            actor=request.user,
            expected_version=_int_or_none(request.POST.get("version")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application has been sent to your manager."))
    return redirect(application)


@login_required
@require_POST
def application_delete(request, pk):
    application = _visible_application(request.user, pk)
    if application.applicant_id != request.user.pk:
        raise Http404
    try:
        services.application_delete_draft(
            application=application,
            actor=request.user,
            expected_version=_int_or_none(request.POST.get("version")),
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(application)
    messages.success(request, _("The draft has been deleted."))
    return redirect("channels:application_list")


@login_required
@require_POST
def application_decide(request, pk):
    application = _visible_application(request.user, pk)
    if application.applicant_id == request.user.pk or (
        application.unit_id not in permissions.unit_ids_decided_by(request.user)
    ):
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        comment = form.cleaned_data["comment"]
        version = form.cleaned_data["version"]
        try:
            if decision == "approve":
                services.application_approve(
                    application=application,
                    actor=request.user,
                    comment=comment,
                    expected_version=version,
                )
                messages.success(
                    request,
                    _("The application is approved and has been sent to the communicator."),
                )
            elif decision == "reject":
                services.application_reject(
                    application=application,
                    actor=request.user,
                    reason=comment,
                    expected_version=version,
                )
                messages.success(request, _("The application is rejected."))
            else:
                services.application_return(
                    application=application,
                    actor=request.user,
                    comment=comment,
                    expected_version=version,
                )
                messages.success(request, _("The application has been returned for changes."))
        except ValidationError as error:
            apply_validation_error(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect(application)
        else:
            return redirect("channels:application_decide_list")
    # Show the form again with its errors next to the fields.
    application = _application_for_page(request.user, application.pk)
    return _render_detail(request, application, form, status=400)


@login_required
def application_decide_list(request):
    """The applications waiting for this manager's decision, their units only."""
    if not permissions.unit_ids_decided_by(request.user):
        raise Http404
    waiting = (
        permissions.applications_to_decide(request.user).with_related().order_by("submitted_at")
    )
    decided = (
        permissions.applications_visible_to(request.user)
        .filter(unit_id__in=permissions.unit_ids_decided_by(request.user))
        .exclude(status__in=["draft", "submitted"])
        .with_related()
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "channels/applications/decide_list.html",
        {"waiting": waiting, "decided": decided},
    )


@login_required
def application_registration_list(request):
    """Approved applications waiting to be registered by a communicator."""
    if not permissions.user_can_register_channels(request.user):
        raise Http404
    waiting = (
        ChannelApplication.objects.waiting_for_registration().with_related().order_by("decided_at")
    )
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("sida"))
    return render(request, "channels/applications/registration_list.html", {"page": page})


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
