"""The communicator's side of the register: list, registration, channel page and actions.

Each permission is tested with two users, the one who may and the one who may
not; the one who may not gets 404, as for a channel that does not exist.
Users: `employee` (anna) applied for the channels and, as the contacts carry
her e-mail, handles them; `manager` manages their unit, `other_manager`
another unit; `other_employee` has nothing to do with them.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from channels.models import Channel, ChannelEvent, ChannelStatus
from channels.services.applications import application_approve, application_create
from channels.services.channels import (
    channel_close,
    channel_report_closure,
    channel_set_handlers,
    channel_update,
)
from tests.channels.conftest import application_data
from tests.factories import UnitFactory, UserFactory


def url(name, *args):
    return reverse(f"channels:{name}", args=args)


def html(response):
    return response.content.decode()


@pytest.fixture
def handler(db):
    """A handler who did not apply: named as operator, matched by e-mail."""
    return UserFactory(username="hanna", first_name="Hanna", last_name="Hanterare")


@pytest.fixture
def approved(employee, unit, facebook, manager, handler):
    """An approved application naming `handler` as operator and a person without an account."""
    from channels.models import ContactRole
    from channels.services.applications import ContactData

    application = application_create(
        applicant=employee,
        data=application_data(
            unit=unit, platform=facebook, address="https://www.facebook.com/biblioteket"
        ),
        contacts=[
            ContactData(ContactRole.RESPONSIBLE, 1, "Rebecka Ansvarig", "0240-1", "reb@example.se"),
            ContactData(ContactRole.OPERATOR, 1, "Hanna Hanterare", "070-1", handler.email),
        ],
        submit=True,
    )
    return application_approve(
        application=application, actor=manager, expected_version=application.version
    )


@pytest.fixture
def other_unit_channel(make_application, other_unit, other_manager, communicator):
    """A published channel of `other_unit`, approved by that unit's manager."""
    from channels.services.channels import channel_publish, channel_register

    def make(display_name, publish=True):
        application = make_application(unit=other_unit, applicant=UserFactory(username="olof"))
        application = application_approve(
            application=application, actor=other_manager, expected_version=application.version
        )
        channel = channel_register(
            application=application, actor=communicator, data={"display_name": display_name}
        )
        return channel_publish(channel=channel, actor=communicator) if publish else channel

    return make


