"""A permission matrix generated from the URL configuration (issue 9, "Access").

Every URL pattern (except Django's admin, set_language and static files) must have an
entry in `tests/permission_matrix_table.MATRIX`: the methods it accepts and, for each,
what every role gets. A new URL without an entry fails `test_every_url_is_in_the_matrix`,
so a page cannot ship without someone deciding who may reach it.

The objects and users are built through the services once per module, inside a
transaction rolled back at the end (as Django's `TestCase.setUpTestData` does); each
cell runs in its own savepoint on top, so a POST in one cell leaves nothing behind.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.generic.edit import ProcessFormView

from archive.models import RecordType
from archive.services import disposal as disposal_services
from archive.services import exports as export_services
from archive.services import requests as request_services
from archive.services.records import record_create
from channels.services.applications import application_approve, application_create
from channels.services.channels import (
    channel_publish,
    channel_register,
    channel_set_handlers,
)
from channels.services.political import political_link_create
from core import roles
from moderation import services as moderation_services
from moderation.models import ItemKind, UnhandledEvent
from moderation.services import deliveries as delivery_services
from moderation.services.items import ItemContent
from tests.channels.conftest import application_data, contacts_for
from tests.factories import PlatformFactory, UnitFactory, UserFactory
from tests.permission_matrix_table import MATRIX, ROLES, XFAIL

PAYLOADS = Path(__file__).parent / "moderation" / "payloads"


@dataclass
class World:
    """One user per role of the matrix (anonymous has none) and the objects URLs point at."""

    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def _channel(*, applicant, unit, manager, communicator, platform, address, name):
    """A published channel, as in tests/channels/conftest.py: applied, approved, registered."""
    application = application_create(
        applicant=applicant,
        data=application_data(unit=unit, platform=platform, address=address),
        contacts=contacts_for(applicant),
        submit=True,
    )
    application = application_approve(
        application=application, actor=manager, expected_version=application.version
    )
    channel = channel_register(
        application=application,
        actor=communicator,
        data={"display_name": name, "public_email": "kontakt@example.se"},
    )
    return channel_publish(channel=channel, actor=communicator)


def build_world() -> World:
    users = {
        "employee": UserFactory(username="pm-anna"),
        "manager": UserFactory(username="pm-cecilia", roles=[roles.MANAGER]),
        "other_manager": UserFactory(username="pm-david", roles=[roles.MANAGER]),
        "handler": UserFactory(username="pm-hanna"),
        "other_handler": UserFactory(username="pm-olle"),
        "substitute": UserFactory(username="pm-sigrid"),
        "communicator": UserFactory(username="pm-kerstin", roles=[roles.COMMUNICATOR]),
        "registrar": UserFactory(username="pm-rune", roles=[roles.REGISTRAR]),
        "admin": UserFactory(username="pm-admin", is_staff=True, is_superuser=True),
    }
    u = users
    facebook = PlatformFactory(kind="facebook", name="Facebook", slug="facebook")
    unit = UnitFactory(name="PM Biblioteket", slug="pm-biblioteket", managers=[u["manager"]])
    other_unit = UnitFactory(
        name="PM Fritidsgården", slug="pm-fritidsgarden", managers=[u["other_manager"]]
    )
    common = {"communicator": u["communicator"], "platform": facebook}
    channel = _channel(
        applicant=u["handler"],
        unit=unit,
        manager=u["manager"],
        address="https://www.facebook.com/pm-badhuset",
        name="Badhuset",
        **common,
    )
    other_channel = _channel(
        applicant=u["other_handler"],
        unit=other_unit,
        manager=u["other_manager"],
        address="https://www.facebook.com/pm-kulturen",
        name="Kulturen",
        **common,
    )
    # The substitute shares a third channel with the handler (so may cover for them),
    # but does not handle `channel` itself.
    shared = _channel(
        applicant=u["handler"],
        unit=unit,
        manager=u["manager"],
        address="https://www.facebook.com/pm-simhallen",
        name="Simhallen",
        **common,
    )
    channel_set_handlers(
        channel=shared, actor=u["communicator"], handlers=[u["handler"], u["substitute"]]
    )
    now = timezone.now()
    absence = moderation_services.absence_create(
        user=u["handler"],
        actor=u["handler"],
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(days=3),
        substitute=u["substitute"],
    )
    # The employee's own submitted application, in the unit.
    application = application_create(
        applicant=u["employee"],
        data=application_data(
            unit=unit, platform=facebook, address="https://www.facebook.com/pm-ansokan"
        ),
        contacts=contacts_for(u["employee"]),
        submit=True,
    )
    # An approved application waiting for the communicator to register it.
    approved = application_create(
        applicant=u["employee"],
        data=application_data(
            unit=unit, platform=facebook, address="https://www.facebook.com/pm-godkand"
        ),
        contacts=contacts_for(u["employee"]),
        submit=True,
    )
    approved = application_approve(
        application=approved, actor=u["manager"], expected_version=approved.version
    )
    item = moderation_services.item_capture(
        channel=channel,
        content=ItemContent(
            kind=ItemKind.COMMENT,
            text="Hej! När öppnar badhuset?",
            external_id="pm-ext-1",
            sender_name="Sven Svensson",
            sender_id="1000001",
        ),
        source="meta",
        raw={"text": "Hej! När öppnar badhuset?", "id": "pm-ext-1"},
    ).item
    received = now - datetime.timedelta(hours=2)
    text = "Kommentar om badhusets öppettider."
    record = record_create(
        record_type=RecordType.REMOVED,
        channel=channel,
        content={
            "kind": "comment",
            "external_id": "pm-fb-1",
            "text": text,
            "versions": [
                {"number": 1, "text": text, "attachments": [], "at": received.isoformat()}
            ],
            "raw": {"message": text, "id": "pm-fb-1"},
        },
        sender_id="sender-1",
        sender_name="Avsändare",
        platform_created_at=received - datetime.timedelta(minutes=5),
        received_at=received,
        action="delete",
        rules=["1"],
        actor=u["handler"],
        item_id=item.pk,
    )
    link = political_link_create(
        actor=u["communicator"],
        data={
            "party": "Exempelpartiet",
            "person": "Per Politiker",
            "body": "Kommunfullmäktige",
            "url": "https://per.example.se/blogg",
            "is_active": True,
        },
    )
    template = moderation_services.reply_template_create(
        actor=u["communicator"],
        data={"title": "Öppettider", "purpose": "answer", "text": "Vi har öppet 8–17."},
    )
    # An event for an account no channel is registered for, through the webhook's path.
    body = json.loads((PAYLOADS / "fb_feed_comment_add.json").read_text())
    body["entry"][0]["id"] = "999999999999999"
    delivery, _created = delivery_services.delivery_store(
        source="meta", body=json.dumps(body).encode(), signature=""
    )
    delivery_services.delivery_parse(delivery_id=delivery.pk)
    unhandled = UnhandledEvent.objects.filter(resolved_at=None).latest("pk")
    public_request = request_services.request_create(
        actor=u["registrar"], data={"received_via": "email", "description": "Alla kommentarer"}
    )
    request_services.request_attach_records(
        request=public_request, actor=u["registrar"], records=[record]
    )
    mask = request_services.mask_add(
        request=public_request,
        actor=u["registrar"],
        record=record,
        text="badhusets",
        legal_basis="OSL 21 kap. 7 §",
    )
    hold = disposal_services.legal_hold_place(actor=u["registrar"], reason="Tvist", record=record)
    run = disposal_services.disposal_run_propose(actor=u["registrar"])
    export = export_services.export_create(
        actor=u["registrar"], selection=export_services.Selection()
    )
    objects = {
        "unit": unit,
        "channel": channel,
        "other_channel": other_channel,
        "absence": absence,
        "application": application,
        "approved_application": approved,
        "item": item,
        "record": record,
        "link": link,
        "template": template,
        "unhandled": unhandled,
        "request": public_request,
        "mask": mask,
        "hold": hold,
        "run": run,
        "export": export,
    }
    return World(users=users, objects=objects)


# --- The URL configuration ------------------------------------------------------------------

EXCLUDED_NAMESPACES = ("admin",)
EXCLUDED_NAMES = ("set_language",)


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    pattern: URLPattern


def walk(patterns=None, prefix="", namespace=""):
    """Every URLPattern of the configuration, with its full route and qualified name."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield Route(full, prefix + str(entry.pattern), entry)


