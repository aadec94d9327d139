"""Forms of the moderation staff pages; they parse input, the services write."""

from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels.forms.matches import (
    ChannelNumberField,
    Rendered,
    channel_matches_html,
    find_matches,
    numbered_channel,
    show_channel,
)
from channels.models import Channel
from channels.selectors import (
    ChannelMatches,
    channels_matching,
    folded,
)
from core.forms import ModelMultipleChoiceField
from moderation.models import ContentRule, ItemComment, ItemKind, ItemState, ReplyTemplate
from moderation.models.items import (
    ID_MAX_LENGTH,
    MAX_ATTACHMENTS,
    MAX_URL_LENGTH,
    NAME_MAX_LENGTH,
)

# The largest id a row can have (a BigAutoField).
MAX_ID = 2**63 - 1

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


# --- The queue --------------------------------------------------------------------------------

NOTE_HELP = _("For the item's history; not shown to the writer.")


# A queue over more channels than this filters by a text field instead of a <select>:
# a communicator's choices were thousands of channels, a megabyte of HTML a page.
CHANNEL_SELECT_LIMIT = 50


class QueueFilterForm(forms.Form):
    """Filters of the queue, read from the query string.

    The channel is a <select> of the user's channels when they are few (a
    handler's), and otherwise (`channels=None`: a communicator; or more than
    CHANNEL_SELECT_LIMIT) the text field `kanal_q`: part of a channel's name,
    handle or address, as the archive search takes it (channels.selectors).
    `kanal=<id>` names one channel either way, as links do, and the text field
    then shows it by name. A text that matches several channels shows the items
    of all of them and lists them (up to CHANNEL_MATCHES_LISTED) with a link
    each; one that matches none, or a link to a channel that does not exist,
    is an error on the field.
    """

    OPEN = "open"
    ALL = "all"

    kanal = ChannelChoiceField(label=_("Channel"), queryset=None, required=False)
    typ = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("State"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    channel_matches: ChannelMatches | None = None

    def __init__(self, *args, channels, channel_ids=None, **kwargs):
        """`channels`: the select's choices (a queryset, read only if the select is shown).
        `channel_ids`: the ids of the user's channels, None for every channel."""
        super().__init__(*args, **kwargs)
        self.channel_ids = channel_ids
        self.by_text = channel_ids is None or len(channel_ids) > CHANNEL_SELECT_LIMIT
        if self.by_text:
            self.fields["kanal"] = ChannelNumberField()
            self.fields["kanal_q"] = forms.CharField(
                label=_("Channel"),
                required=False,
                max_length=200,
                help_text=_("Part of the channel's name, handle or address."),
                widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
            )
            self.order_fields(["kanal_q", "kanal"])
        else:
            self.fields["kanal"].queryset = channels
            self.fields["kanal"].empty_label = _("All channels")
        self.fields["typ"].choices = [("", _("All kinds")), *ItemKind.choices]
        self.fields["status"].choices = [
            (self.OPEN, _("Waiting (open or forwarded)")),
            *ItemState.choices,
            (self.ALL, _("All states")),
        ]
        self.helper = _helper()
        self.helper.form_class = "row g-2"
        if self.by_text:
            self.helper.layout = Layout(
                "kanal_q", "kanal", Rendered(self.channel_matches_html), "typ", "status", "q"
            )

    # --- The channel as text

    def _channels(self, text: str):
        """The user's channels that `text` matches."""
        channels = channels_matching(text)
        if self.channel_ids is not None:
            channels = channels.filter(pk__in=self.channel_ids)
        return channels

    def clean(self):
        data = super().clean()
        if self.by_text:
            self.channel_matches = None
            data["kanal"] = None
            if "kanal_q" not in self._errors:
                self.channel_matches = self._match_channels(data.get("kanal_q") or "")
                if self.channel_matches is not None:
                    data["kanal"] = self.channel_matches.chosen
        return data

    def _match_channels(self, text: str) -> ChannelMatches | None:
        text = text.strip()
        chosen, bad_number = self._numbered_channel()
        if bad_number and ("kanal_q" not in self.data or not text):
            self.add_error("kanal_q", _("The link names a channel that does not exist."))
            self._show(text=text, number="")
            return None
        if chosen is not None and (
            "kanal_q" not in self.data or folded(text) == folded(str(chosen))
        ):
            # A link, or the chosen channel as the field shows it.
            self._show(text=str(chosen), number=chosen.pk)
            return ChannelMatches(channels=(chosen,))
        # The text decides; a number left from an earlier choice no longer counts.
        self._show(text=text, number="")
        if not text:
            return None
        matches = find_matches(self._channels(text), text)
        if not matches.channels:
            self.add_error("kanal_q", _("No channel matches “%(text)s”.") % {"text": text})
        return matches

    def _numbered_channel(self) -> tuple[Channel | None, bool]:
        """The channel `kanal` names among the user's, and whether it names none of them."""
        return numbered_channel(self.data.get("kanal", ""), among=self.channel_ids)

    def _show(self, *, text: str, number) -> None:
        show_channel(self, text_name="kanal_q", id_name="kanal", text=text, number=number)

    def channel_item_ids(self) -> list[int] | None:
        """The channels whose items the queue shows when the text matches several or
        none (`channel__in`); None when the filter is one channel or every channel."""
        if not (self.by_text and self.is_bound and self.is_valid_but_channel()):
            return None
        matches = self.channel_matches
        if matches is None or matches.chosen is not None:
            return None
        return matches.channel_ids()

    def is_valid_but_channel(self) -> bool:
        """Whether the filters other than the channel text are valid (else all are ignored)."""
        self.is_valid()
        return not set(self.errors) - {"kanal_q"}

    def channel_links(self) -> list[tuple[Channel, str]]:
        """Each listed match of several, with the query that shows its items only."""
        if not self.is_bound or self.channel_matches is None:
            return []
        return self.channel_matches.links(self.data, text_name="kanal_q", id_name="kanal")

    def channel_matches_html(self) -> str:
        """Under the channel field: how many channels the text matches, with links."""
        return channel_matches_html(
            self.channel_matches if self.is_bound else None,
            self.channel_links(),
            more=_(
                "More than %(count)s channels match “%(text)s”: the items of all of them "
                "are shown. Type more of the name to narrow the list."
            ),
            all_shown=_("The items of all of them are shown. Show only one:"),
        )

    def filters(self) -> dict:
        if self.by_text:
            valid = self.is_bound and self.is_valid_but_channel()
            data = self.cleaned_data if valid else {}
        else:
            data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "channel": data.get("kanal"),
            "kind": data.get("typ") or "",
            "state": data.get("status") or self.OPEN,
            "q": (data.get("q") or "").strip(),
        }