# --- Login -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("staff_channel_list", []),
        ("staff_channel_detail", [1]),
        ("staff_channel_register", [1]),
        ("staff_political_list", []),
    ],
)
def test_staff_pages_need_a_login(client, db, name, args):
    response = client.get(url(name, *args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- The list ------------------------------------------------------------------------


def test_a_communicator_lists_channels_of_every_status(client, communicator, make_channel):
    published = make_channel(display_name="Publicerad kanal")
    registered = make_channel(display_name="Registrerad kanal", publish=False)
    closed = channel_close(channel=make_channel(display_name="Avslutad kanal"), actor=communicator)
    client.force_login(communicator)

    response = client.get(url("staff_channel_list"))

    page = html(response)
    assert "Kanalregistret" in page
    for channel in (published, registered, closed):
        assert channel.display_name in page
        assert url("staff_channel_detail", channel.pk) in page
    # Status as text, not colour alone.
    assert "Publicerad</span>" in page
    assert "Avslutad</span>" in page


def test_others_see_only_their_own_channels(
    client,
    make_channel,
    other_unit_channel,
    employee,
    other_employee,
    manager,
    other_manager,
    handler,
):
    mine = make_channel(display_name="Bibliotekets kanal")
    channel_set_handlers(channel=mine, actor=mine.registered_by, handlers=[employee, handler])
    theirs = other_unit_channel("Fritidsgårdens kanal")

    for user, sees_mine, sees_theirs in [
        (employee, True, False),  # applicant and handler
        (handler, True, False),
        (manager, True, False),  # manages the unit
        (other_manager, False, True),
        (other_employee, False, False),
    ]:
        client.force_login(user)
        page = html(client.get(url("staff_channel_list")))
        assert "Mina kanaler" in page
        assert (mine.display_name in page) is sees_mine, user
        assert (theirs.display_name in page) is sees_theirs, user


def test_the_list_filters_by_status_unit_platform_and_text(
    client, communicator, make_channel, other_unit_channel, other_unit, instagram
):
    library = make_channel(display_name="Bibliotekets sida")
    youth = other_unit_channel("Fritidsgårdens sida", publish=False)
    insta = make_channel(
        display_name="Bilder",
        platform=instagram,
        address="https://www.instagram.com/biblioteket_bilder",
    )
    client.force_login(communicator)

    def names(**params):
        page = html(client.get(url("staff_channel_list"), params))
        return {c.display_name for c in (library, youth, insta) if c.display_name in page}

    assert names(status="registered") == {youth.display_name}
    assert names(unit=other_unit.pk) == {youth.display_name}
    assert names(platform=instagram.pk) == {insta.display_name}
    assert names(q="bibliotekets") == {library.display_name}
    assert names(q="biblioteket_bilder") == {insta.display_name}
    # A wrong filter value is ignored rather than an error.
    assert names(unit="inte-ett-id") == {
        library.display_name,
        youth.display_name,
        insta.display_name,
    }


def test_the_list_is_paginated_by_50(client, communicator, make_channel):
    for n in range(51):
        make_channel(display_name=f"Kanal nummer {n:02d}", publish=False)
    client.force_login(communicator)

    first = html(client.get(url("staff_channel_list")))
    second = html(client.get(url("staff_channel_list"), {"sida": 2}))

    assert "Kanal nummer 49" in first and "Kanal nummer 50" not in first
    assert "Kanal nummer 50" in second
    assert "Sida 1 av 2" in first


def test_channels_not_confirmed_in_time_are_flagged_to_the_communicator(
    client, communicator, employee, make_channel
):
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=UTC), tick=False):
        overdue = make_channel(display_name="Glömd kanal")
    with time_machine.travel(datetime(2025, 12, 1, 9, tzinfo=UTC), tick=False):
        recent = make_channel(display_name="Ny kanal")

    with time_machine.travel(datetime(2026, 2, 1, 9, tzinfo=UTC), tick=False):
        client.force_login(communicator)
        page = html(client.get(url("staff_channel_list")))
        flagged = html(client.get(url("staff_channel_list"), {"review": "on"}))
        client.force_login(employee)
        own = html(client.get(url("staff_channel_list")))

    section = page.split('id="review-heading"')[1].split('id="channels-heading"')[0]
    assert "Ej bekräftade" in page
    assert overdue.display_name in section
    assert recent.display_name not in section
    assert overdue.display_name in flagged and recent.display_name not in flagged
    # The flagged section is the communicator's.
    assert "Ej bekräftade" not in own


# --- Registering -----------------------------------------------------------------------


def test_a_communicator_registers_an_approved_application(
    client, communicator, approved, employee, handler
):
    client.force_login(communicator)

    form = client.get(url("staff_channel_register", approved.pk))
    assert form.status_code == 200
    page = html(form)
    assert 'value="https://www.facebook.com/biblioteket"' in page
    # The public contact is the communicator's choice: never a person's address by default.
    assert 'name="public_email" value' not in page
    assert handler.email not in page.split('name="public_email"')[1].split(">")[0]

    response = client.post(
        url("staff_channel_register", approved.pk),
        {
            "display_name": "Biblioteket i Exempelby",
            "address": "https://www.facebook.com/biblioteket",
            "account_id": "104857600123456",
            "purpose": "Evenemang och öppettider.",
            "target_group": "Låntagare.",
            "public_email": "bibliotek@example.se",
            "public_phone": "0240-660 00",
        },
    )

    channel = Channel.objects.get()
    assert response.status_code == 302
    assert response.url == url("staff_channel_detail", channel.pk)
    assert channel.status == ChannelStatus.REGISTERED
    assert (channel.display_name, channel.account_id) == (
        "Biblioteket i Exempelby",
        "104857600123456",
    )
    assert channel.public_email == "bibliotek@example.se"
    assert channel.registered_by == communicator
    # Handlers matched by e-mail: the operator; the responsible person has no account.
    assert list(channel.handlers.all()) == [handler]
    approved.refresh_from_db()
    assert approved.registered_at is not None


