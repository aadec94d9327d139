"""Fixtures for the harness tests: a channel made through the channels services."""

import pytest

from tests.channels import conftest as channel_fixtures

facebook = channel_fixtures.facebook
instagram = channel_fixtures.instagram
make_application = channel_fixtures.make_application
make_channel = channel_fixtures.make_channel


@pytest.fixture
def channel(make_channel):
    return make_channel(display_name="Biblioteket på Facebook")
