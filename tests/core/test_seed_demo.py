import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from channels.models import Platform
from core import roles
from core.models import Unit


@pytest.mark.django_db
def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_creates_a_municipality_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Unit.objects.count(), Platform.objects.count())

    call_command("seed_demo")

    assert (Unit.objects.count(), Platform.objects.count()) == counts
    assert Unit.objects.filter(parent__isnull=False).exists()
    kinds = set(Platform.objects.values_list("kind", flat=True))
    assert kinds == {
        "facebook",
        "instagram",
        "linkedin",
        "youtube",
        "x",
        "tiktok",
        "mastodon",
        "blog",
        "other",
    }
    for username in ("medarbetare", "chef", "kommunikator", "registrator", "handlaggare"):
        assert authenticate(username=username, password="demo") is not None
    chef = authenticate(username="chef", password="demo")
    assert roles.is_manager(chef)
    assert Unit.objects.managed_by(chef).count() == Unit.objects.count()
    assert roles.is_communicator(authenticate(username="kommunikator", password="demo"))
    assert roles.is_registrar(authenticate(username="registrator", password="demo"))


@pytest.mark.django_db
def test_adds_applications_in_every_state_and_a_register(settings):
    from channels.models import ChannelApplication, ChannelStatus, PoliticalLink

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")

    statuses = set(ChannelApplication.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "approved", "rejected"}
    assert ChannelApplication.objects.waiting_for_registration().count() == 1
    from channels.models import Channel

    channel_statuses = list(Channel.objects.values_list("status", flat=True))
    assert channel_statuses.count(ChannelStatus.PUBLISHED) >= 3
    assert channel_statuses.count(ChannelStatus.CLOSED) == 1
    handler = authenticate(username="handlaggare", password="demo")
    assert Channel.objects.handled_by(handler).count() == len(channel_statuses)
    facebook = Channel.objects.get(platform__kind="facebook")
    assert facebook.account_id.isdigit()
    assert PoliticalLink.objects.count() == 3
