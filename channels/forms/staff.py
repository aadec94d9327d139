"""Forms of the communicator's side of the register and of the channel actions.

The forms only parse and check input; every write goes through
channels/services. Action forms carry the channel's version in a hidden field
so that an action taken on an outdated page is refused instead of applied.
Forms shown together on the channel page get a prefix each, so that no two
fields share an id.
"""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels.addresses import belongs_to_platform, normalize
from channels.forms.applications import valid_phone
from channels.models import Channel, ChannelStatus, Platform, PoliticalLink
from core.forms import ModelMultipleChoiceField
from core.models import Unit


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    # The templates write the <form> tag and its {% csrf_token %} themselves.
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


# --- The list's filters ------------------------------------------------------


class ChannelFilterForm(forms.Form):
    """Search and filters of the staff channel list (a GET form)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Name, address or platform account id."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ChannelStatus.choices],
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.all(), empty_label=_("All units")
    )
    platform = forms.ModelChoiceField(
        label=_("Platform"),
        required=False,
        queryset=Platform.objects.all(),
        empty_label=_("All platforms"),
    )
    review = forms.BooleanField(
        label=_("Only channels not confirmed within the review period"), required=False
    )

    def __init__(self, *args, show_review=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_review:
            del self.fields["review"]
        self.helper = _helper(
            Row(
                Column("q", css_class="col-md-4"),
                Column("status", css_class="col-md-2"),
                Column("unit", css_class="col-md-3"),
                Column("platform", css_class="col-md-3"),
            ),
            *(["review"] if show_review else []),
        )

    def filters(self) -> dict:
        """The valid filters given; a wrong value in one is ignored rather than refused."""
        self.is_valid()
        return {
            key: value
            for key, value in getattr(self, "cleaned_data", {}).items()
            if value not in (None, "", False)
        }


# --- Registering and editing ------------------------------------------------------


class _ChannelFieldsForm(forms.ModelForm):
    """Checks shared by the register and edit forms."""

    class Meta:
        model = Channel
        fields = [
            "display_name",
            "address",
            "account_id",
            "purpose",
            "target_group",
            "public_email",
            "public_phone",
        ]
        labels = {
            "display_name": _("Name shown in the register"),
            "address": _("Address"),
            "account_id": _("Platform account id"),
            "purpose": _("Purpose"),
            "target_group": _("Target group"),
            "public_email": _("Public e-mail"),
            "public_phone": _("Public phone"),
        }
        help_texts = {
            "display_name": _("The account's name as the public sees it on the platform."),
            "address": _("The account's web address or handle."),
            "account_id": _(
                "A Facebook page id, an Instagram account id or a Mastodon account URI. "
                "Used to recognise the account when it is renamed."
            ),
            "public_email": _(
                "A functional address that the public may use, e.g. the unit's shared "
                "mailbox. Not a person's own address."
            ),
            "public_phone": _("A functional number, e.g. the unit's switchboard. Optional."),
        }
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "target_group": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_address(self):
        return self.cleaned_data["address"].strip()

    def clean_public_phone(self):
        phone = self.cleaned_data["public_phone"].strip()
        if phone and not valid_phone(phone):
            raise forms.ValidationError(
                _(
                    "Write the phone number in Swedish (0240-123 45) or international "
                    "(+46 240 123 45) form."
                )
            )
        return phone

    def check_address(self, platform):
        address = self.cleaned_data.get("address")
        if not (platform and address):
            return
        if not belongs_to_platform(address, platform.kind):
            self.add_error(
                "address",
                _("This is not an address or handle on %(platform)s.") % {"platform": platform},
            )
            return
        # Checked here as well as in the service, whose full_clean() reports a
        # duplicate as a bare constraint violation rather than at the field.
        others = Channel.objects.not_closed().filter(
            normalized_address=normalize(address, platform.kind)
        )
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            self.add_error(
                "address", _("This account is already registered as an official channel.")
            )

    def channel_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class ChannelRegisterForm(_ChannelFieldsForm):
    """The communicator's registration of an approved application.

    Address, purpose and target group come from the application; the public
    contact starts empty, because the application names persons and the
    register shows a functional contact chosen by the communicator.
    """

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "address": application.address,
                "purpose": application.purpose,
                "target_group": application.target_group,
            },
        )
        super().__init__(*args, **kwargs)
        self.application = application
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        self.check_address(self.application.platform)
        return cleaned


class ChannelEditForm(_ChannelFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(_ChannelFieldsForm.Meta):
        fields = [
            "display_name",
            "unit",
            "platform",
            "address",
            "account_id",
            "purpose",
            "target_group",
            "public_email",
            "public_phone",
            "response_target",
        ]
        labels = {**_ChannelFieldsForm.Meta.labels, "unit": _("Unit"), "platform": _("Platform")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.order_by("name")
        self.fields["platform"].queryset = Platform.objects.all()
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        self.check_address(cleaned.get("platform"))
        return cleaned


# --- Actions on the channel page ----------------------------------------------------


class VersionForm(forms.Form):
    """An action on the channel as the user saw it."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, channel=None, **kwargs):
        if channel is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].setdefault("version", channel.version)
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class PublishForm(VersionForm):
    prefix = "publish"


