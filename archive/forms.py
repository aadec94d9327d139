"""Forms of the archive pages; they parse input, the services write."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db import connection
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from archive.models import PublicRecordRequest, Record, RecordType
from archive.selectors import RecordFilters
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
from core.models import Unit


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    # The templates write the <form> tag and its {% csrf_token %} themselves.
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OptionsSelect(forms.Select):
    """A <select> whose options are written in Python, not through a template each.

    Django renders every option with a template of its own: for the 290 units of
    a national-scale archive that took about as long as the rest of the search
    page (BENCHMARKS.md, 4.). Same markup as forms.Select; single choices only.
    """

    def use_required_attribute(self, initial):
        # The filters are optional; asking Select would run the choices' query for it.
        return False

    def render(self, name, value, attrs=None, renderer=None):
        chosen = next(iter(self.format_value(value)), "")
        rows, found = [], False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value == chosen
            found = found or selected
            rows.append((option_value, " selected" if selected else "", label))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join("\n", '<option value="{}"{}>{}</option>', rows),
        )


class _NameChoiceIterator(ModelChoiceIterator):
    """The choices as (id, name) rows: no model instance each, no server-side cursor."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NameChoiceField(forms.ModelChoiceField):
    """A filter among named objects (units), listed by name in an OptionsSelect."""

    iterator = _NameChoiceIterator
    widget = OptionsSelect


# --- The channel filter ----------------------------------------------------------


