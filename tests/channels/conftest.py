"""Fixtures that put applications and channels into states through the services,
as users would."""

import itertools

import pytest

from channels.models import ContactRole
from channels.services.applications import (
    ContactData,
    application_approve,
    application_create,
)
from channels.services.channels import channel_publish, channel_register
from tests.factories import PlatformFactory

_counter = itertools.count(1)


@pytest.fixture
def facebook(db):
    return PlatformFactory(kind="facebook", name="Facebook", slug="facebook")


@pytest.fixture
def instagram(db):
    return PlatformFactory(kind="instagram", name="Instagram", slug="instagram")


def contacts_for(user=None):
    email = user.email if user else "info@example.se"
    return [
        ContactData(ContactRole.RESPONSIBLE, 1, "Rebecka Ansvarig", "0240-123 45", email),
        ContactData(ContactRole.OPERATOR, 1, "Olle Sköter", "+46 70 123 45 67", email),
    ]


def application_data(*, unit, platform, address=None, **overrides):
    n = next(_counter)
    data = {
        "unit": unit,
        "platform": platform,
        "address": address or f"https://www.facebook.com/exempelsida{n}",
        "purpose": "Sprida information om bibliotekets evenemang.",
        "target_group": "Invånare i alla åldrar.",
        "guidelines_read": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_application(employee, unit, facebook):
    """A submitted application (or a draft with submit=False)."""

    def make(*, applicant=None, unit=unit, platform=facebook, address=None, submit=True, **kw):
        applicant = applicant or employee
        return application_create(
            applicant=applicant,
            data=application_data(unit=unit, platform=platform, address=address, **kw),
            contacts=contacts_for(applicant),
            submit=submit,
        )

    return make


@pytest.fixture
def make_channel(make_application, manager, communicator):
    """A channel registered from an approved application, published unless told not to."""

    def make(*, publish=True, display_name=None, application=None, **kw):
        application = application or make_application(**kw)
        application = application_approve(
            application=application, actor=manager, expected_version=application.version
        )
        channel = channel_register(
            application=application,
            actor=communicator,
            data={
                "display_name": display_name or f"Kanal {application.pk}",
                "public_email": "kontakt@example.se",
            },
        )
        if publish:
            channel = channel_publish(channel=channel, actor=communicator)
        return channel

    return make


@pytest.fixture
def library(make_channel, facebook):
    """A published channel of the library, for the public pages' cache tests."""
    return make_channel(
        platform=facebook,
        address="https://www.facebook.com/exempelby.bibliotek",
        display_name="Biblioteket på Facebook",
    )