class UnpublishForm(VersionForm):
    prefix = "unpublish"

    comment = forms.CharField(
        label=_("Why is it unpublished? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown in the channel's history."),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CloseForm(VersionForm):
    prefix = "close"

    closure_date = forms.DateField(
        label=_("Date the presence ends"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for the reported date or, if none was reported, today."),
    )
    reason = forms.CharField(
        label=_("Reason for closing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, channel=None, **kwargs):
        if channel is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].setdefault("closure_date", channel.closure_date)
            kwargs["initial"].setdefault("reason", channel.closure_reason)
        super().__init__(*args, channel=channel, **kwargs)


class ReportClosureForm(VersionForm):
    prefix = "report"

    closure_date = forms.DateField(label=_("Date the presence ends"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the activity has ended, or the unit uses another channel."),
    )


class ConfirmReviewForm(VersionForm):
    prefix = "review"

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Handlers -----------------------------------------------------------------


# The longest user name or e-mail address an account can have (EmailField's 254).
MAX_LOGIN_LENGTH = 254


class HandlersForm(forms.Form):
    """Keep or remove the current handlers and add others by user name or e-mail.

    Adding by name rather than from a list of every account keeps the page
    small and usable with a keyboard in an organisation with thousands of users.
    """

    handlers = ModelMultipleChoiceField(
        label=_("Current handlers"),
        required=False,
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick a person to remove them as a handler."),
    )
    add = forms.CharField(
        label=_("Add handlers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "User names or e-mail addresses of active users, separated by commas or lines."
        ),
    )

    def __init__(self, *args, channel, **kwargs):
        kwargs.setdefault("initial", {"handlers": list(channel.handlers.all())})
        super().__init__(*args, **kwargs)
        self.fields["handlers"].queryset = channel.handlers.order_by("first_name", "username")
        self.fields["handlers"].label_from_instance = _user_label
        self.helper = _helper()

    def clean_add(self):
        User = get_user_model()
        users, unknown = [], []
        for token in re.split(r"[,;\s]+", self.cleaned_data["add"]):
            if not token:
                continue
            if len(token) > MAX_LOGIN_LENGTH:
                # No account has such a name; SQLite would refuse the pattern as too long.
                unknown.append(token[:MAX_LOGIN_LENGTH] + "…")
                continue
            matches = list(
                User.objects.filter(is_active=True).filter(
                    Q(username__iexact=token) | Q(email__iexact=token)
                )[:2]
            )
            if len(matches) == 1:
                users.append(matches[0])
            else:
                unknown.append(token)
        if unknown:
            raise forms.ValidationError(
                _("No single active user has the user name or e-mail %(names)s.")
                % {"names": ", ".join(unknown)}
            )
        return users

    def chosen_handlers(self) -> list:
        chosen = {user.pk: user for user in self.cleaned_data["handlers"]}
        for user in self.cleaned_data["add"]:
            chosen.setdefault(user.pk, user)
        return list(chosen.values())


def _user_label(user) -> str:
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


# --- Political links ------------------------------------------------------------


class PoliticalLinkForm(forms.ModelForm):
    url = forms.URLField(label=_("Web address"), max_length=500, assume_scheme="https")

    class Meta:
        model = PoliticalLink
        fields = ["party", "person", "body", "url", "is_active"]
        labels = {
            "party": _("Party"),
            "person": _("Representative"),
            "body": _("Council or committee"),
            "is_active": _("Shown on the public page"),
        }
        help_texts = {"url": _("The representative's blog or similar.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def link_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}
