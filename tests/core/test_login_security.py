"""Login throttling, logout on password change, session expiry and password rules."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
PASSWORD = "correct horse battery staple"


def log_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return client.get("/").wsgi_request.user.is_authenticated


def test_five_wrong_passwords_lock_the_user_out_with_a_swedish_page(client, employee):
    assert not is_logged_in(client)
    for _ in range(4):
        response = log_in(client, "anna", "fel lösenord")
        assert response.status_code == 200
        assert "Ange ett korrekt användarnamn och lösenord" in response.content.decode()

    fifth = log_in(client, "anna", "fel lösenord")
    right = log_in(client, "anna")

    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Retry-After"] == str(15 * 60)
        assert response["Content-Security-Policy"]
        text = response.content.decode()
        assert "För många misslyckade inloggningar" in text
        assert "Försök igen om 15 minuter." in text
        assert "väntetiden börjar om" in text
    assert not is_logged_in(client)


def test_a_lockout_does_not_affect_another_user(client, employee, other_employee):
    for _ in range(5):
        log_in(client, "anna", "fel lösenord")
    assert log_in(client, "anna").status_code == 429

    response = log_in(client, "bertil")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_after_the_cool_off_the_right_password_works(client, employee):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            log_in(client, "anna", "fel lösenord")
        traveller.shift(datetime.timedelta(minutes=14))
        assert log_in(client, "anna").status_code == 429
        # That attempt started the fifteen minutes again, as the page says.
        traveller.shift(datetime.timedelta(minutes=14))
        assert log_in(client, "anna").status_code == 429

        traveller.shift(datetime.timedelta(minutes=16))
        response = log_in(client, "anna")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_fewer_failures_than_the_limit_then_success_clears_the_count(client, employee):
    for _ in range(4):
        log_in(client, "anna", "fel lösenord")
    assert log_in(client, "anna").status_code == 302
    client.post("/konto/logga-ut/")

    for _ in range(4):
        log_in(client, "anna", "fel lösenord")
    assert log_in(client, "anna").status_code == 302


def test_a_password_change_logs_out_the_users_other_sessions(employee):
    here, elsewhere = Client(), Client()
    log_in(here, "anna")
    log_in(elsewhere, "anna")
    assert is_logged_in(here) and is_logged_in(elsewhere)

    response = here.post(
        "/konto/losenord/",
        {
            "old_password": PASSWORD,
            "new_password1": "ett nytt och långt lösenord 2026",
            "new_password2": "ett nytt och långt lösenord 2026",
        },
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)


def test_a_weak_new_password_is_refused_in_swedish(client, employee):
    log_in(client, "anna")

    response = client.post(
        "/konto/losenord/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "för vanligt" in text
    assert "numeriskt" in text
    employee.refresh_from_db()
    assert employee.check_password(PASSWORD)


def test_a_session_expires_after_two_hours_without_activity(client, employee):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        log_in(client, "anna")
        # Activity keeps the session alive: each request starts the two hours anew.
        traveller.shift(datetime.timedelta(hours=1, minutes=50))
        assert is_logged_in(client)
        traveller.shift(datetime.timedelta(hours=1, minutes=50))
        assert is_logged_in(client)

        traveller.shift(datetime.timedelta(hours=2, minutes=1))
        assert not is_logged_in(client)
