"""Every page under a hostile query string, and the URLs whose path takes free text.

Every GET URL of the permission matrix is requested by a role that may see it, with
query parameters drawn from every name the application reads (the register's search
and filters, the verification's address, the queue's and the archive's filters, paging,
the reply-template pick, the webhook handshake) and some nobody reads, each with
hostile values: arbitrary Unicode, NUL and control characters, 100,000-character
strings, numbers beyond every integer width, repeated parameters. The answer is never
a server error (/healthz answers 503 when a service it checks is down: that is its job).
"""

from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.strategies import form_text, form_value
from tests.fuzz.support import FUZZ, FUZZ_SWEEP, client_for, rolled_back
from tests.permission_matrix_table import MATRIX, ROLES
from tests.test_permission_matrix import ROUTES, url_kwargs

pytestmark = pytest.mark.django_db

# Every query parameter some view reads (forms' field names, paging, picks, handshakes).
QUERY_NAMES = (
    "q",
    "enhet",
    "plattform",
    "sortera",
    "sida",
    "url",
    "status",
    "unit",
    "platform",
    "review",
    "kanal",
    "kanal_q",
    "typ",
    "visa",
    "channel",
    "channel_q",
    "record_type",
    "since",
    "until",
    "sender",
    "registration_number",
    "mall",
    "limit",
    "offset",
    "lang",
    "next",
    "hub.mode",
    "hub.verify_token",
    "hub.challenge",
    "junk",
)

ROUTES_BY_NAME = {route.name: route for route in ROUTES}
GET_NAMES = sorted(name for name, methods in MATRIX.items() if "GET" in methods)


def _role(name: str) -> str:
    cells = MATRIX[name]["GET"]
    allowed = [role for role in ROLES if cells[role] in ("allowed", 200, 400, 403, 503)]
    return allowed[0] if allowed else "anonymous"


def _allowed_statuses(name: str) -> set:
    # /healthz reports a service that is down with 503; the webhook handshake refuses
    # a wrong token with 403. Neither is a server error in the sense of a crash.
    return {503} if name == "healthz" else set()


@pytest.mark.parametrize("name", GET_NAMES)
@FUZZ_SWEEP
@given(query=st.dictionaries(st.sampled_from(QUERY_NAMES), form_value, max_size=5))
# Digits that str.isdigit() accepts but int() refuses, and numbers beyond any id, in
# every parameter that is read as a number somewhere.
@example(query={"mall": "²", "sida": "²", "limit": "١٢", "offset": "²", "enhet": "²"})
@example(query={"mall": str(10**40), "sida": str(10**40), "kanal": str(10**40)})
@example(query={"channel": str(10**40), "channel_q": "\x00" + "å" * 300})
@example(query={"kanal": str(10**40), "kanal_q": "\x00" + "å" * 300})
def test_hostile_query_strings(world, name, query):
    with rolled_back():
        client = client_for(world, _role(name))
        path = reverse(name, kwargs=url_kwargs(ROUTES_BY_NAME[name], world.objects))
        response = client.get(path, data=query)
        shown = {k: (str(v)[:80]) for k, v in query.items()}
        assert response.status_code < 500 or response.status_code in _allowed_statuses(name), (
            f"GET {path} {shown}: {response.status_code}"
        )


# URL kwargs that are free text rather than an <int:…>: the copy's kind, the item
# action's slug, and the password-reset link's uid and token.
TEXT_KWARGS = [
    ("archive:request_export", "kind", "GET"),
    ("moderation:item_action", "action", "POST"),
    ("password_reset_confirm", "uidb64", "GET"),
    ("password_reset_confirm", "token", "GET"),
]

path_segment = form_text.filter(lambda value: value and "/" not in value and len(value) < 2000)


@pytest.mark.parametrize(("name", "kwarg", "method"), TEXT_KWARGS)
@FUZZ
@given(value=path_segment)
def test_hostile_text_in_the_path(world, name, kwarg, method, value):
    with rolled_back():
        route = ROUTES_BY_NAME[name]
        cells = MATRIX[name][method]
        role = next(role for role in ROLES if cells[role] == "allowed")
        kwargs = url_kwargs(route, world.objects)
        if name == "moderation:item_action":
            kwargs["action"] = "ta"
        path = reverse(name, kwargs=kwargs)
        # Replace the segment by hand: reverse() refuses what the converter would not match,
        # but a client may send anything.
        path = path.replace(f"/{kwargs[kwarg]}/", f"/{quote(value, safe='')}/", 1)
        client = client_for(world, role)
        response = client.get(path) if method == "GET" else client.post(path, {})
        assert response.status_code < 500, f"{method} {path[:200]}: {response.status_code}"


PUBLIC_QUERY_NAMES = ("q", "enhet", "plattform", "sortera", "sida", "url", "junk")


@pytest.mark.parametrize("name", ["channels:public_list", "channels:public_verify"])
@FUZZ
@given(query=st.dictionaries(st.sampled_from(PUBLIC_QUERY_NAMES), form_value, max_size=4))
@example(query={"url": "x" * 100_000})
@example(query={"url": "\x00"})
@example(query={"q": "\u202e" * 300, "sida": str(10**40)})
def test_the_public_register_and_verification_take_any_query(world, name, query):
    """The citizens' pages answer every query with the page: a wrong filter is ignored,
    an address that cannot be read is shown next to the field, never a server error."""
    with rolled_back():
        response = client_for(world, "anonymous").get(reverse(name), data=query)
        assert response.status_code == 200, response.status_code
        if name != "channels:public_verify":
            return  # the list (maybe a kept answer, rendered for an earlier example)
        form = response.context["form"]
        if form.is_bound and form.errors:
            page = response.content.decode()
            for field, errors in form.errors.items():
                assert field in ("url", "plattform"), field
                assert all(escape(error) in page for error in errors), errors
