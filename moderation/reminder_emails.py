"""The text of reminder, review and weekly summary e-mails.

Built when the e-mail is sent, not when it was claimed, from templates in
templates/moderation/email/, in the site's language, with absolute links from
settings.SITE_URL. What no longer needs saying by then (an item answered meanwhile, a
channel confirmed meanwhile) is left out; an e-mail with nothing left is not sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from moderation.models import ReminderEmail, ReminderStep, ReviewStep


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _response_context(email: ReminderEmail) -> dict | None:
    from moderation.reminders import CLOCK_RUNNING, STEPS

    latest = {}
    rows = email.item_reminders.select_related("item__channel__platform").order_by(
        "item__due_at", "item_id"
    )
    for row in rows:
        if row.item.state != CLOCK_RUNNING:
            continue  # answered, forwarded or removed since the sweep
        known = latest.get(row.item_id)
        # An item listed under two steps (the sweep ran late) shows under the later one.
        if known is None or STEPS.index(row.step) > STEPS.index(known.step):
            latest[row.item_id] = row
    if not latest:
        return None
    sections = []
    for step in reversed(STEPS):
        items = [
            {"item": row.item, "link": _absolute(row.item.get_absolute_url())}
            for row in latest.values()
            if row.step == step
        ]
        if items:
            sections.append({"step": step, "items": items})
    escalated = any(section["step"] == ReminderStep.ESCALATION for section in sections)
    return {
        "sections": sections,
        "count": len(latest),
        "escalated": escalated,
        "handled": any(section["step"] != ReminderStep.ESCALATION for section in sections),
        "dashboard": _absolute(reverse("dashboards:handler")),
        "communicator_dashboard": _absolute(reverse("dashboards:communicator")),
    }


def _review_context(email: ReminderEmail) -> dict | None:
    from moderation.review_reminders import review_date

    rows = email.review_reminders.select_related("channel__platform", "channel__unit").order_by(
        "channel__display_name", "channel_id"
    )
    confirm, managers, seen = [], [], set()
    for row in rows:
        channel = row.channel
        if channel.pk in seen or not channel.is_public:
            continue
        if (channel.last_confirmed_at or channel.published_at) != row.period_start:
            continue  # confirmed since the reminder was claimed
        seen.add(channel.pk)
        entry = {
            "channel": channel,
            "date": review_date(row.period_start),
            "link": _absolute(reverse("channels:staff_channel_detail", args=[channel.pk])),
        }
        (managers if row.step == ReviewStep.MANAGERS else confirm).append(entry)
    if not confirm and not managers:
        return None
    return {"confirm": confirm, "managers": managers, "count": len(confirm) + len(managers)}


def _summary_context(email: ReminderEmail) -> dict | None:
    from moderation.weekly_summary import summary_figures

    return {
        **summary_figures(),
        "dashboard": _absolute(reverse("dashboards:communicator")),
        "register": _absolute(reverse("channels:staff_channel_list")),
    }


_BUILDERS = {
    ReminderEmail.Kind.RESPONSE: ("response_reminder", _response_context),
    ReminderEmail.Kind.REVIEW: ("review_reminder", _review_context),
    ReminderEmail.Kind.SUMMARY: ("weekly_summary", _summary_context),
}


def build_message(email: ReminderEmail) -> EmailMessage | None:
    """The e-mail to send, or None when nothing is left to say."""
    template, build = _BUILDERS[email.kind]
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        context = build(email)
        if context is None:
            return None
        context |= {
            "recipient": email.recipient,
            "municipality_name": settings.MUNICIPALITY_NAME,
        }
        subject = render_to_string(f"moderation/email/{template}_subject.txt", context)
        body = render_to_string(f"moderation/email/{template}.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[email.recipient.email])
