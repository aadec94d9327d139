"""Per-address rate limits on the verification page and the login forms (core/ratelimit.py).

Addresses are from the documentation ranges (RFC 5737): they only name
clients in the test client's request, no traffic goes anywhere.
"""

import datetime
import logging
import re
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from core.ratelimit import Rate, parse_rate

pytestmark = pytest.mark.django_db

VERIFY = "/kanaler/verifiera/"
LOGIN = "/konto/logga-in/"
RESET = "/konto/aterstall/"
PASSWORD = "correct horse battery staple"
CLIENT_A = "192.0.2.10"
CLIENT_B = "198.51.100.20"
PROXY = "203.0.113.1"
# The start of a minute: windows are aligned to the period, so Retry-After is exact.
WINDOW_START = datetime.datetime(2026, 11, 30, 9, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fresh_cache():
    """The limiter counts in the cache: every test starts from zero and leaves nothing."""
    cache.clear()
    yield
    cache.clear()


def verify(client, address=CLIENT_A, **extra):
    return client.get(VERIFY, {"url": "facebook.com/nagon"}, REMOTE_ADDR=address, **extra)


def assert_too_many_requests(response, *, retry_after=None):
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    if retry_after is not None:
        assert seconds == retry_after
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"]
    text = response.content.decode()
    assert '<html lang="sv"' in text
    assert "<h1>För många förfrågningar</h1>" in text
    assert "Din anslutning har skickat fler förfrågningar" in text
    assert re.search(r"Försök igen om \d+ sekund(er)?\.", text)


# --- The verification page -----------------------------------------------------------------


def test_verification_under_the_limit_answers_and_over_it_429(client, settings):
    settings.RATE_LIMIT_VERIFY = "3/minute"
    with time_machine.travel(WINDOW_START + datetime.timedelta(seconds=20), tick=False):
        answers = [verify(client) for _ in range(3)]
        over = verify(client)
        # Showing the empty form counts as well: every request is limited.
        empty = client.get(VERIFY, REMOTE_ADDR=CLIENT_A)

    assert [response.status_code for response in answers] == [200, 200, 200]
    assert "Retry-After" not in answers[-1]
    assert_too_many_requests(over, retry_after=40)
    assert_too_many_requests(empty, retry_after=40)


def test_the_next_window_lets_the_client_in_again(client, settings):
    settings.RATE_LIMIT_VERIFY = "2/minute"
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        assert [verify(client).status_code for _ in range(3)] == [200, 200, 429]
        traveller.shift(datetime.timedelta(seconds=59))
        assert verify(client).status_code == 429
        traveller.shift(datetime.timedelta(seconds=1))
        assert verify(client).status_code == 200


def test_different_addresses_are_counted_apart(client, settings):
    settings.RATE_LIMIT_VERIFY = "2/minute"
    with time_machine.travel(WINDOW_START, tick=False):
        assert [verify(client, CLIENT_A).status_code for _ in range(3)] == [200, 200, 429]
        assert [verify(client, CLIENT_B).status_code for _ in range(2)] == [200, 200]
        assert verify(client, CLIENT_B).status_code == 429


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, settings):
    """Without API_NUM_PROXIES a client cannot escape the limit by writing the header."""
    settings.RATE_LIMIT_VERIFY = "1/minute"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": None}
    with time_machine.travel(WINDOW_START, tick=False):
        assert verify(client, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
        assert verify(client, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


def test_behind_one_proxy_the_forwarded_address_is_the_client(client, settings):
    settings.RATE_LIMIT_VERIFY = "1/minute"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    spoofed_a = f"10.9.9.9, {CLIENT_A}"
    with time_machine.travel(WINDOW_START, tick=False):
        assert verify(client, PROXY, HTTP_X_FORWARDED_FOR=CLIENT_A).status_code == 200
        assert verify(client, PROXY, HTTP_X_FORWARDED_FOR=spoofed_a).status_code == 429
        assert verify(client, PROXY, HTTP_X_FORWARDED_FOR=CLIENT_B).status_code == 200


def test_an_empty_rate_turns_the_limit_off(client, settings):
    settings.RATE_LIMIT_VERIFY = ""
    assert {verify(client).status_code for _ in range(5)} == {200}


def test_conditional_requests_count_too(client, settings):
    settings.RATE_LIMIT_VERIFY = "3/minute"
    with time_machine.travel(WINDOW_START, tick=False):
        verify(client)  # sets the CSRF cookie, which is part of the ETag
        first = verify(client)
        again = verify(client, HTTP_IF_NONE_MATCH=first["ETag"])
        over = verify(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (first.status_code, again.status_code) == (200, 304)
    assert_too_many_requests(over)


def test_the_api_keeps_its_own_throttle(client, settings):
    """The page's limit is its own: the JSON API answers on under API_THROTTLE_ANON."""
    settings.RATE_LIMIT_VERIFY = "1/minute"
    with time_machine.travel(WINDOW_START, tick=False):
        assert verify(client).status_code == 200
        assert verify(client).status_code == 429
        api = client.get("/api/v1/verify", {"url": "facebook.com/nagon"}, REMOTE_ADDR=CLIENT_A)
    assert api.status_code == 200


def test_webhooks_are_not_rate_limited(client, settings):
    """Platforms deliver in bursts from few addresses: webhooks are signed and size-limited."""
    settings.RATE_LIMIT_VERIFY = "1/minute"
    settings.RATE_LIMIT_LOGIN = "1/minute"
    with time_machine.travel(WINDOW_START, tick=False):
        answers = [
            client.post(
                "/webhooks/meta", b"{}", content_type="application/json", REMOTE_ADDR=CLIENT_A
            )
            for _ in range(4)
        ]
    # Unsigned: refused, but for the signature, never for the rate.
    assert [response.status_code for response in answers] == [403] * 4


# --- Login and password reset ------------------------------------------------------------------


def log_in(client, username, password=PASSWORD, address=CLIENT_A):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_posts_over_the_limit_are_refused_even_with_the_right_password(
    client, settings, employee
):
    settings.RATE_LIMIT_LOGIN = "3/minute"
    with time_machine.travel(WINDOW_START + datetime.timedelta(seconds=30), tick=False):
        # Three different usernames: django-axes (per username) would never lock these.
        tries = [log_in(client, name, "fel lösenord") for name in ("a", "b", "c")]
        right = log_in(client, "anna")
        form = client.get(LOGIN, REMOTE_ADDR=CLIENT_A)

    assert [response.status_code for response in tries] == [200, 200, 200]
    assert_too_many_requests(right, retry_after=30)
    assert not client.get("/").wsgi_request.user.is_authenticated
    # Showing the form is not limited.
    assert form.status_code == 200


def test_another_address_still_logs_in(settings, employee):
    settings.RATE_LIMIT_LOGIN = "2/minute"
    attacker, colleague = Client(), Client()
    with time_machine.travel(WINDOW_START, tick=False):
        for name in ("a", "b", "c"):
            log_in(attacker, name, "fel", address=CLIENT_A)
        assert log_in(attacker, "anna", address=CLIENT_A).status_code == 429
        response = log_in(colleague, "anna", address=CLIENT_B)

    assert response.status_code == 302
    assert colleague.get("/").wsgi_request.user.is_authenticated


def test_password_reset_is_limited_apart_from_login(client, settings, employee, mailoutbox):
    settings.RATE_LIMIT_LOGIN = "2/minute"
    with time_machine.travel(WINDOW_START, tick=False):
        resets = [
            client.post(RESET, {"email": employee.email}, REMOTE_ADDR=CLIENT_A) for _ in range(3)
        ]
        login = log_in(client, "anna")

    assert [response.status_code for response in resets[:2]] == [302, 302]
    assert_too_many_requests(resets[2])
    assert len(mailoutbox) == 2
    assert login.status_code == 302


# --- The limiter itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("60/minute", Rate(60, 60)),
        ("5/s", Rate(5, 1)),
        ("100/hour", Rate(100, 3600)),
        ("1000/day", Rate(1000, 86400)),
        ("", None),
        (None, None),
    ],
)
def test_rates_are_read_as_drf_reads_them(value, expected):
    assert parse_rate(value) == expected


@pytest.mark.parametrize("value", ["60", "x/minute", "60/fortnight", "0/minute", "-1/minute"])
def test_a_bad_rate_is_a_configuration_error(value):
    with pytest.raises(ImproperlyConfigured, match="rate limit"):
        parse_rate(value)


def test_an_unreachable_cache_lets_requests_through(client, settings, caplog):
    """A rate limit must not take the page down: with no cache, nothing is limited."""
    settings.RATE_LIMIT_VERIFY = "1/minute"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Port 1 on loopback: nothing listens, the connection is refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        answers = [verify(client).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert "Rate limit verify not counted" in caplog.text


@pytest.mark.redis
def test_the_limit_is_counted_in_redis_when_it_is_the_cache(client, settings, redis_url):
    """With the Redis cache (production) the count is shared: a second web process sees it."""
    import redis

    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    settings.RATE_LIMIT_VERIFY = "3/minute"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(redis_url)
    try:
        with time_machine.travel(timezone.now(), tick=False):
            assert [verify(client).status_code for _ in range(2)] == [200, 200]
            keys = server.keys(f"{prefix}:*ratelimit:verify:*")
            assert len(keys) == 1
            assert int(server.get(keys[0])) == 2
            assert 0 < server.ttl(keys[0]) <= 65
            # Another web process counts the third request of the same client:
            server.incr(keys[0])
            assert verify(client, CLIENT_B).status_code == 200
            assert_too_many_requests(verify(client))
    finally:
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
        server.close()


def test_the_admins_login_shares_the_login_limit(client, settings, employee):
    settings.RATE_LIMIT_LOGIN = "3/minute"
    admin_login = "/admin/login/"
    with time_machine.travel(WINDOW_START, tick=False):
        site = [log_in(client, name, "fel lösenord") for name in ("a", "b")]
        admin = [
            client.post(admin_login, {"username": name, "password": "fel"}, REMOTE_ADDR=CLIENT_A)
            for name in ("c", "d")
        ]
        form = client.get(admin_login, REMOTE_ADDR=CLIENT_A)
        other = client.post(admin_login, {"username": "e", "password": "fel"}, REMOTE_ADDR=CLIENT_B)

    assert [response.status_code for response in site] == [200, 200]
    assert admin[0].status_code == 200  # the third try of this address
    assert_too_many_requests(admin[1])
    assert form.status_code == 200  # showing the form is not limited
    assert other.status_code == 200


def test_the_admins_login_still_logs_in(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin_user.username, "password": "password", "next": "/admin/"},
        REMOTE_ADDR=CLIENT_A,
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