class RuleChoiceField(ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return str(obj)


def _rules_field():
    return RuleChoiceField(
        label=_("Content rules the item breaks"),
        queryset=ContentRule.objects.active(),
        help_text=_("Cite at least one."),
        error_messages={"required": _("Cite at least one content rule that the item breaks.")},
    )


class VersionForm(forms.Form):
    """Every action carries the version of the item that the handler saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class AnswerForm(VersionForm):
    text = forms.CharField(
        label=_("The reply as posted"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Post the reply on the platform, then record it here exactly as posted."),
    )
    template = forms.ModelChoiceField(
        queryset=ReplyTemplate.objects.none(), required=False, widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note"), required=False, help_text=NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReplyTemplate.objects.active()


class ForwardForm(VersionForm):
    to_email = forms.EmailField(
        label=_("E-mail of the person responsible for the question"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    note = forms.CharField(
        label=_("Message to them"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(VersionForm):
    note = forms.CharField(label=_("Note"), required=False, help_text=NOTE_HELP)


class ReferForm(VersionForm):
    text = forms.CharField(
        label=_("The reply as posted"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The standard reply that refers the debate to the political parties."),
    )
    note = forms.CharField(label=_("Note"), required=False, help_text=NOTE_HELP)


class RemoveForm(VersionForm):
    ACTIONS = [("unpublish", _("Unpublish (hide)")), ("delete", _("Delete permanently"))]

    action = forms.ChoiceField(
        label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect, initial="unpublish"
    )
    rules = None  # set in __init__: the active rules of the moment
    message = forms.CharField(
        label=_("Message to the writer (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The standard message explaining why, as posted or sent to the writer."),
    )
    reported_to_police = forms.BooleanField(
        label=_("The content has been reported to the police"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, help_text=NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"] = _rules_field()
        self.order_fields(["version", "action", "rules", "message", "reported_to_police", "note"])


class RepublishForm(VersionForm):
    note = forms.CharField(
        label=_("Why it is made visible again"), widget=forms.Textarea(attrs={"rows": 2})
    )


class BullyingForm(VersionForm):
    note = forms.CharField(
        label=_("What you have seen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the nearest manager of the channel's unit with the item."),
    )


class AdviceForm(VersionForm):
    of = forms.ChoiceField(
        label=_("Ask"),
        widget=forms.RadioSelect,
        choices=[
            (ItemComment.AddressedTo.MANAGER, _("The nearest manager")),
            (ItemComment.AddressedTo.COMMUNICATOR, _("The communicators")),
        ],
        initial=ItemComment.AddressedTo.MANAGER,
    )
    question = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 3}))


class RegisterForm(VersionForm):
    description = forms.CharField(
        label=_("Short description"),
        max_length=500,
        help_text=_("What the item concerns, e.g. the case and its registration number if known."),
    )
    note = forms.CharField(label=_("Note"), required=False, help_text=NOTE_HELP)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class BulkRemoveForm(forms.Form):
    """Remove the items ticked in the queue, citing the same rules."""

    action = forms.ChoiceField(
        label=_("Action"), choices=RemoveForm.ACTIONS, widget=forms.RadioSelect, initial="unpublish"
    )
    message = forms.CharField(
        label=_("Message to the writers (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reported_to_police = forms.BooleanField(
        label=_("The content has been reported to the police"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, help_text=NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"] = _rules_field()
        self.order_fields(["action", "rules", "message", "reported_to_police", "note"])
        self.helper = _helper()

    @staticmethod
    def selection(values) -> list[tuple[int, int]]:
        """The ticked items as (id, version seen) from "id:version" values; junk is ignored."""
        selection = []
        for value in values:
            item_id, _sep, version = str(value).partition(":")
            # isdecimal, not isdigit: "²" is a digit that int() refuses; an id beyond
            # the database's integer range would overflow the lookup.
            if item_id.isdecimal() and version.isdecimal() and int(item_id) <= MAX_ID:
                selection.append((int(item_id), int(version)))
        return selection


# --- Absences ---------------------------------------------------------------------------------


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AbsenceForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("From"), widget=_datetime_widget())
    ends_at = forms.DateTimeField(label=_("Until"), widget=_datetime_widget())
    substitute = UserChoiceField(
        label=_("Substitute"),
        queryset=None,
        required=False,
        empty_label=_("No substitute (the communicators take over)"),
        help_text=_("Another handler of your channels, or a communicator."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = candidates
        self.helper = _helper()


# --- Reply templates --------------------------------------------------------------------------


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["title", "purpose", "text", "active", "position"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
