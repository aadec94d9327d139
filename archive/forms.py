"""Forms of the archive pages; they parse input, the services write."""

import hashlib

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Subquery
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from archive.models import PublicRecordRequest, Record, RecordType
from archive.selectors import RecordFilters
from channels.models import Channel
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


class ChannelSelect(forms.Select):
    """The channel filter: a <select> of every channel, its options kept in the cache.

    At national scale that is some 15,000 options; building them (a model
    instance and a template each) took about half a second of CPU a page
    (BENCHMARKS.md, 4.). The options are written once per language and state
    of the channels and platforms (their number and newest change), and the
    chosen one is marked on the way out. Same markup, single choices only.
    """

    CACHE_SECONDS = 60 * 60

    def _version(self) -> str:
        from channels.models import Platform

        state = Channel.objects.aggregate(
            count=Count("pk"),
            last=Max("updated_at"),
            platforms=Max(
                Subquery(Platform.objects.order_by("-updated_at").values("updated_at")[:1])
            ),
        )
        return f"{state['count']}:{state['last']}:{state['platforms']}"

    def use_required_attribute(self, initial):
        # The filters are optional; asking Select would run the channel query for it.
        return False

    def _options(self) -> str:
        return "\n".join(
            format_html('<option value="{}">{}</option>', value, label)
            for value, label in self.choices
        )

    def render(self, name, value, attrs=None, renderer=None):
        version = hashlib.sha256(self._version().encode()).hexdigest()[:32]
        key = f"archive-channel-options:{get_language()}:{version}"
        options = cache.get(key)
        if options is None:
            options = self._options()
            cache.set(key, options, self.CACHE_SECONDS)
        chosen = format_html('<option value="{}">', "" if value is None else value)
        options = options.replace(chosen, chosen[:-1] + " selected>", 1)
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308 - every option escaped by format_html
        )


class RecordSearchForm(forms.Form):
    """The archive search (a GET form); a wrong value in one filter is ignored."""

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        required=False,
        # Only what an option shows: thousands of full rows cost a second a page.
        queryset=Channel.objects.select_related("platform").only("display_name", "platform__name"),
        empty_label=_("All channels"),
        widget=ChannelSelect,
    )
    unit = forms.ModelChoiceField(
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
        self.helper = _helper(
            Row(
                Column("q", css_class="col-md-4"),
                Column("record_type", css_class="col-md-4"),
                Column("sender", css_class="col-md-4"),
            ),
            Row(
                Column("channel", css_class="col-md-4"),
                Column("unit", css_class="col-md-4"),
                Column("registration_number", css_class="col-md-4"),
            ),
            Row(Column("since", css_class="col-md-4"), Column("until", css_class="col-md-4")),
        )

    def filters(self) -> RecordFilters:
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return RecordFilters(
            text=data.get("q") or "",
            channel=data.get("channel"),
            unit=data.get("unit"),
            record_type=data.get("record_type") or "",
            since=data.get("since"),
            until=data.get("until"),
            sender=data.get("sender") or "",
            registration_number=data.get("registration_number") or "",
        )

    def is_filtered(self) -> bool:
        return any(value not in (None, "") for value in vars(self.filters()).values())


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


class ExportForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        required=False,
        # Only what an option shows: thousands of full rows cost a second a page.
        queryset=Channel.objects.select_related("platform").only("display_name", "platform__name"),
        empty_label=_("All channels"),
        widget=ChannelSelect,
    )
    record_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", _("All record types")), *RecordType.choices],
    )
    since = forms.DateField(label=_("Acted on from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Acted on until"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(
                Column("channel", css_class="col-md-6"), Column("record_type", css_class="col-md-6")
            ),
            Row(Column("since", css_class="col-md-6"), Column("until", css_class="col-md-6")),
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
