"""The public pages and the open-data API are answered whole from the cache
(core.public_cache) until the register changes.

What is kept is what every anonymous visitor gets alike: each answer still
carries the visitor's own CSRF token, a logged-in employee's pages and
pending messages are never kept or served, the API's throttle still counts,
and any change to the register, a channel deleted outside the workflows
included, is shown at once.
"""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.test.signals import template_rendered

from channels.models import Channel, Platform
from channels.public_queries import register_version
from channels.services.channels import channel_update
from core.models import Unit
from core.public_cache import (
    LOCAL_MAX_BYTES,
    _LocalStore,
    cached_response,
    clear_local,
    local_store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered():
    """The templates rendered while the test runs."""
    names = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


@pytest.mark.parametrize("path", ["/kanaler/", "/kanaler/?q=bibliotek", "detail"])
def test_a_repeated_page_is_the_kept_answer_with_one_query_and_no_rendering(
    path, library, rendered, django_assert_num_queries
):
    path = library.get_absolute_url() if path == "detail" else path
    first = Client().get(path)
    assert first.status_code == 200
    assert rendered
    rendered.clear()
    with django_assert_num_queries(1):  # the register's version
        again = Client().get(path)
    assert rendered == []
    assert again.status_code == 200
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Cache-Control"] == first["Cache-Control"]
    assert again.content == first.content
    assert "Biblioteket på Facebook" in again.content.decode()


def test_public_pages_set_no_cookie_and_the_language_switch_needs_no_token(library):
    Client().get("/kanaler/")  # kept
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/kanaler/")
    assert page.cookies == {} or not any(page.cookies.values())
    assert "csrfmiddlewaretoken" not in page.content.decode()
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/kanaler/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/kanaler/"
    assert visitor.cookies["django_language"].value == "en"
    assert 'lang="en"' in visitor.get("/kanaler/").content.decode()
    # Only a safe `next`, as Django's view does.
    away = visitor.post("/i18n/setlang/", {"language": "sv", "next": "https://evil.example/"})
    assert away["Location"] == "/"


def test_a_page_with_a_csrf_token_or_a_cookie_is_never_kept(rf):
    """A page that asked for the visitor's CSRF token, or set a cookie, is the visitor's own."""
    calls = []

    def with_token(request):
        calls.append("token")
        return HttpResponse(Template("{% csrf_token %}").render(RequestContext(request)))

    def with_cookie(request):
        calls.append("cookie")
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    for view in (with_token, with_cookie):
        kept = cached_response("test", lambda request: "1")(view)
        for _ in range(2):
            request = rf.get("/")
            request.COOKIES = {}
            assert kept(request).status_code == 200
    assert calls == ["token", "token", "cookie", "cookie"]


def test_another_process_is_filled_from_the_shared_cache(
    library, rendered, django_assert_num_queries
):
    first = Client().get("/kanaler/")
    clear_local()  # as a process that has not served the page yet
    rendered.clear()
    with django_assert_num_queries(1):
        again = Client().get("/kanaler/")
    assert rendered == []
    assert again.content == first.content
    assert len(local_store) == 1


def test_each_process_keeps_a_bounded_least_recently_used_set():
    store = _LocalStore(100)
    store.set("a", (b"x" * 40, []))
    store.set("b", (b"x" * 40, []))
    assert store.get("a") is not None  # a is now the most recently used
    store.set("c", (b"x" * 40, []))
    assert store.get("b") is None
    assert store.get("a") is not None
    assert store.get("c") is not None
    store.set("huge", (b"x" * 101, []))
    assert store.get("huge") is None
    assert len(store) == 2
    assert LOCAL_MAX_BYTES <= 16 * 1024 * 1024  # the workers' memory target (BENCHMARKS.md, 7.)


def test_a_logged_in_employee_never_gets_or_leaves_a_kept_page(library, communicator, rendered):
    Client().get("/kanaler/")
    staff = Client()
    staff.force_login(communicator)
    rendered.clear()
    page = staff.get("/kanaler/").content.decode()
    assert rendered, "rendered for the employee, not taken from the cache"
    assert "Manage political links" in page or "Hantera politiska länkar" in page
    anonymous = Client().get("/kanaler/").content.decode()
    assert "Hantera politiska länkar" not in anonymous
    assert "Manage political links" not in anonymous


def test_a_pending_message_is_shown_not_hidden_by_a_kept_page(library, rendered):
    Client().get("/kanaler/")
    visitor = Client()
    visitor.cookies["messages"] = "pending"
    rendered.clear()
    visitor.get("/kanaler/")
    assert rendered


def test_each_language_is_kept_apart(library):
    swedish = Client().get("/kanaler/").content.decode()
    english_visitor = Client()
    english_visitor.cookies["django_language"] = "en"
    english = english_visitor.get("/kanaler/").content.decode()
    assert 'lang="sv"' in swedish
    assert 'lang="en"' in english
    assert Client().get("/kanaler/").content.decode().count('lang="sv"') == swedish.count(
        'lang="sv"'
    )


def test_a_page_that_is_not_found_is_not_kept(library, communicator):
    path = f"/kanaler/{library.pk + 1000}/"
    assert Client().get(path).status_code == 404
    assert Client().get(path).status_code == 404


def test_a_change_is_shown_at_once_on_the_kept_channel_page(library, communicator):
    path = library.get_absolute_url()
    assert "Biblioteket på Facebook" in Client().get(path).content.decode()
    channel_update(
        channel=library,
        actor=communicator,
        data={"display_name": "Stadsbiblioteket"},
        expected_version=library.version,
    )
    page = Client().get(path).content.decode()
    assert "Stadsbiblioteket" in page
    assert "Biblioteket på Facebook" not in page


def test_changes_outside_the_services_are_shown_at_once(library, make_channel, facebook):
    """The version is kept by database triggers: bulk updates and deletes count too."""
    other = make_channel(
        platform=facebook,
        address="https://www.facebook.com/exempelby.simhallen",
        display_name="Simhallen",
    )
    verify = "/api/v1/verify?url=facebook.com/exempelby.simhallen"
    assert "Simhallen" in Client().get("/kanaler/").content.decode()
    assert Client().get(verify).json()["status"] == "official"

    Channel.objects.filter(pk=library.pk).update(display_name="Stadsbiblioteket")
    assert "Stadsbiblioteket" in Client().get("/kanaler/").content.decode()

    Unit.objects.filter(pk=library.unit_id).update(name="Kulturförvaltningen")
    assert "Kulturförvaltningen" in Client().get(library.get_absolute_url()).content.decode()

    Platform.objects.filter(pk=facebook.pk).update(name="Meta Facebook")
    assert "Meta Facebook" in Client().get("/kanaler/").content.decode()

    Channel.objects.filter(pk=other.pk).delete()
    assert "Simhallen" not in Client().get("/kanaler/").content.decode()
    assert Client().get(verify).json()["status"] == "unknown"


def test_a_rolled_back_change_never_stands_for_a_later_one(library, make_channel, facebook):
    before = register_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Channel.objects.filter(pk=library.pk).update(display_name="Tillfälligt namn")
        assert "Tillfälligt namn" in Client().get("/kanaler/").content.decode()
        raise RuntimeError("rolled back")
    assert register_version() == before
    assert "Tillfälligt namn" not in Client().get("/kanaler/").content.decode()
    # The next change gets a version of its own, not the rolled-back one's page.
    Channel.objects.filter(pk=library.pk).update(display_name="Stadsbiblioteket")
    page = Client().get("/kanaler/").content.decode()
    assert "Stadsbiblioteket" in page
    assert "Tillfälligt namn" not in page


def test_a_kept_api_answer_keeps_the_views_headers(library, rendered, django_assert_num_queries):
    first = Client().get("/api/v1/channels")
    with django_assert_num_queries(1):
        again = Client().get("/api/v1/channels")
    assert again.json() == first.json()
    for header in ("Content-Type", "Allow", "Vary", "ETag", "Cache-Control"):
        assert again[header] == first[header], header


def test_the_throttle_counts_kept_api_answers(library, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"},
    }
    client = Client()
    statuses = [client.get("/api/v1/verify?url=facebook.com/exempelby.bibliotek") for _ in range(4)]
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert statuses[3].json()["code"] == "throttled"
    assert "Retry-After" in statuses[3]


def test_an_invalid_api_query_is_answered_by_the_view_every_time(db):
    for _ in range(2):
        response = Client().get("/api/v1/channels", {"limit": "many"})
        assert response.status_code == 400
        assert response.json()["field"] == "limit"


def test_the_csv_is_streamed_not_kept(library):
    for _ in range(2):
        response = Client().get("/api/v1/channels.csv")
        assert response.streaming
        assert "Biblioteket på Facebook" in b"".join(response.streaming_content).decode()


@pytest.fixture
def version_max_age(settings, monkeypatch):
    """Each process reads the register's version at most once a second, as in production;
    the returned list holds the process's monotonic clock, to move by hand."""
    settings.REGISTER_VERSION_MAX_AGE = 1.0
    clock = [1000.0]
    monkeypatch.setattr("channels.public_queries._now", lambda: clock[0])
    return clock


@pytest.mark.parametrize(
    "path", ["/kanaler/", "/api/v1/verify?url=facebook.com/exempelby.bibliotek"]
)
def test_anonymous_visitors_get_the_register_as_read_within_the_last_second(
    path, library, version_max_age, django_assert_num_queries
):
    first = Client().get(path).content
    assert "Biblioteket på Facebook" in first.decode()
    with django_assert_num_queries(0):  # the kept answer, and the version read a moment ago
        assert Client().get(path).content == first
    Channel.objects.filter(pk=library.pk).update(display_name="Stadsbiblioteket")

    version_max_age[0] += 0.9
    assert Client().get(path).content == first  # read less than a second ago
    version_max_age[0] += 0.2
    changed = Client().get(path).content.decode()
    assert "Stadsbiblioteket" in changed
    assert "Biblioteket på Facebook" not in changed


def test_a_logged_in_employee_sees_a_change_at_once(library, communicator, version_max_age):
    assert "Biblioteket på Facebook" in Client().get("/kanaler/").content.decode()
    channel_update(
        channel=library,
        actor=communicator,
        data={"display_name": "Stadsbiblioteket"},
        expected_version=library.version,
    )
    employee = Client()
    employee.force_login(communicator)
    for path in ("/kanaler/", library.get_absolute_url()):
        page = employee.get(path).content.decode()
        assert "Stadsbiblioteket" in page, path
        assert "Biblioteket på Facebook" not in page, path
    # An anonymous visitor, within the second, still gets the page as it was.
    assert "Biblioteket på Facebook" in Client().get("/kanaler/").content.decode()
