"""Reachability checks for /healthz."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat
from core.services import HEARTBEAT_NAME


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "unreachable"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_status() -> dict:
    from smedje_social.celery import app

    transport = app.conf.broker_url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as error:  # kombu raises several kinds; all mean "unreachable"
        return {"ok": False, "transport": transport, "error": type(error).__name__}
    return {"ok": True, "transport": transport}


def heartbeat_status(*, database_ok: bool) -> dict:
    if not database_ok:
        return {"ok": False, "last": None, "age_seconds": None}
    beat = Heartbeat.objects.filter(name=HEARTBEAT_NAME).first()
    if beat is None:
        return {"ok": False, "last": None, "age_seconds": None}
    age = (timezone.now() - beat.beat_at).total_seconds()
    return {
        "ok": age <= settings.HEARTBEAT_MAX_AGE,
        "last": beat.beat_at.isoformat(),
        "age_seconds": round(age, 1),
    }
