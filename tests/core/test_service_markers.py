"""A missing service skips a marked test, or fails it when REQUIRE_SERVICES=1 (CI)."""

import pytest
from _pytest.outcomes import Failed, Skipped

import tests.conftest as shared


def test_a_missing_service_skips_by_default(monkeypatch):
    monkeypatch.setattr(shared, "REQUIRE_SERVICES", False)
    with pytest.raises(Skipped, match="Redis is gone"):
        shared.missing_service("Redis is gone")


def test_a_missing_service_fails_when_services_are_required(monkeypatch):
    monkeypatch.setattr(shared, "REQUIRE_SERVICES", True)
    with pytest.raises(Failed, match="REQUIRE_SERVICES=1 but Redis is gone"):
        shared.missing_service("Redis is gone")
