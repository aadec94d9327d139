"""What a channel text field says under itself about the channels its text matches.

Shared by the forms that filter by a channel's name, handle or address (the
archive search and the moderation queue); the matching is
`channels.selectors.channels_matching`.
"""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.selectors import ChannelMatches


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