class _ChannelFilterForm(forms.Form):
    """A filter by channel among thousands: a text field, and a channel's number.

    `channel_q` takes part of a channel's name, handle or address, in any case;
    `channel` names one channel by its number, as links do (`?channel=42`). A
    select of every channel was 14,500 options, a megabyte of HTML a page
    (BENCHMARKS.md, 4.); this loads only the channels that match.

    The number decides when the text is absent (a link), or is the chosen
    channel as the field shows it ("Name (Platform)"); otherwise the text does,
    and an empty text means every channel. After cleaning, `channel_matches`
    says what the filter stands for (None: every channel), and the bound data
    is rewritten so that the field shows a chosen channel by its name.
    Bad input is an error on the text field, never a server error.
    """

    channel_q = forms.CharField(
        label=_("Channel"),
        required=False,
        max_length=200,
        help_text=_("Part of the channel's name, handle or address."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    channel = ChannelNumberField()

    # Whether a number from a choice among the matches of the text picks that channel.
    number_picks_among_matches = False

    channel_matches: ChannelMatches | None = None

    def clean(self):
        data = super().clean()
        self.channel_matches = None
        data["channel"] = None
        if "channel_q" not in self._errors:
            self.channel_matches = self._match_channels(data.get("channel_q", ""))
            if self.channel_matches is not None:
                data["channel"] = self.channel_matches.chosen
        return data

    def _match_channels(self, text: str) -> ChannelMatches | None:
        text = text.strip()
        chosen, bad_number = self._numbered_channel()
        if "channel_q" not in self.data:
            # A link: the number alone.
            if bad_number:
                self.add_error("channel_q", _("The link names a channel that does not exist."))
                self._show(text="", number="")
            if chosen is None:
                return None
            self._show(text=str(chosen), number=chosen.pk)
            return ChannelMatches(channels=(chosen,))
        if chosen is not None and (
            folded(text) == folded(str(chosen))
            or (
                self.number_picks_among_matches
                and text
                and channels_matching(text).filter(pk=chosen.pk).exists()
            )
        ):
            self._show(text=str(chosen), number=chosen.pk)
            return ChannelMatches(channels=(chosen,))
        # The text decides; a number left from an earlier choice no longer counts.
        self._show(text=text, number="")
        if not text:
            return None
        matches = find_matches(channels_matching(text), text)
        if not matches.channels:
            self.add_error("channel_q", _("No channel matches “%(text)s”.") % {"text": text})
        elif matches.chosen is None:
            self._several_channels(matches)
        return matches

    def _several_channels(self, matches: ChannelMatches) -> None:
        """The text matches several channels: by default the filter takes them all."""

    def _numbered_channel(self) -> tuple[Channel | None, bool]:
        """The channel `channel` names, and whether it names none that exists."""
        return numbered_channel(self.data.get("channel", ""))

    def _show(self, *, text: str, number) -> None:
        show_channel(self, text_name="channel_q", id_name="channel", text=text, number=number)


class RecordSearchForm(_ChannelFilterForm):
    """The archive search (a GET form); a wrong value in one filter is ignored.

    A channel text that matches several channels shows the records of all of
    them, and lists the channels (up to CHANNEL_MATCHES_LISTED) with a link
    that narrows the search to each; one that matches none finds no record.
    """

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    unit = NameChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.all(), empty_label=_("All units")
    )
    record_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", _("All record types")), *RecordType.choices],
    )
    since = forms.DateField(label=_("Acted on from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Acted on until"), required=False, widget=DateInput())
    sender = forms.CharField(label=_("Sender"), required=False, max_length=200)
    registration_number = forms.CharField(
        label=_("Registration number"), required=False, max_length=100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._channel_ids = None
        self.helper = _helper(
            Row(
                Column("q", css_class="col-md-4"),
                Column("record_type", css_class="col-md-4"),
                Column("sender", css_class="col-md-4"),
            ),
            Row(
                Column(
                    "channel_q",
                    "channel",
                    Rendered(self.channel_matches_html),
                    css_class="col-md-4",
                ),
                Column("unit", css_class="col-md-4"),
                Column("registration_number", css_class="col-md-4"),
            ),
            Row(Column("since", css_class="col-md-4"), Column("until", css_class="col-md-4")),
        )

    def filters(self) -> RecordFilters:
        """The valid filters but the channel's, which `channel_ids` gives (several channels)."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return RecordFilters(
            text=data.get("q") or "",
            unit=data.get("unit"),
            record_type=data.get("record_type") or "",
            since=data.get("since"),
            until=data.get("until"),
            sender=data.get("sender") or "",
            registration_number=data.get("registration_number") or "",
        )

    def channel_ids(self) -> list[int] | None:
        """What `channel__in` narrows the records by, or None for every channel."""
        self.is_valid()
        if self.channel_matches is None:
            return None
        if self._channel_ids is None:
            self._channel_ids = self.channel_matches.channel_ids()
        return self._channel_ids

    def is_filtered(self) -> bool:
        return self.channel_ids() is not None or any(
            value not in (None, "") for value in vars(self.filters()).values()
        )

    def channel_links(self) -> list[tuple[Channel, str]]:
        """Each listed match of several, with the query that searches its records only."""
        if not self.is_bound or self.channel_matches is None:
            return []
        return self.channel_matches.links(self.data, text_name="channel_q", id_name="channel")

    def channel_matches_html(self) -> str:
        """Under the channel field: how many channels the text matches, with links."""
        return channel_matches_html(
            self.channel_matches if self.is_bound else None,
            self.channel_links(),
            more=_(
                "More than %(count)s channels match “%(text)s”: the records of all of them "
                "are shown. Type more of the name to narrow the search."
            ),
            all_shown=_("The records of all of them are shown. Search only one:"),
        )


class RegistrationNumberForm(forms.Form):
    registration_number = forms.CharField(label=_("Registration number"), max_length=100)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "registration")
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ConfidentialityForm(forms.Form):
    confidential = forms.BooleanField(label=_("Confidential"), required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        max_length=200,
        help_text=_("Chapter and section of OSL, for example: OSL 21 kap. 7 §"),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "confidentiality")
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("confidential") and not (data.get("legal_basis") or "").strip():
            self.add_error("legal_basis", _("State the legal basis for the confidentiality."))
        return data


class ChannelHoldForm(forms.Form):
    """The channel of a legal hold on every record of a channel, found by part of its name.

    The hold list (GET) lists the channels that `channel_q` matches, up to
    CHANNEL_MATCHES_LISTED, each with a button that posts its number as
    `channel` with the text and the reason (`choosing`): the hold is placed
    only on a channel the text lists, so never on one the registrar did not
    see by name. A select of every channel was 14,500 options.
    """

    channel_q = forms.CharField(
        label=_("Channel"),
        max_length=200,
        help_text=_("Part of the channel's name, handle or address."),
        error_messages={"required": _("Type part of the channel's name or address.")},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    matches: tuple = ()  # the channels listed, at most CHANNEL_MATCHES_LISTED
    more = False  # more channels match than are listed

    def __init__(self, *args, choosing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.choosing = choosing
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        text = (data.get("channel_q") or "").strip()
        if "channel_q" in self._errors:
            return data
        if not text:
            self.add_error("channel_q", self.fields["channel_q"].error_messages["required"])
            return data
        found = find_matches(channels_matching(text), text)
        self.matches, self.more = found.channels, found.more
        if not self.matches:
            self.add_error("channel_q", _("No channel matches “%(text)s”.") % {"text": text})
        elif self.choosing:
            data["channel"] = self._chosen()
            if data["channel"] is None:
                self.add_error("channel_q", _("Choose one of the channels listed."))
        return data

    def _chosen(self) -> Channel | None:
        """The listed channel whose button was pressed (its number in `channel`)."""
        raw = self.data.get("channel", "")
        raw = raw.strip() if isinstance(raw, str) else ""
        return next((channel for channel in self.matches if str(channel.pk) == raw), None)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class RequestForm(forms.ModelForm):
    class Meta:
        model = PublicRecordRequest
        fields = [
            "received_at",
            "received_via",
            "requester_name",
            "requester_contact",
            "description",
            "registration_number",
        ]
        widgets = {
            "received_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0))
        self.helper = _helper()


class AttachRecordsForm(forms.Form):
    records = forms.CharField(
        label=_("Record numbers"),
        max_length=2000,
        help_text=_("One or more record numbers, separated by commas or spaces."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "attach")
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_records(self):
        raw = self.cleaned_data["records"].replace(",", " ").split()
        try:
            numbers = sorted({int(value.lstrip("#")) for value in raw})
        except ValueError as error:
            raise forms.ValidationError(_("Enter record numbers only.")) from error
        # A number no record id can have would overflow the database's integer.
        low, high = connection.ops.integer_field_range(Record._meta.pk.get_internal_type())
        if any(not low <= number <= high for number in numbers):
            raise forms.ValidationError(_("Enter record numbers only."))
        return numbers


class MaskForm(forms.Form):
    record = forms.TypedChoiceField(label=_("Record"), coerce=int)
    text = forms.CharField(
        label=_("Text to mask"),
        max_length=1000,
        help_text=_("Exactly as it appears in the record; every occurrence is masked."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=200,
        initial="OSL 21 kap. 7 §",
        help_text=_("Chapter and section of OSL."),
    )

    def __init__(self, *args, record_choices=(), **kwargs):
        kwargs.setdefault("prefix", "mask")
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = record_choices
        self.helper = _helper()


class CloseRequestForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: copy handed out by e-mail, or the decision to refuse."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ExportForm(_ChannelFilterForm):
    """What goes into an E-ARK package: every channel, or exactly one.

    A channel text that matches several channels is an error: the matches
    (up to CHANNEL_MATCHES_LISTED) are offered as a choice, which posts the
    chosen one's number with the same text.
    """

    record_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", _("All record types")), *RecordType.choices],
    )
    since = forms.DateField(label=_("Acted on from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Acted on until"), required=False, widget=DateInput())

    number_picks_among_matches = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel_q"].help_text = _(
            "Part of the channel's name, handle or address. Empty: every channel."
        )
        self.helper = _helper(
            Row(
                Column("channel_q", "channel", css_class="col-md-6"),
                Column("record_type", css_class="col-md-6"),
            ),
            Row(Column("since", css_class="col-md-6"), Column("until", css_class="col-md-6")),
        )

    def _several_channels(self, matches: ChannelMatches) -> None:
        if matches.more:
            self.add_error(
                "channel_q",
                _(
                    "More than %(count)s channels match “%(text)s”: type more of the name, "
                    "or the address."
                )
                % {"count": len(matches.channels), "text": matches.text},
            )
            return
        self.add_error(
            "channel_q",
            _("%(count)s channels match “%(text)s”: choose one.")
            % {"count": len(matches.channels), "text": matches.text},
        )
        field = self.fields["channel"]
        self._bound_fields_cache.pop("channel", None)  # made while cleaning, with the old label
        field.label = _("Which channel?")
        field.widget = forms.RadioSelect(
            choices=[
                (channel.pk, f"{channel}, {channel.normalized_address}")
                for channel in matches.channels
            ]
        )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