def is_excluded(route: Route) -> bool:
    top = route.name.split(":", 1)[0] if ":" in route.name else ""
    if top in EXCLUDED_NAMESPACES or route.route.startswith("admin/"):
        return True
    if route.name in EXCLUDED_NAMES:
        return True
    static = (settings.STATIC_URL or "").lstrip("/"), (settings.MEDIA_URL or "").lstrip("/")
    return any(prefix and route.route.startswith(prefix) for prefix in static)


ROUTES = [route for route in walk() if not is_excluded(route)]


def declared_methods(route: Route):
    """The methods a class-based view accepts; None for a function view (probed instead).

    PUT on Django's form views is an alias of POST (ProcessFormView.put) and is left out.
    """
    view_class = getattr(route.pattern.callback, "view_class", None)
    if view_class is None:
        return None
    methods = {
        name.upper()
        for name in view_class.http_method_names
        if name not in ("head", "options") and hasattr(view_class, name)
    }
    if getattr(view_class, "put", None) is ProcessFormView.put:
        methods.discard("PUT")
    return methods


def url_kwargs(route: Route, objects: dict) -> dict:
    """The kwargs of a route, pointing at the real object that URL name is about."""
    names = route.pattern.pattern.converters.keys()
    by_name = {
        "channels:staff_channel_register": {"application_pk": "approved_application"},
        "moderation:unhandled_resolve": {"pk": "unhandled"},
        "moderation:absence_end": {"pk": "absence"},
        "moderation:reply_template_edit": {"pk": "template"},
        "archive:hold_release": {"pk": "hold"},
    }
    by_prefix = (
        ("channels:application_", "application"),
        ("channels:staff_channel_", "channel"),
        ("channels:staff_political_", "link"),
        ("channels:public_detail", "channel"),
        ("moderation:item_", "item"),
        ("archive:record_", "record"),
        ("archive:request_", "request"),
        ("archive:disposal_", "run"),
        ("archive:export_", "export"),
    )
    fixed = {
        "record_id": objects["record"].pk,
        "mask_pk": objects["mask"].pk,
        "kind": "pdf",
        "action": "ta",
        "uidb64": "MQ",
        "token": "set-password",
    }
    kwargs = {}
    for name in names:
        key = by_name.get(route.name, {}).get(name)
        if key is None and name == "pk":
            key = next((obj for prefix, obj in by_prefix if route.name.startswith(prefix)), None)
        if key is not None:
            kwargs[name] = objects[key].pk
        elif name in fixed:
            kwargs[name] = fixed[name]
        else:
            raise AssertionError(f"No object for the kwarg {name!r} of {route.name}")
    return kwargs


