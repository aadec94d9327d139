"""Forms of the moderation staff pages; they parse input, the services write."""

from datetime import timedelta

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.models import ItemKind
from moderation.models.items import (
    ID_MAX_LENGTH,
    MAX_ATTACHMENTS,
    MAX_URL_LENGTH,
    NAME_MAX_LENGTH,
)

# Clocks differ a little; a time further ahead than this is a typing error.
FUTURE_TOLERANCE = timedelta(minutes=5)

_validate_url = URLValidator(schemes=["http", "https"])


def _helper() -> FormHelper:
    helper = FormHelper()
    # The templates write the <form> tag and its {% csrf_token %} themselves.
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class ChannelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.platform})"


class ItemRegisterForm(forms.Form):
    """An item a handler saw on the platform and registers by hand."""

    channel = ChannelChoiceField(label=_("Channel"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    sender_name = forms.CharField(
        label=_("Sender's name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=_("The name shown on the platform."),
    )
    sender_id = forms.CharField(
        label=_("Sender's account or id"),
        max_length=ID_MAX_LENGTH,
        required=False,
        help_text=_("For example the sender's user name or profile address, if you know it."),
    )
    platform_created_at = forms.DateTimeField(
        label=_("Written on the platform"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Date and time, as shown on the platform."),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        strip=False,
        help_text=_("Copy the text exactly as it was written."),
    )
    attachments = forms.CharField(
        label=_("Attachment links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Addresses of images, videos or files, one per line."),
    )
    external_id = forms.CharField(
        label=_("Platform id or link"),
        max_length=ID_MAX_LENGTH,
        required=False,
        help_text=_(
            "The comment's or message's id or link on the platform, if you have it. It "
            "keeps the same item from being registered twice."
        ),
    )
    expects_answer = forms.BooleanField(label=_("Expects an answer"), required=False)

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels.select_related("platform")
        self.helper = _helper()

    def clean_platform_created_at(self):
        value = self.cleaned_data["platform_created_at"]
        if value and value > timezone.now() + FUTURE_TOLERANCE:
            raise ValidationError(_("The time cannot be in the future."))
        return value

    def clean_attachments(self):
        lines = [line.strip() for line in self.cleaned_data["attachments"].splitlines()]
        urls = [line for line in lines if line]
        if len(urls) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(count)d links.") % {"count": MAX_ATTACHMENTS}, code="max"
            )
        for url in urls:
            if len(url) > MAX_URL_LENGTH:
                raise ValidationError(_("A link is too long."), code="max_length")
            try:
                _validate_url(url)
            except ValidationError as error:
                raise ValidationError(
                    _("“%(url)s” is not a web address (http or https).") % {"url": url},
                    code="invalid",
                ) from error
        return urls

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("attachments"):
            self.add_error("text", _("Give the text or at least one attachment link."))
        return cleaned

    def item_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("channel")
        return data


class UnhandledFilterForm(forms.Form):
    SHOW_CHOICES = [
        ("unresolved", _("Not handled")),
        ("resolved", _("Handled")),
        ("all", _("All")),
    ]

    visa = forms.ChoiceField(label=_("Show"), choices=SHOW_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def show(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["visa"]:
            return self.cleaned_data["visa"]
        return "unresolved"