def test_registering_keeps_the_public_contact_empty_when_not_given(client, communicator, approved):
    client.force_login(communicator)

    client.post(
        url("staff_channel_register", approved.pk),
        {
            "display_name": "Biblioteket",
            "address": approved.address,
            "purpose": approved.purpose,
            "target_group": approved.target_group,
        },
    )

    channel = Channel.objects.get()
    assert (channel.public_email, channel.public_phone) == ("", "")


def test_registration_errors_show_next_to_the_field(client, communicator, approved):
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_register", approved.pk),
        {
            "display_name": "",
            "address": "https://www.instagram.com/fel",
            "purpose": "x",
            "target_group": "y",
            "public_phone": "ring mig",
        },
    )

    assert response.status_code == 400
    page = html(response)
    assert "Det här är inte en adress eller ett användarnamn på Facebook." in page
    assert "Det här fältet är obligatoriskt." in page
    assert not Channel.objects.exists()


@pytest.mark.parametrize("user", ["employee", "manager", "other_manager", "registrar"])
def test_only_a_communicator_may_register(client, request, approved, user):
    client.force_login(request.getfixturevalue(user))

    assert client.get(url("staff_channel_register", approved.pk)).status_code == 404
    assert client.post(url("staff_channel_register", approved.pk), {}).status_code == 404
    assert not Channel.objects.exists()


def test_only_approved_unregistered_applications_can_be_registered(
    client, communicator, make_application, make_channel
):
    submitted = make_application()
    registered = make_channel(publish=False).application
    client.force_login(communicator)

    assert client.get(url("staff_channel_register", submitted.pk)).status_code == 404
    assert client.get(url("staff_channel_register", registered.pk)).status_code == 404


# --- The channel page ---------------------------------------------------------------


def test_who_sees_the_channel_page(
    client, make_channel, communicator, employee, manager, other_manager, other_employee
):
    channel = make_channel()

    for user, status in [
        (communicator, 200),
        (employee, 200),
        (manager, 200),
        (other_manager, 404),
        (other_employee, 404),
    ]:
        client.force_login(user)
        assert client.get(url("staff_channel_detail", channel.pk)).status_code == status, user


def test_the_page_shows_details_contacts_handlers_and_history(
    client, make_channel, communicator, employee
):
    channel = make_channel(display_name="Biblioteket")
    channel_update(
        channel=channel,
        actor=communicator,
        data={"purpose": "Nytt syfte."},
        expected_version=channel.version,
    )
    client.force_login(communicator)

    page = html(client.get(url("staff_channel_detail", channel.pk)))

    assert "Rebecka Ansvarig" in page and "Olle Sköter" in page
    assert "Anna Andersson (anna)" in page  # the handler
    assert "Historik" in page
    assert "Registrerad</strong>" in page and "Publicerad</strong>" in page
    # The `changes` JSON as a readable list.
    assert "Syfte: från ”Sprida information om bibliotekets evenemang.” till ”Nytt syfte.”" in page
    assert "Senast bekräftad" in page


def test_action_buttons_depend_on_the_permissions(
    client, make_channel, communicator, employee, manager
):
    channel = make_channel(publish=False)

    client.force_login(communicator)
    page = html(client.get(url("staff_channel_detail", channel.pk)))
    assert url("staff_channel_publish", channel.pk) in page
    assert url("staff_channel_edit", channel.pk) in page
    assert url("staff_channel_handlers", channel.pk) in page
    assert url("staff_channel_close", channel.pk) in page

    client.force_login(manager)
    page = html(client.get(url("staff_channel_detail", channel.pk)))
    assert url("staff_channel_publish", channel.pk) not in page
    assert url("staff_channel_edit", channel.pk) not in page
    assert url("staff_channel_report_closure", channel.pk) in page
    # Only a published channel is reviewed, and only by its handlers.
    assert url("staff_channel_confirm_review", channel.pk) not in page


