"""The application form: the guidelines' appendix "Sociala medier – Ansökan".

Labels are the appendix's, in its order (DESIGN.md). The persons are flat
fields (two responsible persons, two operators) rendered in fieldsets.
"""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels.addresses import belongs_to_platform, normalize
from channels.models import ChannelApplication, ContactRole, Platform
from channels.services.applications import ContactData, address_conflict
from core.models import Unit

# Swedish numbers (0240-123 45, 070-123 45 67) or international (+46 70 …, 0046 …):
# digits with optional spaces, dashes, slashes and parentheses.
PHONE_SEPARATORS = re.compile(r"[\s\-/().]")
PHONE_DIGITS = re.compile(r"^(\+|00)[1-9]\d{6,14}$|^0\d{6,11}$")

SLOTS = [
    (ContactRole.RESPONSIBLE, "responsible", 1),
    (ContactRole.RESPONSIBLE, "responsible", 2),
    (ContactRole.OPERATOR, "operator", 1),
    (ContactRole.OPERATOR, "operator", 2),
]


def valid_phone(value: str) -> bool:
    return bool(PHONE_DIGITS.match(PHONE_SEPARATORS.sub("", value)))


class ApplicationForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ChannelApplication
        fields = ["unit", "platform", "address", "purpose", "target_group", "guidelines_read"]
        labels = {
            "unit": _("Name of the administration/unit"),
            "platform": _("Social medium the organisation wants to use (e.g. Facebook, Instagram)"),
            "address": _("Address"),
            "purpose": _("Purpose of taking part (e.g. spreading information, service)"),
            "target_group": _("The target group"),
            "guidelines_read": _("I have read the municipality's guidelines for social media"),
        }
        help_texts = {
            "address": _("The account's web address or handle, e.g. https://www.facebook.com/…"),
            "target_group": _("Which group or groups the channel is for."),
        }
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "target_group": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.fields["unit"].queryset = Unit.objects.order_by("name")
        self.fields["platform"].queryset = Platform.objects.all()
        self.fields["purpose"].required = False
        self.fields["target_group"].required = False
        self.fields["guidelines_read"].help_text = format_html(
            '<a href="{}">{}</a>', reverse("guidelines"), _("Read the guidelines")
        )
        for _role, prefix, n in SLOTS:
            self.fields[f"{prefix}_{n}_name"] = forms.CharField(
                label=_("Name"), max_length=200, required=False
            )
            self.fields[f"{prefix}_{n}_phone"] = forms.CharField(
                label=_("Phone"), max_length=40, required=False
            )
            self.fields[f"{prefix}_{n}_email"] = forms.EmailField(label=_("E-mail"), required=False)
        if self.instance.pk:
            self.initial["version"] = self.instance.version
            for contact in self.instance.contacts.all():
                prefix = "responsible" if contact.role == ContactRole.RESPONSIBLE else "operator"
                for attr in ("name", "phone", "email"):
                    self.initial[f"{prefix}_{contact.position}_{attr}"] = getattr(contact, attr)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            "unit",
            Div("platform", "address", css_class="border-start ps-3 mb-3"),
            "purpose",
            "target_group",
            Fieldset(_("Responsible for the channel"), *self._person_rows("responsible")),
            Fieldset(
                _("Who takes care of the practical work, monitors and answers posts"),
                *self._person_rows("operator"),
            ),
            "guidelines_read",
        )

    def _person_rows(self, prefix):
        rows = []
        for n in (1, 2):
            rows.append(
                Div(
                    Div(f"{prefix}_{n}_name", css_class="col-md-4"),
                    Div(f"{prefix}_{n}_phone", css_class="col-md-3"),
                    Div(f"{prefix}_{n}_email", css_class="col-md-5"),
                    css_class="row",
                )
            )
        return rows

    def clean_address(self):
        return self.cleaned_data["address"].strip()

    def clean(self):
        cleaned = super().clean()
        platform, address = cleaned.get("platform"), cleaned.get("address")
        if platform and address:
            if not belongs_to_platform(address, platform.kind):
                self.add_error(
                    "address",
                    _("This is not an address or handle on %(platform)s.")
                    % {"platform": platform.name},
                )
            else:
                conflict = address_conflict(
                    normalized=normalize(address, platform.kind),
                    exclude_application=self.instance if self.instance.pk else None,
                )
                if conflict:
                    self.add_error("address", conflict)
        for _role, prefix, n in SLOTS:
            name = cleaned.get(f"{prefix}_{n}_name", "").strip()
            phone = cleaned.get(f"{prefix}_{n}_phone", "").strip()
            email = cleaned.get(f"{prefix}_{n}_email", "")
            if phone and not valid_phone(phone):
                self.add_error(
                    f"{prefix}_{n}_phone",
                    _(
                        "Write the phone number in Swedish (070-123 45 67) or international "
                        "(+46 70 123 45 67) form."
                    ),
                )
            if (phone or email) and not name:
                self.add_error(f"{prefix}_{n}_name", _("Write the person's name."))
            if name and not (phone or email or self.has_error(f"{prefix}_{n}_email")):
                self.add_error(f"{prefix}_{n}_email", _("Give a phone number or an e-mail."))
        if self.submitting:
            if not cleaned.get("guidelines_read"):
                self.add_error(
                    "guidelines_read", _("You must confirm that you have read the guidelines.")
                )
            for field, message in (
                ("purpose", _("Describe the purpose.")),
                ("target_group", _("Describe the target group.")),
            ):
                if not (cleaned.get(field) or "").strip():
                    self.add_error(field, message)
            if not cleaned.get("responsible_1_name") and not cleaned.get("responsible_2_name"):
                self.add_error(
                    "responsible_1_name", _("Name at least one person responsible for the channel.")
                )
            if not cleaned.get("operator_1_name") and not cleaned.get("operator_2_name"):
                self.add_error(
                    "operator_1_name", _("Name at least one person who runs the channel.")
                )
        return cleaned

    def application_data(self):
        return {field: self.cleaned_data[field] for field in self.Meta.fields}

    def contacts(self) -> list[ContactData]:
        """The persons typed in, renumbered so that the first filled slot is 1."""
        contacts, positions = [], {}
        for role, prefix, n in SLOTS:
            name = self.cleaned_data.get(f"{prefix}_{n}_name", "").strip()
            if not name:
                continue
            positions[role] = positions.get(role, 0) + 1
            contacts.append(
                ContactData(
                    role=role,
                    position=positions[role],
                    name=name,
                    phone=self.cleaned_data.get(f"{prefix}_{n}_phone", "").strip(),
                    email=self.cleaned_data.get(f"{prefix}_{n}_email", ""),
                )
            )
        return contacts


class DecisionForm(forms.Form):
    DECISIONS = [
        ("approve", _("Approve")),
        ("return", _("Return for changes")),
        ("reject", _("Reject")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject or return the application."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") in ("reject", "return")
            and not cleaned.get("comment", "").strip()
        ):
            self.add_error(
                "comment",
                _("Give a reason for the rejection.")
                if cleaned["decision"] == "reject"
                else _("Say what should be changed."),
            )
        return cleaned
