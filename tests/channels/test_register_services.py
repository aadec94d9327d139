import pytest
from django.core.exceptions import ValidationError

from channels.models import Channel, ChannelStatus
from channels.services.applications import application_approve
from channels.services.channels import (
    channel_close,
    channel_publish,
    channel_register,
    channel_set_handlers,
    channel_unpublish,
    channel_update,
)
from core.exceptions import NotPermitted


def test_only_communicators_change_the_register(make_application, manager, employee, communicator):
    application = make_application()
    application = application_approve(
        application=application, actor=manager, expected_version=application.version
    )
    with pytest.raises(NotPermitted):
        channel_register(application=application, actor=manager, data={"display_name": "X"})
    assert not Channel.objects.exists()

    channel = channel_register(
        application=application, actor=communicator, data={"display_name": "X"}
    )
    for attempt in (
        lambda: channel_publish(channel=channel, actor=employee),
        lambda: channel_update(
            channel=channel,
            actor=employee,
            data={"display_name": "Y"},
            expected_version=channel.version,
        ),
        lambda: channel_close(channel=channel, actor=manager),
        lambda: channel_set_handlers(channel=channel, actor=employee, handlers=[employee]),
    ):
        with pytest.raises(NotPermitted):
            attempt()
    channel.refresh_from_db()
    assert (channel.status, channel.display_name) == (ChannelStatus.REGISTERED, "X")


def test_publish_unpublish_close_are_recorded_and_public(make_channel, communicator):
    channel = make_channel()
    channel = channel_unpublish(channel=channel, actor=communicator, comment="Paus")
    channel = channel_publish(channel=channel, actor=communicator)
    channel = channel_close(channel=channel, actor=communicator, reason="Slut")

    kinds = list(channel.events.values_list("kind", "public"))
    assert kinds == [
        ("registered", False),
        ("published", True),
        ("unpublished", True),
        ("published", True),
        ("closed", True),
    ]
    assert channel.closed_at is not None


def test_a_second_live_channel_for_the_same_address_gets_a_readable_error(
    make_channel, communicator
):
    first = make_channel(address="https://www.facebook.com/Biblioteket/")
    second = make_channel(address="https://www.facebook.com/annan-sida")

    with pytest.raises(ValidationError) as error:
        channel_update(
            channel=second,
            actor=communicator,
            data={"address": "facebook.com/biblioteket"},
            expected_version=second.version,
        )

    assert error.value.message_dict["address"] == [
        "Det här kontot är redan registrerat som officiell kanal."
    ]
    second.refresh_from_db()
    assert second.address == "https://www.facebook.com/annan-sida"
    assert first.status == ChannelStatus.PUBLISHED


def test_closing_keeps_a_final_summary_as_a_public_record(make_channel, communicator):
    from archive.models import Record, RecordType

    channel = make_channel(display_name="Fritidsgården på X")
    channel = channel_close(channel=channel, actor=communicator, reason="Används inte längre")

    record = Record.objects.get(record_type=RecordType.CHANNEL_CLOSED)
    assert record.channel == channel
    assert record.content["channel"]["name"] == "Fritidsgården på X"
    assert record.content["channel"]["closure_reason"] == "Används inte längre"
    assert [e["event"] for e in record.content["history"]][-1] == "closed"
    assert len(record.hash) == 64