def test_a_script_in_the_name_is_escaped(client, make_channel, communicator, approved):
    channel = make_channel(display_name="<script>alert('x')</script>")
    client.force_login(communicator)

    for page_url in (
        url("staff_channel_list"),
        url("staff_channel_detail", channel.pk),
        url("staff_channel_edit", channel.pk),
        url("staff_channel_handlers", channel.pk),
    ):
        page = html(client.get(page_url))
        assert "<script>alert" not in page, page_url
        assert "&lt;script&gt;alert(" in page, page_url


# --- Publish, unpublish, edit -----------------------------------------------------------


def test_a_communicator_publishes_and_unpublishes(client, make_channel, communicator):
    channel = make_channel(publish=False)
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_publish", channel.pk), {"publish-version": channel.version}
    )

    channel.refresh_from_db()
    assert response.status_code == 302
    assert channel.status == ChannelStatus.PUBLISHED
    assert channel.published_at is not None

    response = client.post(
        url("staff_channel_unpublish", channel.pk),
        {"unpublish-version": channel.version, "unpublish-comment": "Kontot är kapat."},
        follow=True,
    )

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.REGISTERED
    event = channel.events.get(kind=ChannelEvent.Kind.UNPUBLISHED)
    assert (event.comment, event.public) == ("Kontot är kapat.", True)
    assert "Kontot är kapat." in html(response)


def test_a_manager_may_not_publish(client, make_channel, manager):
    channel = make_channel(publish=False)
    client.force_login(manager)

    response = client.post(
        url("staff_channel_publish", channel.pk), {"publish-version": channel.version}
    )

    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.REGISTERED


def test_actions_are_post_only(client, make_channel, communicator):
    channel = make_channel(publish=False)
    client.force_login(communicator)

    assert client.get(url("staff_channel_publish", channel.pk)).status_code == 405


def test_a_refused_transition_shows_a_message_and_changes_nothing(
    client, make_channel, communicator
):
    channel = make_channel()  # already published
    events = channel.events.count()
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_publish", channel.pk),
        {"publish-version": channel.version},
        follow=True,
    )

    assert "Det går inte nu: statusen är ”Publicerad”." in html(response)
    assert channel.events.count() == events


def test_an_action_on_an_outdated_page_is_refused(client, make_channel, communicator):
    channel = make_channel(publish=False)
    seen = channel.version
    channel_update(
        channel=channel, actor=communicator, data={"purpose": "Ändrat"}, expected_version=seen
    )
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_publish", channel.pk), {"publish-version": seen}, follow=True
    )

    assert "Någon annan ändrade detta medan du arbetade" in html(response)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.REGISTERED


def edit_post(channel, **overrides):
    data = {
        "version": channel.version,
        "display_name": channel.display_name,
        "unit": channel.unit_id,
        "platform": channel.platform_id,
        "address": channel.address,
        "account_id": channel.account_id,
        "purpose": channel.purpose,
        "target_group": channel.target_group,
        "public_email": channel.public_email,
        "public_phone": channel.public_phone,
    }
    return data | overrides


def test_a_communicator_edits_the_details(client, make_channel, communicator):
    channel = make_channel()
    client.force_login(communicator)

    response = client.get(url("staff_channel_edit", channel.pk))
    assert f'name="version" value="{channel.version}"' in html(response)

    response = client.post(
        url("staff_channel_edit", channel.pk),
        edit_post(channel, display_name="Nytt namn", public_phone="0240-660 00"),
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.display_name, channel.public_phone) == ("Nytt namn", "0240-660 00")
    event = channel.events.get(kind=ChannelEvent.Kind.UPDATED)
    assert event.public
    assert event.changes["display_name"][1] == "Nytt namn"


