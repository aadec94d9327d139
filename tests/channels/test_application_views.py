import pytest
from django.urls import reverse

from channels.models import ApplicationStatus, ChannelApplication
from channels.services.applications import application_approve, application_create
from tests.channels.conftest import application_data, contacts_for
from tests.factories import UserFactory


def form_post(unit, platform, **overrides):
    data = {
        "unit": unit.pk,
        "platform": platform.pk,
        "address": "https://www.facebook.com/biblioteket",
        "purpose": "Information om evenemang",
        "target_group": "Barnfamiljer",
        "guidelines_read": "on",
        "responsible_1_name": "Rebecka Ansvarig",
        "responsible_1_phone": "0240-123 45",
        "responsible_1_email": "rebecka@example.se",
        "operator_1_name": "Olle Sköter",
        "operator_1_email": "olle@example.se",
        "submit": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_needs_a_login(client, db):
    response = client.get("/ansokningar/ny/")
    assert response.status_code == 302
    assert response.url.startswith("/konto/logga-in/")


def test_an_employee_submits_the_form(client, employee, unit, facebook):
    client.force_login(employee)

    response = client.post("/ansokningar/ny/", form_post(unit, facebook), follow=True)

    application = ChannelApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.applicant == employee
    assert response.redirect_chain[-1][0] == f"/ansokningar/{application.pk}/"
    html = response.content.decode()
    assert "Ansökan har skickats till din chef." in html
    assert "Väntar på chefens beslut" in html


def test_errors_show_next_to_the_field_and_keep_what_was_typed(client, employee, unit, facebook):
    client.force_login(employee)

    response = client.post(
        "/ansokningar/ny/",
        form_post(unit, facebook, guidelines_read=None, address="https://instagram.com/fel"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Du måste bekräfta att du har läst riktlinjerna." in html
    assert "Det här är inte en adress eller ett användarnamn på Facebook." in html
    assert 'value="Rebecka Ansvarig"' in html
    assert "Information om evenemang" in html
    assert not ChannelApplication.objects.exists()


def test_save_as_draft_then_edit_and_submit(client, employee, unit, facebook):
    client.force_login(employee)
    client.post(
        "/ansokningar/ny/", form_post(unit, facebook, submit=None, save="1", guidelines_read=None)
    )
    draft = ChannelApplication.objects.get()
    assert draft.status == ApplicationStatus.DRAFT

    response = client.post(
        f"/ansokningar/{draft.pk}/andra/",
        form_post(unit, facebook, version=draft.version, target_group="Unga vuxna"),
    )

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.status == ApplicationStatus.SUBMITTED
    assert draft.target_group == "Unga vuxna"


def test_a_stale_edit_is_refused_and_saves_nothing(client, employee, unit, facebook):
    client.force_login(employee)
    client.post("/ansokningar/ny/", form_post(unit, facebook, submit=None, save="1"))
    draft = ChannelApplication.objects.get()
    old_version = draft.version
    client.post(
        f"/ansokningar/{draft.pk}/andra/",
        form_post(unit, facebook, submit=None, save="1", version=old_version, purpose="Ny"),
    )

    response = client.post(
        f"/ansokningar/{draft.pk}/andra/",
        form_post(unit, facebook, submit=None, save="1", version=old_version, purpose="Äldre"),
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.purpose == "Ny"
    assert "Någon annan ändrade detta" in response.content.decode()


def test_the_applicant_sees_own_applications_and_another_employee_gets_404(
    client, make_application, employee, other_employee
):
    application = make_application()

    client.force_login(employee)
    assert client.get(f"/ansokningar/{application.pk}/").status_code == 200
    assert str(application.address) in client.get("/ansokningar/").content.decode()

    client.force_login(other_employee)
    assert client.get(f"/ansokningar/{application.pk}/").status_code == 404
    assert str(application.address) not in client.get("/ansokningar/").content.decode()


def test_the_manager_of_the_unit_decides_and_another_manager_gets_404(
    client, make_application, manager, other_manager
):
    application = make_application()

    client.force_login(other_manager)
    assert client.get(f"/ansokningar/{application.pk}/").status_code == 404
    response = client.post(
        f"/ansokningar/{application.pk}/beslut/",
        {"decision": "approve", "version": application.version},
    )
    assert response.status_code == 404
    assert application.address not in client.get("/ansokningar/att-besluta/").content.decode()

    client.force_login(manager)
    assert application.address in client.get("/ansokningar/att-besluta/").content.decode()
    page = client.get(f"/ansokningar/{application.pk}/").content.decode()
    assert "Ditt beslut" in page
    response = client.post(
        f"/ansokningar/{application.pk}/beslut/",
        {"decision": "approve", "version": application.version},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == manager


def test_a_manager_cannot_decide_their_own_application(client, manager, unit, facebook):
    own = application_create(
        applicant=manager,
        data=application_data(unit=unit, platform=facebook),
        contacts=contacts_for(manager),
        submit=True,
    )
    client.force_login(manager)

    assert own.address not in client.get("/ansokningar/att-besluta/").content.decode()
    assert "Ditt beslut" not in client.get(f"/ansokningar/{own.pk}/").content.decode()
    response = client.post(
        f"/ansokningar/{own.pk}/beslut/", {"decision": "approve", "version": own.version}
    )
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.status == ApplicationStatus.SUBMITTED


def test_reject_without_reason_shows_the_error_next_to_the_field(client, make_application, manager):
    application = make_application()
    client.force_login(manager)

    response = client.post(
        f"/ansokningar/{application.pk}/beslut/",
        {"decision": "reject", "comment": "", "version": application.version},
    )

    assert response.status_code == 400
    assert "Ange skälet till avslaget." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_stale_decision_form_is_refused(client, make_application, manager, unit):
    from core import roles

    second = UserFactory(roles=[roles.MANAGER])
    unit.managers.add(second)
    application = make_application()
    seen = application.version
    application_approve(application=application, actor=second, expected_version=seen)
    client.force_login(manager)

    response = client.post(
        f"/ansokningar/{application.pk}/beslut/",
        {"decision": "reject", "comment": "Nej", "version": seen},
        follow=True,
    )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == second
    assert (
        "Det går inte nu" in response.content.decode() or "Någon annan" in response.content.decode()
    )


def test_the_history_is_shown_on_the_application_page(client, make_application, manager, employee):
    application = make_application()
    application_approve(
        application=application,
        actor=manager,
        comment="Godkänd i ledningsgruppen",
        expected_version=application.version,
    )
    client.force_login(employee)

    html = client.get(f"/ansokningar/{application.pk}/").content.decode()

    assert "Historik" in html
    assert "Skapad" in html and "Inskickad" in html
    assert "Godkänd i ledningsgruppen" in html
    assert "Godkänd " in html and manager.username in html


def test_only_communicators_see_the_registration_list(
    client, make_application, manager, communicator, employee
):
    application = make_application()
    application_approve(
        application=application, actor=manager, expected_version=application.version
    )

    client.force_login(employee)
    assert client.get("/ansokningar/att-registrera/").status_code == 404
    client.force_login(communicator)
    response = client.get("/ansokningar/att-registrera/")
    assert response.status_code == 200
    assert application.address in response.content.decode()


def test_user_supplied_text_is_escaped(client, make_application, employee):
    application = make_application(purpose="<script>alert(1)</script>")
    client.force_login(employee)
    html = client.get(f"/ansokningar/{application.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_the_admin_shows_applications_read_only(admin_client, make_application):
    application = make_application()
    response = admin_client.get(f"/admin/channels/channelapplication/{application.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert "inskickad" in html.lower() or "submitted" in html.lower()
    assert admin_client.get("/admin/channels/channelapplication/add/").status_code == 403


# --- Query budgets ------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_applicant_list_query_budget(
    client, employee, unit, facebook, count, django_assert_max_num_queries
):
    for n in range(count):
        application_create(
            applicant=employee,
            data=application_data(unit=unit, platform=facebook, address=f"facebook.com/sida{n}"),
            contacts=contacts_for(employee),
        )
    client.force_login(employee)
    # session + user + count + page of applications (units, platforms joined) + the
    # navigation's role lookups: independent of the number of applications.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("channels:application_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_manager_list_query_budget(
    client, employee, unit, facebook, manager, count, django_assert_max_num_queries
):
    for n in range(count):
        application_create(
            applicant=employee,
            data=application_data(unit=unit, platform=facebook, address=f"facebook.com/sida{n}"),
            contacts=contacts_for(employee),
            submit=True,
        )
    client.force_login(manager)
    # session read and write + user + roles + the unit tree, all managed units and
    # the user's own (3) + waiting list + recently decided = 9, plus the
    # navigation's lookups; none depends on the number of applications.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("channels:application_decide_list"))
    assert response.content.decode().count("facebook.com/sida") == count


@pytest.mark.parametrize("count", [5, 50])
def test_registration_list_query_budget(
    client, make_application, manager, communicator, count, django_assert_max_num_queries
):
    for _ in range(count):
        application = make_application()
        application_approve(
            application=application, actor=manager, expected_version=application.version
        )
    client.force_login(communicator)
    # session + user + roles + count + page, + 1 for the navigation's open-item counts
    # (communicators): independent of the number of applications.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("channels:application_registration_list"))
    assert response.status_code == 200
