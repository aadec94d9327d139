"""Reply templates: the communicator keeps the approved texts handlers pick from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.exceptions import ServiceError
from core.forms import apply_validation_error
from moderation import permissions, services
from moderation.forms import ReplyTemplateForm

FIELDS = ("title", "purpose", "text", "active", "position")


@login_required
@require_http_methods(["GET", "POST"])
def reply_template_list(request):
    """The list of templates with a form for a new one."""
    if not permissions.user_can_manage_reply_templates(request.user):
        raise Http404
    form = ReplyTemplateForm(request.POST or None, prefix="new")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply_template_create(
                    actor=request.user, data={k: form.cleaned_data[k] for k in FIELDS}
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The reply template is saved."))
                return redirect("moderation:reply_template_list")
        status = 400
    templates = permissions.reply_templates_visible_to(request.user).select_related("updated_by")
    return render(
        request,
        "moderation/reply_template_list.html",
        {"form": form, "templates": list(templates)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_template_edit(request, pk):
    if not permissions.user_can_manage_reply_templates(request.user):
        raise Http404
    template = get_object_or_404(permissions.reply_templates_visible_to(request.user), pk=pk)
    form = ReplyTemplateForm(request.POST or None, instance=template, prefix="edit")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply_template_update(
                    template=template,
                    actor=request.user,
                    data={k: form.cleaned_data[k] for k in FIELDS},
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The reply template is saved."))
                return redirect("moderation:reply_template_list")
        status = 400
    return render(
        request,
        "moderation/reply_template_form.html",
        {"form": form, "template": template},
        status=status,
    )