def test_a_stale_edit_is_refused_and_nothing_is_saved(client, make_channel, communicator):
    channel = make_channel(display_name="Originalet")
    stale = edit_post(channel, display_name="Min ändring")
    channel_update(
        channel=channel,
        actor=communicator,
        data={"purpose": "Någon annans ändring."},
        expected_version=channel.version,
    )
    client.force_login(communicator)

    response = client.post(url("staff_channel_edit", channel.pk), stale)

    assert response.status_code == 409
    page = html(response)
    assert "Någon annan ändrade detta medan du arbetade" in page
    assert 'value="Min ändring"' in page  # what was typed is still there to copy
    channel.refresh_from_db()
    assert channel.display_name == "Originalet"
    assert channel.purpose == "Någon annans ändring."


def test_edit_errors_show_next_to_the_field(client, make_channel, communicator):
    channel = make_channel()
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_edit", channel.pk), edit_post(channel, public_email="inte-en-adress")
    )

    assert response.status_code == 400
    assert "Ange en giltig mejladress." in html(response)


@pytest.mark.parametrize("name", ["Biblioteket\npå Facebook", "Biblioteket\tpå Facebook"])
def test_a_name_over_two_lines_is_refused_at_the_field(client, make_channel, communicator, name):
    channel = make_channel(display_name="Biblioteket på Facebook")
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_edit", channel.pk), edit_post(channel, display_name=name)
    )

    assert response.status_code == 400
    assert "Skriv namnet på en rad, utan radbrytningar eller tabbar." in html(response)
    channel.refresh_from_db()
    assert channel.display_name == "Biblioteket på Facebook"


def test_an_address_taken_by_another_channel_is_refused_at_the_field(
    client, make_channel, communicator
):
    first = make_channel(address="https://www.facebook.com/forsta")
    second = make_channel(address="https://www.facebook.com/andra")
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_edit", second.pk), edit_post(second, address=first.address)
    )

    assert response.status_code == 400
    assert "Det här kontot är redan registrerat som officiell kanal." in html(response)
    second.refresh_from_db()
    assert second.address == "https://www.facebook.com/andra"


@pytest.mark.parametrize("user", ["employee", "manager"])
def test_only_a_communicator_edits(client, request, make_channel, user):
    channel = make_channel(display_name="Orört")
    client.force_login(request.getfixturevalue(user))

    assert client.get(url("staff_channel_edit", channel.pk)).status_code == 404
    response = client.post(
        url("staff_channel_edit", channel.pk), edit_post(channel, display_name="X")
    )
    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.display_name == "Orört"


# --- Closure ---------------------------------------------------------------------------


def test_a_handler_reports_closure_and_a_communicator_confirms_it(
    client,
    make_channel,
    communicator,
    handler,
    django_capture_on_commit_callbacks,
):
    channel = make_channel(display_name="Sommarlovskanalen")
    channel_set_handlers(channel=channel, actor=communicator, handlers=[handler])
    client.force_login(handler)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("staff_channel_report_closure", channel.pk),
            {
                "report-version": channel.version,
                "report-closure_date": "2026-08-31",
                "report-reason": "Sommarlovet är slut.",
            },
        )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.PUBLISHED  # until a communicator confirms
    assert (channel.closure_reported_by, channel.closure_date) == (handler, date(2026, 8, 31))
    assert [m.to for m in mail.outbox] == [[communicator.email]]

    client.force_login(communicator)
    page = html(client.get(url("staff_channel_detail", channel.pk)))
    assert 'value="2026-08-31"' in page  # the close form starts from the reported date
    response = client.post(
        url("staff_channel_close", channel.pk),
        {"close-version": channel.version, "close-closure_date": "", "close-reason": ""},
    )

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.CLOSED
    assert channel.closure_date == date(2026, 8, 31)
    assert channel.closure_reason == "Sommarlovet är slut."
    assert channel.closed_by == communicator

    # The closed channel keeps its staff page and history, for the handler too.
    for user in (communicator, handler):
        client.force_login(user)
        response = client.get(url("staff_channel_detail", channel.pk))
        assert response.status_code == 200
        page = html(response)
        assert "Sommarlovet är slut." in page
        assert "Avslutad</strong>" in page and "Avslut anmält</strong>" in page
        assert url("staff_channel_report_closure", channel.pk) not in page


