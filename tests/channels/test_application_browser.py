"""The whole way in Chromium: apply, approve, see it approved, see it waiting."""

import pytest

from channels.models import ApplicationStatus, ChannelApplication
from tests.conftest import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page):
    violations = axe(page)
    assert violations == [], describe_violations(violations)


def test_apply_approve_and_hand_over(
    new_page, live_server, login, axe, employee, manager, communicator, unit, facebook
):
    applicant = new_page()
    login(applicant, "anna")
    main_nav = applicant.get_by_role("navigation", name="Huvudmeny")
    main_nav.get_by_role("link", name="Mina ansökningar").click()
    applicant.get_by_role("link", name="Ansök om en kanal").click()
    assert_accessible(axe, applicant)

    applicant.get_by_label("Förvaltning/enhetens namn").select_option(label="Biblioteket")
    applicant.get_by_label("Socialt medium som verksamheten vill använda").select_option(
        label="Facebook"
    )
    applicant.get_by_label("Adress*", exact=True).fill("https://www.facebook.com/Biblioteket/")
    applicant.get_by_label("Syftet med att delta").fill("Berätta om bibliotekets evenemang.")
    applicant.get_by_label("Målgruppen").fill("Barnfamiljer och unga vuxna.")
    responsible = applicant.get_by_role("group", name="Ansvariga för kanalen")
    responsible.get_by_label("Namn").first.fill("Anna Andersson")
    responsible.get_by_label("E-post").first.fill(employee.email)
    operators = applicant.get_by_role(
        "group", name="Vem/vilka sköter det praktiska, bevakar och svarar på inlägg"
    )
    operators.get_by_label("Namn").first.fill("Olle Sköter")
    operators.get_by_label("Telefon").first.fill("070-123 45 67")

    # First without the box: the error is next to it and nothing typed is lost.
    applicant.get_by_role("button", name="Skicka till min chef").click()
    assert applicant.get_by_text("Du måste bekräfta att du har läst riktlinjerna.").is_visible()
    assert applicant.get_by_label("Målgruppen").input_value() == "Barnfamiljer och unga vuxna."
    assert_accessible(axe, applicant)

    applicant.get_by_label("Jag har läst kommunens riktlinjer för sociala medier").check()
    applicant.get_by_role("button", name="Skicka till min chef").click()
    assert applicant.get_by_text("Ansökan har skickats till din chef.").is_visible()
    application = ChannelApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert_accessible(axe, applicant)

    boss = new_page()
    login(boss, manager.username)
    boss.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Ansökningar att besluta om"
    ).click()
    assert_accessible(axe, boss)
    boss.get_by_role("link", name="Facebook: https://www.facebook.com/Biblioteket/").click()
    boss.get_by_label("Godkänn").check()
    assert_accessible(axe, boss)
    boss.get_by_role("button", name="Registrera beslut").click()
    assert boss.get_by_text("Ansökan är godkänd").is_visible()

    applicant.goto(f"{live_server.url}/ansokningar/")
    assert applicant.get_by_text("Godkänd", exact=True).is_visible()

    kommunikator = new_page()
    login(kommunikator, communicator.username)
    kommunikator.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Att registrera"
    ).click()
    assert kommunikator.get_by_role(
        "link", name="Facebook: https://www.facebook.com/Biblioteket/"
    ).is_visible()
    assert_accessible(axe, kommunikator)

    for page in (applicant, boss, kommunikator):
        assert page.foreign_requests == []