# --- Fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Users and objects built once, in a transaction rolled back when the module ends."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def matrix_client(world, db, client):
    """A client per role; the cache (throttles, rate limits) is empty for every cell."""
    cache.clear()

    def as_role(role):
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    yield as_role
    cache.clear()


def classify(response) -> str:
    """ "login", "allowed" or "denied" for a response; its status code as text otherwise."""
    status = response.status_code
    if status in (301, 302, 303):
        location = response.headers.get("Location", "")
        login = reverse("login")
        return "login" if location.split("?")[0].endswith(login) else "allowed"
    if status in (200, 201, 204, 400):
        return "allowed"
    if status in (403, 404, 405):
        return "denied"
    return str(status)


def matches(expected, response) -> bool:
    if isinstance(expected, int):
        return response.status_code == expected
    return classify(response) == expected


def send(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, data={})


# --- The URL configuration against the table ---------------------------------------------


def test_every_url_is_in_the_matrix():
    missing = [
        f"URL pattern {route.name or route.route!r} ({route.route}) has no entry in the "
        "permission matrix: review who may reach it and add it"
        for route in ROUTES
        if route.name not in MATRIX
    ]
    assert not missing, "\n".join(missing)


def test_the_matrix_has_no_stale_entries():
    names = {route.name for route in ROUTES}
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"The permission matrix lists URL names that no longer exist: {stale}"


def test_every_entry_covers_every_role_and_the_declared_methods():
    """Each entry names every role; a class-based view's methods are all in the table."""
    problems = []
    for route in ROUTES:
        entry = MATRIX.get(route.name, {})
        for method, cells in entry.items():
            if set(cells) != set(ROLES):
                problems.append(f"{route.name} {method}: roles {sorted(cells)}")
        declared = declared_methods(route)
        if declared is None:
            continue  # a function view: the table's methods are sent and checked cell by cell
        for method in declared - set(entry):
            problems.append(f"{route.name} accepts {method}, which the matrix does not list")
        for method in set(entry) - declared:
            if set(entry[method].values()) != {405}:
                problems.append(f"{route.name} does not accept {method}: expect 405")
    assert not problems, "\n".join(problems)


def _cells():
    routes = {route.name: route for route in ROUTES}
    for name, methods in MATRIX.items():
        if name not in routes:
            continue
        for method, cells in methods.items():
            for role in ROLES:
                marks = []
                reason = XFAIL.get((name, method, role))
                if reason:
                    marks.append(pytest.mark.xfail(strict=True, reason=reason))
                yield pytest.param(
                    routes[name],
                    method,
                    role,
                    cells[role],
                    marks=marks,
                    id=f"{name}-{method}-{role}",
                )


@pytest.mark.parametrize(("route", "method", "role", "expected"), list(_cells()))
def test_permission_cell(world, matrix_client, route, method, role, expected):
    path = reverse(route.name, kwargs=url_kwargs(route, world.objects))
    response = send(matrix_client(role), method, path)
    assert matches(expected, response), (
        f"{method} {path} ({route.name}) as {role}: expected {expected!r}, got "
        f"{response.status_code} ({classify(response)}) "
        f"{response.headers.get('Location', '')}"
    )


def test_public_urls_never_fail_for_anonymous(world, matrix_client):
    """Every URL without kwargs, or with a channel id, answers anonymous GET without a 500."""
    client = matrix_client("anonymous")
    checked = []
    for route in ROUTES:
        names = set(route.pattern.pattern.converters)
        if names and not (names == {"pk"} and route.name == "channels:public_detail"):
            continue
        path = reverse(route.name, kwargs=url_kwargs(route, world.objects))
        response = client.get(path)
        # /healthz answers 503 when a service it checks (the broker) is down: that is its job.
        allowed = {503} if route.name == "healthz" else set()
        assert response.status_code < 500 or response.status_code in allowed, (
            f"GET {path} as anonymous: {response.status_code}"
        )
        checked.append(path)
    assert len(checked) > 10
