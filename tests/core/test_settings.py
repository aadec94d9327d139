import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_with(env_overrides, code="import django; django.setup(); print('started')"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_with(
        {
            "DJANGO_SETTINGS_MODULE": "smedje_social.settings.production",
            "DJANGO_ALLOWED_HOSTS": "example.se",
        }
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_with(
        {
            "DJANGO_SETTINGS_MODULE": "smedje_social.settings.production",
            "DJANGO_SECRET_KEY": "x" * 60,
        }
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_starts_when_configured():
    result = run_with(
        {
            "DJANGO_SETTINGS_MODULE": "smedje_social.settings.production",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "example.se",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_settings_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.MUNICIPALITY_NAME, s.REGISTRY_MAILBOX, s.TIME_ZONE, s.LANGUAGE_CODE, "
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    result = run_with(
        {
            "DJANGO_SETTINGS_MODULE": "smedje_social.settings.local",
            "MUNICIPALITY_NAME": "Provköping",
            "REGISTRY_MAILBOX": "diarium@provkoping.se",
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "Provköping",
        "diarium@provkoping.se",
        "Europe/Stockholm",
        "sv",
        "core.db.postgresql",  # Django's, health-checking only idle connections
        "redis://127.0.0.1:6379/3",
    ]


def test_defaults_need_no_server():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "smedje_social.settings.local"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            k: v for k, v in {**os.environ, **env}.items() if k not in ("DATABASE_URL", "REDIS_URL")
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]


def test_the_cache_follows_redis_url_or_its_own_cache_url():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['LOCATION'], s.CELERY_BROKER_URL)"
    )
    base = {
        "DJANGO_SETTINGS_MODULE": "smedje_social.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "example.se",
        "REDIS_URL": "redis://broker:6379/0",
        "CACHE_URL": "",
    }
    shared = run_with(base)
    assert shared.returncode == 0, shared.stderr
    shared = run_with(base, code)
    assert shared.stdout.split() == ["redis://broker:6379/0", "redis://broker:6379/0"]
    own = run_with({**base, "CACHE_URL": "redis://cache:6379/1"}, code)
    assert own.returncode == 0, own.stderr
    assert own.stdout.split() == ["redis://cache:6379/1", "redis://broker:6379/0"]


def test_an_smtp_server_that_hangs_fails_the_send_after_email_timeout():
    code = (
        "import django; django.setup()\n"
        "from django.core.mail import get_connection\n"
        "print(get_connection().timeout)"
    )
    smtp = {"DJANGO_SETTINGS_MODULE": "smedje_social.settings.local"}
    smtp["EMAIL_URL"] = "smtp://127.0.0.1:2525"
    default = run_with(smtp, code)
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip().splitlines()[-1] == "30"
    chosen = run_with({**smtp, "EMAIL_TIMEOUT": "5"}, code)
    assert chosen.stdout.strip().splitlines()[-1] == "5"
