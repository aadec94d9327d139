"""The e-mails of the application and register workflows.

Built from templates in templates/channels/email/, in the site's language,
with absolute links from settings.SITE_URL.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from channels.models import ApplicationEvent, ChannelEvent
from channels.permissions import deciding_managers
from core import roles


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def _emails(users):
    return sorted({user.email for user in users if user.email})


def communicators():
    return get_user_model().objects.filter(groups__name=roles.COMMUNICATOR, is_active=True)


def application_event_messages(event: ApplicationEvent) -> list[EmailMessage]:
    application = event.application
    context = {
        "application": application,
        "event": event,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "link": _absolute(application.get_absolute_url()),
    }
    messages = []

    def add(template, recipients, **extra):
        recipients = _emails(recipients)
        if not recipients:
            return
        subject = render_to_string(f"channels/email/{template}_subject.txt", context | extra)
        body = render_to_string(f"channels/email/{template}.txt", context | extra)
        messages.append(EmailMessage(" ".join(subject.split()), body, to=recipients))

    Kind = ApplicationEvent.Kind
    if event.kind == Kind.SUBMITTED:
        add("application_submitted", deciding_managers(application.unit))
    elif event.kind in (Kind.APPROVED, Kind.REJECTED, Kind.RETURNED):
        add("application_decided", [application.applicant])
        if event.kind == Kind.APPROVED:
            add(
                "application_approved",
                communicators(),
                link=_absolute(reverse("channels:application_registration_list")),
            )
    return messages


def channel_event_messages(event: ChannelEvent) -> list[EmailMessage]:
    channel = event.channel
    if event.kind != ChannelEvent.Kind.CLOSURE_REPORTED:
        return []
    recipients = _emails(communicators())
    if not recipients:
        return []
    context = {
        "channel": channel,
        "event": event,
        "municipality_name": settings.MUNICIPALITY_NAME,
        "link": _absolute(reverse("channels:staff_channel_detail", args=[channel.pk])),
    }
    subject = render_to_string("channels/email/closure_reported_subject.txt", context)
    body = render_to_string("channels/email/closure_reported.txt", context)
    return [EmailMessage(" ".join(subject.split()), body, to=recipients)]
