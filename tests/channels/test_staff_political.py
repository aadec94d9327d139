"""The communicator's pages for political representatives' links."""

import pytest
from django.urls import reverse

from channels.models import PoliticalLink
from channels.models.political import PoliticalLinkEvent
from channels.services.political import political_link_create

LINK = {
    "party": "Exempelpartiet",
    "person": "Per Politiker",
    "body": "Kommunfullmäktige",
    "url": "https://per.example.se/blogg",
    "is_active": True,
}


def url(name, *args):
    return reverse(f"channels:{name}", args=args)


def form_data(**overrides):
    data = {k: v for k, v in LINK.items() if k != "is_active"} | {"is_active": "on"}
    return {k: v for k, v in (data | overrides).items() if v is not None}


@pytest.fixture
def link(communicator):
    return political_link_create(actor=communicator, data=LINK)


def test_a_communicator_adds_a_link(client, communicator):
    client.force_login(communicator)

    response = client.post(url("staff_political_create"), form_data(), follow=True)

    link = PoliticalLink.objects.get()
    assert (link.person, link.url, link.is_active) == ("Per Politiker", LINK["url"], True)
    page = response.content.decode()
    assert "Länken är tillagd." in page
    assert "Per Politiker" in page
    assert PoliticalLinkEvent.objects.get().actor == communicator


def test_a_web_address_without_scheme_gets_https(client, communicator):
    client.force_login(communicator)

    client.post(url("staff_political_create"), form_data(url="per.example.se"))

    assert PoliticalLink.objects.get().url == "https://per.example.se"


def test_errors_show_next_to_the_field(client, communicator):
    client.force_login(communicator)

    response = client.post(url("staff_political_create"), form_data(party="", url="inte en adress"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Det här fältet är obligatoriskt." in page
    assert 'id="id_url_error"' in page
    assert 'value="Per Politiker"' in page
    assert not PoliticalLink.objects.exists()


def test_a_communicator_edits_and_hides_a_link(client, communicator, link):
    client.force_login(communicator)

    page = client.get(url("staff_political_edit", link.pk)).content.decode()
    assert 'value="Per Politiker"' in page
    response = client.post(
        url("staff_political_edit", link.pk), form_data(person="Petra Politiker", is_active=None)
    )

    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.person, link.is_active) == ("Petra Politiker", False)
    event = link.events.last()
    assert event.changes == {
        "person": ["Per Politiker", "Petra Politiker"],
        "is_active": [True, False],
    }
    # The history shows on the edit page.
    page = client.get(url("staff_political_edit", link.pk)).content.decode()
    assert "Ändrad" in page and "Skapad" in page


def test_a_communicator_deletes_a_link_after_confirming(client, communicator, link):
    client.force_login(communicator)

    confirm = client.get(url("staff_political_delete", link.pk))
    assert confirm.status_code == 200
    assert PoliticalLink.objects.exists()

    response = client.post(url("staff_political_delete", link.pk), follow=True)

    assert not PoliticalLink.objects.exists()
    page = response.content.decode()
    assert "Länken är borttagen." in page
    # The history outlives the link.
    assert "Borttagen</strong>: Per Politiker (Exempelpartiet)" in page


@pytest.mark.parametrize("user", ["employee", "manager", "registrar"])
def test_others_get_404(client, request, link, user):
    client.force_login(request.getfixturevalue(user))

    assert client.get(url("staff_political_list")).status_code == 404
    assert client.get(url("staff_political_create")).status_code == 404
    assert client.post(url("staff_political_create"), form_data()).status_code == 404
    assert client.get(url("staff_political_edit", link.pk)).status_code == 404
    response = client.post(url("staff_political_edit", link.pk), form_data(person="X"))
    assert response.status_code == 404
    assert client.post(url("staff_political_delete", link.pk)).status_code == 404

    link.refresh_from_db()
    assert link.person == "Per Politiker"
    assert PoliticalLink.objects.count() == 1


def test_an_unknown_link_is_404(client, communicator):
    client.force_login(communicator)

    assert client.get(url("staff_political_edit", 999)).status_code == 404


def test_a_script_in_a_name_is_escaped(client, communicator):
    political_link_create(actor=communicator, data=LINK | {"person": "<script>alert(1)</script>"})
    client.force_login(communicator)

    page = client.get(url("staff_political_list")).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("count", [5, 50])
def test_political_list_query_budget(client, communicator, count, django_assert_max_num_queries):
    for n in range(count):
        political_link_create(actor=communicator, data=LINK | {"person": f"Företrädare {n}"})
    client.force_login(communicator)
    # session + user + roles (3) + links (1) + recent changes with their actors (1) + the
    # session save in a savepoint (3) + the navigation's open-item counts (1, communicators)
    # = 9, whatever the number of links.
    with django_assert_max_num_queries(9):
        response = client.get(url("staff_political_list"))
    assert response.content.decode().count("Företrädare ") >= count
