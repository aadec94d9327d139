"""What a channel text field says under itself about the channels its text matches.

Shared by the forms that filter by a channel's name, handle or address (the
archive search and export, the moderation queue) and the legal-hold list; the
matching is `channels.selectors.channels_matching`. Also the pieces those
forms share: the hidden channel number, reading it, listing the matches and
showing the chosen channel again.
"""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.models import Channel
from channels.selectors import CHANNEL_MATCHES_LISTED, ChannelMatches


def channel_matches_html(matches: ChannelMatches | None, links, *, more: str, all_shown: str):
    """How many channels the text matches, with a link for each of several.

    `links` are `ChannelMatches.links(...)`; `more` (with %(count)s and %(text)s)
    says that more match than are listed; `all_shown` introduces the links.
    """
    if matches is None or not matches.text or not matches.channels:
        return ""
    if matches.more:
        # As many are listed as may be: CHANNEL_MATCHES_LISTED.
        summary = more % {"count": len(matches.channels), "text": matches.text}
        return format_html('<p class="form-text" id="channel-matches">{}</p>', summary)
    if matches.chosen is not None:
        return format_html(
            '<p class="form-text" id="channel-matches">{} {}</p>',
            _("One channel matches “%(text)s”:") % {"text": matches.text},
            str(matches.chosen),
        )
    count = len(matches.channels)
    summary = ngettext(
        "%(count)s channel matches “%(text)s”.",
        "%(count)s channels match “%(text)s”.",
        count,
    ) % {"count": count, "text": matches.text}
    items = format_html_join(
        "",
        '<li><a href="?{}">{}</a> <span class="text-body-secondary">{}</span></li>',
        ((query, str(channel), channel.normalized_address) for channel, query in links),
    )
    return format_html(
        '<div class="form-text" id="channel-matches"><p class="mb-1">{} {}</p>'
        '<ul class="list-unstyled mb-0">{}</ul></div>',
        summary,
        all_shown,
        items,
    )


# Largest channel id the database can hold (a BigAutoField); a bigger number in a
# link names no channel and must not reach the query, where it would overflow.
MAX_CHANNEL_ID = 2**63 - 1


class ChannelNumberField(forms.Field):
    """A channel's number, from a link or a choice among matches; read by the form."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        return value if isinstance(value, str) else ""


class Rendered:
    """A crispy layout object that writes what a method of the form returns (escaped there)."""

    def __init__(self, method):
        self.method = method

    def render(self, form, context, template_pack=None, **kwargs):
        return self.method()


def numbered_channel(raw, *, among=None) -> tuple[Channel | None, bool]:
    """The channel a number from a link or a form names, and whether it names none.

    `among`: the ids the number may name (None: any channel). Anything but a
    number of a channel that exists (and is among them) names none.
    """
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw:
        return None, False
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_CHANNEL_ID:
        return None, True
    number = int(raw)
    if among is not None and number not in among:
        return None, True
    channel = Channel.objects.select_related("platform").filter(pk=number).first()
    return channel, channel is None


def find_matches(channels, text: str) -> ChannelMatches:
    """The channels of the queryset `channels` (already narrowed to `text`) to list:
    at most CHANNEL_MATCHES_LISTED, by name, and whether more match. One query."""
    found = list(
        channels.select_related("platform")
        .only("display_name", "normalized_address", "platform__name")
        .order_by("display_name", "pk")[: CHANNEL_MATCHES_LISTED + 1]
    )
    return ChannelMatches(
        text=text,
        channels=tuple(found[:CHANNEL_MATCHES_LISTED]),
        more=len(found) > CHANNEL_MATCHES_LISTED,
    )


def show_channel(form, *, text_name: str, id_name: str, text: str, number) -> None:
    """Rewrite the form's bound data so that its channel fields show `text` and `number`
    when the form is displayed again."""
    data = form.data.copy()
    data[text_name] = text
    data[id_name] = str(number)
    form.data = data
