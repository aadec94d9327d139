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
