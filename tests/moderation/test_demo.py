"""seed_demo gives every live demo channel an account id and adds items through the services."""

import pytest
from django.core.management import call_command

from channels.models import Channel
from moderation.models import Delivery, Item, ItemSource, UnhandledEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_items_every_way_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Item.objects.count(), Delivery.objects.count(), UnhandledEvent.objects.count())

    call_command("seed_demo")

    assert (
        Item.objects.count(),
        Delivery.objects.count(),
        UnhandledEvent.objects.count(),
    ) == counts
    live = Channel.objects.not_closed()
    assert not live.filter(account_id="").exists()
    assert live.get(platform__kind="facebook").account_id.isdigit()
    sources = set(Item.objects.values_list("source", flat=True))
    assert sources == {ItemSource.META, ItemSource.MASTODON, ItemSource.API, ItemSource.MANUAL}
    assert Item.objects.filter(versions__number=2).exists()  # an edited comment
    assert UnhandledEvent.objects.filter(reason="unknown account").exists()
    assert not Delivery.objects.exclude(status="parsed").exists()


def test_seed_demo_puts_items_in_every_state_of_the_queue(settings):
    from moderation.models import ItemState, Registration, ReplyTemplate, RuleKeyword

    settings.DEBUG = True
    call_command("seed_demo")
    states = set(Item.objects.values_list("state", flat=True))
    assert states == set(ItemState.values)
    assert Item.objects.filter(is_flagged=True, state=ItemState.OPEN).exists()
    assert Item.objects.filter(claimed_by__isnull=False).exists()
    assert Registration.objects.filter(reason="ongoing_case").exists()
    assert Registration.objects.filter(reason="direct_message").exists()
    assert RuleKeyword.objects.exists() and ReplyTemplate.objects.exists()
