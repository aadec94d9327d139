from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Heartbeat
from core.services import HEARTBEAT_NAME, heartbeat_record


@pytest.mark.django_db
def test_healthy_with_recent_heartbeat(client):
    heartbeat_record()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["heartbeat"]["ok"] is True
    assert body["heartbeat"]["age_seconds"] < 5


@pytest.mark.django_db
def test_unhealthy_without_any_heartbeat(client):
    assert not Heartbeat.objects.exists()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["heartbeat"] == {"ok": False, "last": None, "age_seconds": None}


@pytest.mark.django_db
def test_unhealthy_when_heartbeat_is_stale(client, settings):
    settings.HEARTBEAT_MAX_AGE = 300
    Heartbeat.objects.create(name=HEARTBEAT_NAME, beat_at=timezone.now() - timedelta(minutes=6))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["heartbeat"]["ok"] is False


@pytest.mark.django_db
def test_unhealthy_when_broker_is_unreachable(client):
    from smedje_social.celery import app

    heartbeat_record()
    saved = app.conf.broker_url
    # Nothing listens on port 1 of the loopback address.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = saved

    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_heartbeat_is_one_row_updated_in_place():
    first = heartbeat_record()
    second = heartbeat_record()

    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get().beat_at == second
    assert second >= first


@pytest.mark.django_db
def test_healthz_is_not_cached(client):
    heartbeat_record()
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
