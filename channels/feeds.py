"""The Atom feed of the public register's changes (`/kanaler/flode.atom`).

One entry per public ChannelEvent (publish, change of public details,
unpublish, close), newest first. Entry ids are tag URIs (RFC 4151) made of
the site's host, the event's date and the event's id, so they never change
and never repeat. Feed readers revalidate with the ETag, which changes with
the register (see channels/views/public.py for the caching design).
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from channels import public_queries
from channels.models import Channel, ChannelEvent, ChannelStatus
from channels.services.channels import PUBLIC_FIELDS

Kind = ChannelEvent.Kind

TITLES = {
    Kind.PUBLISHED: gettext_lazy("Published: %(name)s"),
    Kind.UPDATED: gettext_lazy("Details changed: %(name)s"),
    Kind.UNPUBLISHED: gettext_lazy("Removed from the register: %(name)s"),
    Kind.CLOSED: gettext_lazy("Closed: %(name)s"),
}


class RegisterFeed(Feed):
    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def title(self):
        return _("Changes in the register of official social media channels – %(name)s") % {
            "name": settings.MUNICIPALITY_NAME
        }

    def subtitle(self):
        return _("Channels published, changed, removed and closed in the register of %(name)s.") % {
            "name": settings.MUNICIPALITY_NAME
        }

    def link(self):
        return reverse("channels:public_list")

    def author_name(self):
        return settings.MUNICIPALITY_NAME

    def author_link(self):
        return settings.MUNICIPALITY_URL

    def items(self):
        return public_queries.public_events()

    def item_title(self, event):
        # Atom titles are plain text: the XML writer escapes them.
        template = TITLES.get(event.kind)
        if template is None:
            return f"{event.get_kind_display()}: {event.channel.display_name}"
        return template % {"name": event.channel.display_name}

    def item_description(self, event):
        # The summary is HTML (type="html"), so everything from the data is escaped.
        channel = event.channel
        lines = [
            _("%(platform)s: %(address)s")
            % {
                "platform": channel.platform.name,
                "address": channel.address,
            },
            _("Unit: %(unit)s") % {"unit": channel.unit.name},
        ]
        if event.kind == Kind.UPDATED:
            changed = [
                str(Channel._meta.get_field(name).verbose_name)
                for name in PUBLIC_FIELDS
                if name in event.changes
            ]
            if changed:
                lines.append(_("Changed: %(fields)s") % {"fields": ", ".join(changed)})
        if event.kind == Kind.CLOSED:
            since = public_queries.closed_since(channel)
            if since:
                lines.append(
                    _("The channel is no longer official since %(date)s.")
                    % {"date": date_format(since, "DATE_FORMAT")}
                )
        # The event's comment is the staff's own note and is never published.
        return "<br>".join(escape(line) for line in lines)

    def item_link(self, event):
        channel = event.channel
        if channel.status == ChannelStatus.PUBLISHED:
            return channel.get_absolute_url()
        # No page of its own any more: the verification says what became of it.
        query = urlencode({"url": channel.normalized_address})
        return f"{reverse('channels:public_verify')}?{query}"

    def item_guid(self, event):
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        day = timezone.localdate(event.created_at).isoformat()
        return f"tag:{host},{day}:smedje-social:channel-event:{event.pk}"

    def item_pubdate(self, event):
        return event.created_at

    def item_updateddate(self, event):
        return event.created_at


def feed_etag(request, *args, **kwargs) -> str:
    return public_queries.etag_for(
        "feed",
        public_queries.register_version(),
        request.get_host(),
        request.is_secure(),
        get_language(),
    )


# The feed is the same for everybody, so shared caches may keep it, but they
# must revalidate: a closure has to reach readers at once (see views/public.py).
register_feed = require_safe(
    cache_control(public=True, no_cache=True)(condition(etag_func=feed_etag)(RegisterFeed()))
)