def test_reporting_closure_needs_a_date(client, make_channel, employee):
    channel = make_channel()
    client.force_login(employee)

    response = client.post(
        url("staff_channel_report_closure", channel.pk),
        {"report-version": channel.version, "report-closure_date": "", "report-reason": "x"},
    )

    assert response.status_code == 400
    assert "Det här fältet är obligatoriskt." in html(response)
    channel.refresh_from_db()
    assert channel.closure_reported_at is None


@pytest.mark.parametrize(
    "user,status",
    [("manager", 302), ("other_manager", 404), ("employee", 302), ("other_employee", 404)],
)
def test_who_may_report_closure(client, request, make_channel, user, status):
    channel = make_channel()
    client.force_login(request.getfixturevalue(user))

    response = client.post(
        url("staff_channel_report_closure", channel.pk),
        {"report-version": channel.version, "report-closure_date": "2026-08-31"},
    )

    assert response.status_code == status
    channel.refresh_from_db()
    assert (channel.closure_reported_at is not None) is (status == 302)


@pytest.mark.parametrize("user", ["manager", "employee"])
def test_only_a_communicator_closes(client, request, make_channel, user):
    channel = make_channel()
    client.force_login(request.getfixturevalue(user))

    response = client.post(
        url("staff_channel_close", channel.pk), {"close-version": channel.version}
    )

    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.PUBLISHED


def test_a_closed_channel_cannot_be_reported_again(client, make_channel, communicator, employee):
    channel = make_channel()
    channel_report_closure(channel=channel, actor=employee, closure_date=date(2026, 1, 1))
    channel = channel_close(channel=channel, actor=communicator)
    client.force_login(employee)

    response = client.post(
        url("staff_channel_report_closure", channel.pk),
        {"report-version": channel.version, "report-closure_date": "2026-02-01"},
        follow=True,
    )

    assert "Kanalen är redan avslutad." in html(response)
    channel.refresh_from_db()
    assert channel.closure_date == date(2026, 1, 1)


# --- The annual review ---------------------------------------------------------------


def test_a_handler_confirms_the_annual_review(client, make_channel, employee):
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=UTC), tick=False):
        channel = make_channel()
    now = datetime(2026, 2, 1, 9, tzinfo=UTC)

    with time_machine.travel(now, tick=False):
        client.force_login(employee)
        page = html(client.get(url("staff_channel_detail", channel.pk)))
        assert "Den årliga genomgången ska göras." in page
        response = client.post(
            url("staff_channel_confirm_review", channel.pk),
            {"review-version": channel.version, "review-comment": "Används varje vecka."},
            follow=True,
        )

    channel.refresh_from_db()
    assert channel.last_confirmed_at == now
    assert channel.last_confirmed_by == employee
    assert "Den årliga genomgången ska göras." not in html(response)
    assert "Används varje vecka." in html(response)


@pytest.mark.parametrize("user", ["manager", "other_manager"])
def test_managers_do_not_confirm_the_review(client, request, make_channel, user):
    """The unit's manager sees the channel but the handlers confirm it."""
    channel = make_channel()
    before = channel.last_confirmed_at
    client.force_login(request.getfixturevalue(user))

    response = client.post(
        url("staff_channel_confirm_review", channel.pk), {"review-version": channel.version}
    )

    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.last_confirmed_at == before


# --- Handlers --------------------------------------------------------------------------


def test_a_communicator_chooses_the_handlers(client, make_channel, communicator, employee, handler):
    channel = make_channel()
    assert list(channel.handlers.all()) == [employee]
    client.force_login(communicator)

    response = client.get(url("staff_channel_handlers", channel.pk))
    assert "Anna Andersson (anna)" in html(response)

    response = client.post(
        url("staff_channel_handlers", channel.pk),
        {"handlers": [], "add": f"{handler.email.upper()}, kerstin"},
    )

    assert response.status_code == 302
    assert set(channel.handlers.all()) == {handler, communicator}
    event = channel.events.get(kind=ChannelEvent.Kind.HANDLERS_CHANGED)
    assert event.changes == {"handlers": [["anna"], ["hanna", "kerstin"]]}


