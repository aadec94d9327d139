"""Security headers on every kind of response, and no CSP violation in a browser."""

import re

import pytest
from django.urls import reverse

from channels.services.applications import application_approve, application_create
from channels.services.channels import channel_publish, channel_register
from core import roles
from core.security import CONTENT_SECURITY_POLICY
from moderation.services.deliveries import delivery_store
from tests.channels.conftest import application_data, contacts_for
from tests.factories import PlatformFactory, UserFactory

REQUIRED_DIRECTIVES = [
    "default-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "img-src 'self' data:",
]


def assert_security_headers(response):
    # Django's headers and Playwright's (lower-cased) alike.
    headers = {name.lower(): value for name, value in response.headers.items()}
    policy = headers["content-security-policy"]
    for directive in REQUIRED_DIRECTIVES:
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert headers["permissions-policy"] == (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    )
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),  # HTML page
        ("get", "/konto/logga-in/", 200),  # a form
        ("get", "/api/v1/channels", 200),  # JSON API
        ("get", "/api/v1/finns-inte", 404),  # JSON API error
        ("get", "/kanaler/flode.atom", 200),  # feed
        ("get", "/finns-inte/", 404),  # 404 page
        ("get", "/moderering/", 302),  # redirect to login
        ("post", "/webhooks/meta", 403),  # webhook without a signature
        ("get", "/healthz", None),  # health check (200 or 503 depending on services)
    ],
)
def test_every_response_type_carries_the_security_headers(client, method, path, status):
    response = getattr(client, method)(path)

    if status is not None:
        assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_webhook_handshake_carries_the_security_headers(client, settings):
    response = client.get(
        "/webhooks/meta",
        {
            "hub.mode": "subscribe",
            "hub.verify_token": settings.META_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )

    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_admin_gets_the_same_strict_policy(client):
    admin_policy = client.get("/admin/login/").headers["Content-Security-Policy"]
    site_policy = client.get("/").headers["Content-Security-Policy"]

    assert site_policy == admin_policy == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in admin_policy


def test_no_template_uses_inline_scripts_or_style_attributes():
    from django.conf import settings

    pattern = re.compile(r"""\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)|<style""", re.I)
    offenders = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in folder.rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path}:{number}: {line.strip()}")
    assert offenders == []


def test_production_deploy_check_stays_clean():
    """The production settings pass `check --deploy` (also run by .ci/run)."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
        },
        "DJANGO_SETTINGS_MODULE": "smedje_social.settings.production",
        "DJANGO_SECRET_KEY": "ci-" + "x7Kq9" * 12,
        "DJANGO_ALLOWED_HOSTS": "sociala-medier.example.se",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- In a browser ------------------------------------------------------------


@pytest.fixture
def published_channel(employee, unit, communicator, manager):
    platform = PlatformFactory(kind="facebook", name="Facebook", slug="facebook")
    application = application_create(
        applicant=employee,
        data=application_data(unit=unit, platform=platform),
        contacts=contacts_for(employee),
        submit=True,
    )
    application = application_approve(
        application=application, actor=manager, expected_version=application.version
    )
    channel = channel_register(
        application=application,
        actor=communicator,
        data={"display_name": "Bibliotekets Facebook", "public_email": "kontakt@example.se"},
    )
    return channel_publish(channel=channel, actor=communicator)


CSP_MESSAGE = re.compile(r"Refused to|Content Security Policy", re.I)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_type_violates_the_content_security_policy(
    new_page, live_server, login, published_channel
):
    UserFactory(
        username="sigrid",
        roles=[roles.COMMUNICATOR, roles.REGISTRAR],
        is_staff=True,
        is_superuser=True,
    )
    delivery, _ = delivery_store(source="meta", body=b'{"object": "page"}', signature="")
    page = new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))

    public = [
        "/",
        "/kanaler/",
        "/kanaler/verifiera/?url=facebook.com%2Fnagon.annan",
        published_channel.get_absolute_url(),
        "/konto/logga-in/",
    ]
    staff = [
        "/ansokningar/ny/",
        "/moderering/",
        "/arkiv/sok/?q=bibliotek",
        "/oversikt/mina-arenden/",
        "/oversikt/kommunikator/",
        "/admin/",
        # Django's own list and change pages, and an app admin display with a body.
        "/admin/moderation/delivery/",
        reverse("admin:moderation_delivery_change", args=[delivery.pk]),
        "/admin/channels/channel/",
    ]
    for path in public:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert response.status == 200, path
        assert_security_headers(response)
    login(page, "sigrid")
    for path in staff:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert response.status == 200, path
        assert_security_headers(response)

    violations = [text for text in messages if CSP_MESSAGE.search(text)]
    assert violations == []
    assert page.foreign_requests == []
