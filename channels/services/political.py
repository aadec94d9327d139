"""Writes of political representatives' links (the public page /kanaler/politik/).

Each service validates, saves and writes a PoliticalLinkEvent in the same
transaction: who, when, and the old and new values. A deleted link's events
keep their label, so the history outlives the link.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from channels.models import PoliticalLink
from channels.models.political import PoliticalLinkEvent
from channels.permissions import user_can_manage_political_links
from core.audit import changes_between
from core.exceptions import NotPermitted

FIELDS = ("party", "person", "body", "url", "is_active")


def _snapshot(link) -> dict:
    return {field: getattr(link, field) for field in FIELDS}


def _check_permitted(actor):
    if not user_can_manage_political_links(actor):
        raise NotPermitted(_("Only a communicator can change the political links."))


def _record(link, *, actor, kind, changes):
    return PoliticalLinkEvent.objects.create(
        link=link if kind != PoliticalLinkEvent.Kind.DELETED else None,
        label=str(link),
        actor=actor,
        kind=kind,
        changes=changes,
    )


@transaction.atomic
def political_link_create(*, actor, data: dict) -> PoliticalLink:
    _check_permitted(actor)
    link = PoliticalLink(**{field: data[field] for field in FIELDS if field in data})
    link.full_clean()
    link.save()
    _record(link, actor=actor, kind=PoliticalLinkEvent.Kind.CREATED, changes=_snapshot(link))
    return link


@transaction.atomic
def political_link_update(*, link: PoliticalLink, actor, data: dict) -> PoliticalLink:
    _check_permitted(actor)
    link = PoliticalLink.objects.select_for_update().get(pk=link.pk)
    before = _snapshot(link)
    for field in FIELDS:
        if field in data:
            setattr(link, field, data[field])
    after = _snapshot(link)
    changes = changes_between(before, after)
    if not changes:
        return link
    link.full_clean()
    link.save(update_fields=[*changes, "updated_at"])
    _record(link, actor=actor, kind=PoliticalLinkEvent.Kind.UPDATED, changes=changes)
    return link


@transaction.atomic
def political_link_delete(*, link: PoliticalLink, actor) -> None:
    _check_permitted(actor)
    link = PoliticalLink.objects.select_for_update().get(pk=link.pk)
    _record(link, actor=actor, kind=PoliticalLinkEvent.Kind.DELETED, changes=_snapshot(link))
    link.delete()