def test_unknown_handlers_are_refused_at_the_field(client, make_channel, communicator, employee):
    channel = make_channel()
    client.force_login(communicator)

    response = client.post(
        url("staff_channel_handlers", channel.pk),
        {"handlers": [employee.pk], "add": "ingen-sadan"},
    )

    assert response.status_code == 400
    assert "ingen-sadan" in html(response)
    assert list(channel.handlers.all()) == [employee]


def test_match_contacts_again(client, make_channel, communicator, employee):
    channel = make_channel()
    channel_set_handlers(channel=channel, actor=communicator, handlers=[])
    client.force_login(communicator)

    response = client.post(url("staff_channel_handlers", channel.pk), {"match": "1"}, follow=True)

    assert list(channel.handlers.all()) == [employee]
    assert "Hanterare som lagts till från kontaktpersonerna: 1." in html(response)


@pytest.mark.parametrize("user", ["employee", "manager"])
def test_only_a_communicator_manages_handlers(client, request, make_channel, user):
    channel = make_channel()
    client.force_login(request.getfixturevalue(user))

    assert client.get(url("staff_channel_handlers", channel.pk)).status_code == 404
    response = client.post(url("staff_channel_handlers", channel.pk), {"handlers": []})
    assert response.status_code == 404
    assert channel.handlers.exists()


# --- Query budgets ---------------------------------------------------------------


@pytest.fixture
def many_channels(make_channel, manager, facebook, instagram):
    """`count` published channels over three units and two platforms, through the services."""

    def make(count):
        units = [UnitFactory(managers=[manager]) for _ in range(3)]
        for n in range(count):
            platform = (facebook, instagram)[n % 2]
            make_channel(
                display_name=f"Kanal {n}",
                unit=units[n % 3],
                platform=platform,
                address=f"https://www.{platform.kind}.com/konto{n}",
            )

    return make


@pytest.mark.parametrize("count", [5, 50])
def test_channel_list_query_budget_for_communicators(
    client, communicator, many_channels, count, django_assert_max_num_queries
):
    many_channels(count)
    client.force_login(communicator)
    # session + user + roles (3) + count + page, unit and platform joined (2) + the
    # filter's units and platforms (2) + overdue count and preview (2) + the session save
    # in a savepoint (3) = 12, whatever the number of channels.
    with django_assert_max_num_queries(12):
        response = client.get(url("staff_channel_list"), {"status": "published"})
    assert html(response).count("Kanal ") >= min(count, 50)


@pytest.mark.parametrize("count", [5, 50])
def test_channel_list_query_budget_for_managers(
    client, manager, many_channels, count, django_assert_max_num_queries
):
    many_channels(count)
    client.force_login(manager)
    # session + user + roles (3) + the managed unit tree (3) + count + page (2) + the
    # filter's units and platforms (2) + the session save in a savepoint (3) = 13,
    # whatever the number of channels.
    with django_assert_max_num_queries(13):
        response = client.get(url("staff_channel_list"))
    assert f"{count} kanaler" in html(response)


@pytest.mark.parametrize("count", [5, 50])
def test_channel_page_query_budget(
    client, make_channel, communicator, count, django_assert_max_num_queries
):
    channel = make_channel()
    for n in range(count):
        channel = channel_update(
            channel=channel,
            actor=communicator,
            data={"purpose": f"Syfte {n}"},
            expected_version=channel.version,
        )
    client.force_login(communicator)
    # session + user + roles (3) + visibility check + the channel with its unit, platform,
    # application, applicant and people (1) + contacts, handlers, events with actors (3) +
    # the session save in a savepoint (3) + the navigation's open-item counts (1,
    # communicators) = 12, whatever the length of the history.
    with django_assert_max_num_queries(12):
        response = client.get(url("staff_channel_detail", channel.pk))
    assert response.content.decode().count("Syfte: från") == count
