import pytest
from django.core import mail
from django.test import Client

from core.views import server_error


@pytest.mark.django_db
def test_start_page_is_swedish_with_landmarks(client, settings):
    settings.MUNICIPALITY_NAME = "Provköping kommun"

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    assert 'href="#main"' in html and "Hoppa till innehållet" in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert "Provköping kommun" in html
    assert 'href="/tillganglighet/"' in html
    assert "Tillgänglighetsredogörelse" in html


@pytest.mark.django_db
def test_pages_load_nothing_from_other_hosts(client):
    html = client.get("/").content.decode()
    for attribute in ('src="http', 'src="//', 'href="//'):
        assert attribute not in html
    assert "/static/bootstrap/css/bootstrap.min.css" in html


@pytest.mark.django_db
def test_pages_are_swedish_for_an_english_browser_until_english_is_chosen(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="sv">' in html
    assert "Hoppa till innehållet" in html


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Accessibility statement" in html


@pytest.mark.django_db
def test_accessibility_statement(client):
    response = client.get("/tillganglighet/")
    assert response.status_code == 200
    assert "Tillgänglighetsredogörelse" in response.content.decode()


@pytest.mark.django_db
def test_404_is_swedish(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


def test_500_reveals_nothing_internal(rf):
    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Ett fel inträffade" in html
    assert "Traceback" not in html and "settings" not in html


@pytest.mark.django_db
def test_csrf_failure_is_swedish(employee):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/konto/logga-in/", {"username": "anna", "password": "x"})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()


@pytest.mark.django_db
def test_login_and_logout(client, employee):
    page = client.get("/konto/logga-in/").content.decode()
    assert "Användarnamn" in page and "Lösenord" in page

    response = client.post(
        "/konto/logga-in/",
        {"username": "anna", "password": "correct horse battery staple"},
        follow=True,
    )
    assert response.context["user"] == employee
    assert "Inloggad som Anna Andersson" in response.content.decode()

    response = client.post("/konto/logga-ut/", follow=True)
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_wrong_password_shows_a_swedish_message(client, employee):
    response = client.post("/konto/logga-in/", {"username": "anna", "password": "fel"})
    assert response.status_code == 200
    assert "Ange ett korrekt användarnamn och lösenord" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_by_email(client, employee):
    response = client.post("/konto/aterstall/", {"email": employee.email}, follow=True)

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [employee.email]
    assert "nytt lösenord" in message.body
    link = next(line for line in message.body.splitlines() if "/konto/aterstall/" in line)
    path = link.split("testserver", 1)[1].strip()

    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "ett nytt långt lösenord", "new_password2": "ett nytt långt lösenord"},
        follow=True,
    )
    assert "Ditt nya lösenord är sparat" in response.content.decode()
    employee.refresh_from_db()
    assert employee.check_password("ett nytt långt lösenord")


@pytest.mark.django_db
def test_admin_login_page_answers(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
