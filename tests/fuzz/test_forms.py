"""Every form-handling URL under hostile input (issue 9, "Bad input").

Each target starts from a submission that is valid for the world of the permission
matrix and lets Hypothesis replace, repeat or drop some of its fields (arbitrary text,
right-to-left and zero-width marks, combining characters, NUL and other controls,
100,000-character strings, numbers beyond every integer width, non-numeric ids) and
add fields nobody expects. For every example:

* the answer is never a server error: a form error (400, or 200 with the form again), a
  refusal (403, 404, 409) or a redirect;
* a submission that was not accepted (a form error, or a redirect that carries only
  error messages) changed nothing: every table has as many rows as before, and the
  object the URL is about has every column as before;
* an accepted submission stored what was sent: the text fields named by the target read
  back exactly as typed (stripped of surrounding blanks where Django's forms strip),
  so nothing is silently truncated or rewritten.

`TARGETS` names the URL of each; tests/fuzz/test_coverage.py fails when a URL that
handles a form has no target here.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from archive.models import PublicRecordRequest, RecordAnnotation
from channels.models import Channel, ChannelApplication, PoliticalLink
from channels.services.applications import application_create
from moderation.models import (
    Absence,
    ContentRule,
    IngestToken,
    Item,
    ItemComment,
    ReplyTemplate,
)
from tests.channels.conftest import application_data, contacts_for
from tests.fuzz.strategies import form_value, printable_text
from tests.fuzz.support import (
    FUZZ,
    FUZZ_SWEEP,
    changed_counts,
    client_for,
    error_messages,
    rolled_back,
    row_counts,
    snapshot,
)
from tests.permission_matrix_table import MATRIX, ROLES
from tests.test_permission_matrix import ROUTES, url_kwargs

pytestmark = pytest.mark.django_db

DROP = object()  # a field left out of the submission
SERVER_ERRORS = range(500, 600)
# What a form-handling URL may answer: the form with its errors, a refusal, a redirect.
FORM_ANSWERS = {200, 302, 400, 403, 404, 405, 409}


@dataclass(frozen=True)
class Target:
    """One URL that takes a form, with a submission that the world accepts."""

    name: str
    data: Callable[[Any, dict], dict]
    action: str | None = None  # the `action` kwarg of moderation:item_action
    role: str | None = None  # default: the first role the permission matrix allows
    setup: Callable[[Any], dict] | None = None  # extra objects, made inside the example
    kwargs: Callable[[Any, dict], dict] | None = None  # default: the matrix's url_kwargs
    watched: Callable[[Any, dict], Any] | None = None  # default: the URL's object
    # For an accepted submission: where each text field is stored, read back.
    stored: Callable[[Any, dict], dict] | None = None
    texts: tuple = ()  # the text fields `stored` reads back
    exact: frozenset = field(default_factory=frozenset)  # fields stored without stripping
    # Fields (besides those of `data`) worth sending: hidden switches and prefixes.
    extra_keys: tuple = ()
    examples: int | None = None

    @property
    def id(self) -> str:
        return f"{self.name}[{self.action}]" if self.action else self.name


def _version(obj) -> int:
    return type(obj).objects.get(pk=obj.pk).version


def _rule_pks() -> list[int]:
    return list(ContentRule.objects.active().values_list("pk", flat=True)[:2])


def _draft(world) -> dict:
    employee = world.users["employee"]
    draft = application_create(
        applicant=employee,
        data=application_data(
            unit=world.objects["unit"],
            platform=world.objects["channel"].platform,
            address="https://www.facebook.com/fuzz-utkast",
        ),
        contacts=contacts_for(employee),
        submit=False,
    )
    return {"application": draft}


def _application_form(world, objs) -> dict:
    channel = world.objects["channel"]
    return {
        "unit": world.objects["unit"].pk,
        "platform": channel.platform.pk,
        "address": "https://www.facebook.com/fuzz-ny-sida",
        "purpose": "Information om simskolan.",
        "target_group": "Föräldrar",
        "guidelines_read": "on",
        "responsible_1_name": "Rebecka Ansvarig",
        "responsible_1_phone": "0240-123 45",
        "responsible_1_email": "rebecka@example.se",
        "operator_1_name": "Olle Sköter",
        "operator_1_phone": "+46 70 123 45 67",
        "operator_1_email": "olle@example.se",
    }


def _latest(model, **filters):
    return model.objects.filter(**filters).order_by("-pk").first()


def _application_stored(world, objs) -> dict:
    application = objs.get("application") or _latest(ChannelApplication)
    application = ChannelApplication.objects.get(pk=application.pk)
    contacts = {(c.role, c.position): c for c in application.contacts.all()}
    responsible = contacts.get(("responsible", 1))
    return {
        "purpose": application.purpose,
        "target_group": application.target_group,
        "responsible_1_name": responsible.name if responsible else None,
    }


def _channel_stored(channel) -> dict:
    channel = Channel.objects.get(pk=channel.pk)
    return {
        "display_name": channel.display_name,
        "purpose": channel.purpose,
        "target_group": channel.target_group,
        "account_id": channel.account_id,
    }


def _item_fresh(world) -> Item:
    return Item.objects.get(pk=world.objects["item"].pk)


def _prefixed(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{key}": value for key, value in data.items()}


def _local(delta: datetime.timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _item_action(slug, prefix, fields, stored=None, texts=()):
    return Target(
        "moderation:item_action",
        action=slug,
        data=lambda w, o: _prefixed(prefix, {"version": _item_fresh(w).version, **fields(w)}),
        watched=lambda w, o: w.objects["item"],
        stored=stored,
        texts=tuple(f"{prefix}-{key}" for key in texts),
    )


TARGETS = [
    # --- core: accounts
    Target(
        "login",
        role="anonymous",
        data=lambda w, o: {"username": "pm-anna", "password": "correct horse battery staple"},
    ),
    Target("logout", role="employee", data=lambda w, o: {}),
    Target(
        "password_change",
        data=lambda w, o: {
            "old_password": "correct horse battery staple",
            "new_password1": "ett längre lösenord för fuzz 2026",
            "new_password2": "ett längre lösenord för fuzz 2026",
        },
    ),
    Target("password_reset", data=lambda w, o: {"email": "anna@example.se"}),
    Target(
        "password_reset_confirm",
        data=lambda w, o: {"new_password1": "ett nytt lösenord", "new_password2": "x"},
    ),
    # --- channels: applications
    Target(
        "channels:application_create",
        data=_application_form,
        stored=_application_stored,
        texts=("purpose", "target_group", "responsible_1_name"),
        extra_keys=("submit", "version"),
    ),
    Target(
        "channels:application_edit",
        setup=_draft,
        kwargs=lambda w, o: {"pk": o["application"].pk},
        watched=lambda w, o: o["application"],
        data=lambda w, o: {**_application_form(w, o), "version": _version(o["application"])},
        stored=_application_stored,
        texts=("purpose", "target_group", "responsible_1_name"),
        extra_keys=("submit",),
    ),
    Target(
        "channels:application_submit",
        setup=_draft,
        kwargs=lambda w, o: {"pk": o["application"].pk},
        watched=lambda w, o: o["application"],
        data=lambda w, o: {"version": _version(o["application"])},
    ),
    Target(
        "channels:application_delete",
        setup=_draft,
        kwargs=lambda w, o: {"pk": o["application"].pk},
        watched=lambda w, o: o["application"],
        data=lambda w, o: {"version": _version(o["application"])},
    ),
    Target(
        "channels:application_decide",
        data=lambda w, o: {
            "decision": "approve",
            "comment": "Bra!",
            "version": _version(w.objects["application"]),
        },
        stored=lambda w, o: {
            "comment": ChannelApplication.objects.get(
                pk=w.objects["application"].pk
            ).decision_comment
        },
        texts=("comment",),
    ),
    # --- channels: the register's staff side
    Target(
        "channels:staff_channel_register",
        data=lambda w, o: {
            "display_name": "Simskolan",
            "address": w.objects["approved_application"].address,
            "account_id": "",
            "purpose": "Information.",
            "target_group": "Alla.",
            "public_email": "simskolan@example.se",
            "public_phone": "0240-100 00",
        },
        stored=lambda w, o: _channel_stored(
            Channel.objects.get(application=w.objects["approved_application"])
        ),
        texts=("display_name", "purpose", "target_group"),
    ),
    Target(
        "channels:staff_channel_edit",
        data=lambda w, o: {
            "display_name": "Badhuset i Smedjebacken",
            "unit": w.objects["unit"].pk,
            "platform": w.objects["channel"].platform.pk,
            "address": w.objects["channel"].address,
            "account_id": "",
            "purpose": "Information om badhuset.",
            "target_group": "Badgäster.",
            "public_email": "bad@example.se",
            "public_phone": "",
            "response_target": "8",
            "version": _version(w.objects["channel"]),
        },
        stored=lambda w, o: _channel_stored(w.objects["channel"]),
        texts=("display_name", "purpose", "target_group"),
    ),
    Target(
        "channels:staff_channel_publish",
        data=lambda w, o: {"publish-version": _version(w.objects["channel"])},
    ),
    Target(
        "channels:staff_channel_unpublish",
        data=lambda w, o: _prefixed(
            "unpublish", {"version": _version(w.objects["channel"]), "comment": "Paus."}
        ),
    ),
    Target(
        "channels:staff_channel_close",
        data=lambda w, o: _prefixed(
            "close",
            {
                "version": _version(w.objects["channel"]),
                "closure_date": "2026-12-31",
                "reason": "Verksamheten flyttar.",
            },
        ),
        stored=lambda w, o: {
            "close-reason": Channel.objects.get(pk=w.objects["channel"].pk).closure_reason
        },
        texts=("close-reason",),
    ),
    Target(
        "channels:staff_channel_report_closure",
        data=lambda w, o: _prefixed(
            "report",
            {
                "version": _version(w.objects["channel"]),
                "closure_date": "2026-12-31",
                "reason": "Vi slutar.",
            },
        ),
    ),
    Target(
        "channels:staff_channel_confirm_review",
        data=lambda w, o: _prefixed(
            "review", {"version": _version(w.objects["channel"]), "comment": "Stämmer."}
        ),
    ),
    Target(
        "channels:staff_channel_handlers",
        data=lambda w, o: {
            "handlers": [u.pk for u in w.objects["channel"].handlers.all()],
            "add": "pm-sigrid",
        },
        extra_keys=("match",),
    ),
    Target(
        "channels:staff_political_create",
        data=lambda w, o: {
            "party": "Fuzzpartiet",
            "person": "Fia Fuzz",
            "body": "Kommunfullmäktige",
            "url": "https://fia.example.se/",
            "is_active": "on",
        },
        stored=lambda w, o: _political_stored(_latest(PoliticalLink)),
        texts=("party", "person", "body"),
    ),
    Target(
        "channels:staff_political_edit",
        data=lambda w, o: {
            "party": "Exempelpartiet",
            "person": "Per Politiker",
            "body": "Kommunstyrelsen",
            "url": "https://per.example.se/blogg",
            "is_active": "on",
        },
        stored=lambda w, o: _political_stored(w.objects["link"]),
        texts=("party", "person", "body"),
    ),
    Target("channels:staff_political_delete", data=lambda w, o: {}),
    # --- moderation
    Target(
        "moderation:bulk_remove",
        role="handler",
        data=lambda w, o: {
            "item": f"{w.objects['item'].pk}:{_item_fresh(w).version}",
            **_prefixed(
                "bulk",
                {
                    "action": "unpublish",
                    "rules": _rule_pks(),
                    "message": "Borttagen enligt regel 1.",
                    "note": "",
                },
            ),
        },
        watched=lambda w, o: w.objects["item"],
        extra_keys=("bulk-reported_to_police",),
    ),
    Target("moderation:unhandled_resolve", data=lambda w, o: {}),
    Target(
        "moderation:item_create",
        role="handler",
        data=lambda w, o: {
            "channel": w.objects["channel"].pk,
            "kind": "comment",
            "sender_name": "Sven",
            "sender_id": "sven.s",
            "platform_created_at": _local(-datetime.timedelta(hours=1)),
            "text": "Hej, när öppnar ni?",
            "attachments": "https://example.se/bild.jpg",
            "external_id": "fuzz-1",
            "expects_answer": "on",
        },
        stored=lambda w, o: _item_stored(_latest(Item)),
        texts=("text", "sender_name", "sender_id"),
        exact=frozenset({"text"}),
    ),
    Target(
        "moderation:item_comment",
        data=lambda w, o: {"comment-text": "Vad tycker ni?"},
        stored=lambda w, o: {
            "comment-text": _latest(ItemComment, item=w.objects["item"]).text,
        },
        texts=("comment-text",),
    ),
    _item_action("ta", "claim", lambda w: {}),
    _item_action("slapp", "release", lambda w: {}),
    _item_action(
        "besvara",
        "answer",
        lambda w: {"text": "Vi öppnar klockan 8.", "note": "", "template": ""},
        stored=lambda w, o: {"answer-text": _item_fresh(w).answer_text},
        texts=("text",),
    ),
    _item_action(
        "vidarebefordra",
        "forward",
        lambda w: {"to_email": "ansvarig@example.se", "note": "Kan du svara?"},
    ),
    _item_action("inget-svar", "leave", lambda w: {"note": "Diskussion mellan parter."}),
    _item_action(
        "hanvisa",
        "refer",
        lambda w: {"text": "Vi hänvisar till partierna.", "note": ""},
        stored=lambda w, o: {"refer-text": _item_fresh(w).answer_text},
        texts=("text",),
    ),
    _item_action(
        "ta-bort",
        "remove",
        lambda w: {
            "action": "unpublish",
            "rules": _rule_pks(),
            "message": "Kommentaren bryter mot regel 1.",
            "note": "",
        },
        stored=lambda w, o: {"remove-message": _item_fresh(w).removal_message},
        texts=("message",),
    ),
    _item_action("visa-igen", "republish", lambda w: {"note": "Felaktigt borttagen."}),
    _item_action("mobbning", "bullying", lambda w: {"note": "Elaka kommentarer."}),
    _item_action("radfraga", "advice", lambda w: {"of": "manager", "question": "Ska vi svara?"}),
    _item_action(
        "diariefor",
        "register",
        lambda w: {"description": "Fråga om bygglov.", "note": ""},
    ),
    Target(
        "moderation:absence_list",
        role="handler",
        data=lambda w, o: _prefixed(
            "absence",
            {
                "starts_at": _local(datetime.timedelta(days=10)),
                "ends_at": _local(datetime.timedelta(days=12)),
                "substitute": w.users["substitute"].pk,
                "note": "Semester",
            },
        ),
        stored=lambda w, o: {
            "absence-note": _latest(Absence, user=w.users["handler"]).note,
        },
        texts=("absence-note",),
    ),
    Target("moderation:absence_end", role="handler", data=lambda w, o: {}),
    Target(
        "moderation:reply_template_list",
        data=lambda w, o: _prefixed(
            "new",
            {
                "title": "Tack",
                "purpose": "answer",
                "text": "Tack för din kommentar!",
                "active": "on",
                "position": "1",
            },
        ),
        stored=lambda w, o: _template_stored("new", _latest(ReplyTemplate)),
        texts=("new-title", "new-text"),
    ),
    Target(
        "moderation:reply_template_edit",
        data=lambda w, o: _prefixed(
            "edit",
            {
                "title": "Öppettider",
                "purpose": "answer",
                "text": "Vi har öppet 8–16.",
                "active": "on",
                "position": "2",
            },
        ),
        stored=lambda w, o: _template_stored("edit", w.objects["template"]),
        texts=("edit-title", "edit-text"),
    ),
    # --- archive
    Target(
        "archive:record_registration_number",
        data=lambda w, o: _prefixed(
            "registration", {"registration_number": "KS 2026/12", "comment": ""}
        ),
        stored=lambda w, o: {
            "registration-registration_number": _latest(
                RecordAnnotation, record=w.objects["record"]
            ).registration_number
        },
        texts=("registration-registration_number",),
    ),
    Target(
        "archive:record_confidentiality",
        data=lambda w, o: _prefixed(
            "confidentiality",
            {"confidential": "on", "legal_basis": "OSL 21 kap. 7 §", "comment": ""},
        ),
    ),
    Target("archive:record_hold", data=lambda w, o: {"hold-reason": "Tvist om avtal."}),
    Target(
        "archive:channel_hold",
        # The channel as the hold list names it, chosen among the matches of the text.
        data=lambda w, o: {
            "channel_q": str(w.objects["channel"]),
            "channel": w.objects["channel"].pk,
            "hold-reason": "Tvist.",
        },
    ),
    Target("archive:hold_release", data=lambda w, o: {"reason": "Tvisten är avgjord."}),
    Target("archive:verify", data=lambda w, o: {}),
    Target(
        "archive:request_create",
        data=lambda w, o: {
            "received_at": _local(-datetime.timedelta(hours=2)),
            "received_via": "email",
            "requester_name": "Journalist",
            "requester_contact": "j@example.se",
            "description": "Alla borttagna kommentarer i maj.",
            "registration_number": "",
        },
        stored=lambda w, o: _request_stored(_latest(PublicRecordRequest)),
        texts=("requester_name", "requester_contact", "description"),
    ),
    Target(
        "archive:request_attach",
        data=lambda w, o: {"attach-records": str(w.objects["record"].pk)},
    ),
    Target("archive:request_detach", data=lambda w, o: {}),
    Target(
        "archive:request_mask",
        data=lambda w, o: _prefixed(
            "mask",
            {"record": w.objects["record"].pk, "text": "öppettider", "legal_basis": "OSL"},
        ),
    ),
    Target("archive:request_unmask", data=lambda w, o: {}),
    Target("archive:request_close", data=lambda w, o: {"close-outcome": "Kopia skickad."}),
    Target("archive:disposal_propose", data=lambda w, o: {"comment": "Årets gallring."}),
    Target("archive:disposal_approve", data=lambda w, o: {"comment": ""}),
    Target("archive:disposal_execute", data=lambda w, o: {"comment": ""}),
    Target("archive:disposal_cancel", data=lambda w, o: {"comment": "Fel urval."}),
    # --- Django's admin: the one form of the project outside the URL matrix
    Target(
        "admin:moderation_ingesttoken_add",
        role="admin",
        kwargs=lambda w, o: {},
        watched=lambda w, o: None,
        data=lambda w, o: {"name": "Kontaktformuläret", "channels": [w.objects["channel"].pk]},
        stored=lambda w, o: {"name": _latest(IngestToken).name},
        texts=("name",),
    ),
    Target(
        "archive:export_list",
        role="registrar",
        # The channel as the field shows a chosen one, with its number (forms.ExportForm).
        data=lambda w, o: {
            "channel_q": str(w.objects["channel"]),
            "channel": w.objects["channel"].pk,
            "record_type": "",
            "since": "2020-01-01",
            "until": "2030-01-01",
        },
    ),
]


def _political_stored(link) -> dict:
    link = PoliticalLink.objects.get(pk=link.pk)
    return {"party": link.party, "person": link.person, "body": link.body}


def _item_stored(item) -> dict:
    return {
        "text": item.text,
        "sender_name": item.sender_name,
        "sender_id": item.sender_id,
    }


def _template_stored(prefix, template) -> dict:
    template = ReplyTemplate.objects.get(pk=template.pk)
    return {f"{prefix}-title": template.title, f"{prefix}-text": template.text}


def _request_stored(request) -> dict:
    return {
        "requester_name": request.requester_name,
        "requester_contact": request.requester_contact,
        "description": request.description,
    }


ROUTES_BY_NAME = {route.name: route for route in ROUTES}


def _role(target: Target) -> str:
    if target.role:
        return target.role
    cells = MATRIX[target.name].get("POST") or MATRIX[target.name]["GET"]
    return next(role for role in ROLES if cells[role] == "allowed")


def _path(target: Target, world, objs) -> str:
    if target.kwargs is not None:
        kwargs = target.kwargs(world, objs)
    else:
        kwargs = url_kwargs(ROUTES_BY_NAME[target.name], world.objects)
    if target.action:
        kwargs["action"] = target.action
    return reverse(target.name, kwargs=kwargs)


def _watched(target: Target, world, objs):
    if target.watched is not None:
        return target.watched(world, objs)
    route = ROUTES_BY_NAME[target.name]
    if "pk" not in route.pattern.pattern.converters:
        return None
    pk = url_kwargs(route, world.objects)["pk"]
    # The object the URL is about: the one whose pk and model match the URL's prefix.
    for obj in world.objects.values():
        if getattr(obj, "pk", None) == pk and _url_is_about(target.name, obj):
            return obj
    return None


def _url_is_about(name: str, obj) -> bool:
    model = type(obj).__name__.lower()
    hints = {
        "channels:application_": "channelapplication",
        "channels:staff_channel_": "channel",
        "channels:staff_political_": "politicallink",
        "moderation:item_": "item",
        "moderation:unhandled_": "unhandledevent",
        "moderation:absence_": "absence",
        "moderation:reply_template_": "replytemplate",
        "archive:record_": "record",
        "archive:hold_": "legalhold",
        "archive:request_": "publicrecordrequest",
        "archive:disposal_": "disposalrun",
    }
    return any(name.startswith(prefix) and model == hint for prefix, hint in hints.items())


def _mutations(keys):
    """Some of the fields replaced by hostile values, repeated, or left out."""
    return st.dictionaries(
        st.sampled_from(keys),
        st.one_of(form_value, st.just(DROP)),
        min_size=1,
        max_size=min(4, len(keys)),
    )


def _apply(baseline: dict, mutations: dict) -> dict:
    data = dict(baseline)
    for key, value in mutations.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _expected(value: str, *, exact: bool) -> str:
    """What a text field stores when it was accepted: Django's CharField strips blanks."""
    return value if exact else value.strip()


def _run(world, target: Target, mutations: dict):
    """Send one submission and check the three promises; returns the response."""
    objs = dict(target.setup(world)) if target.setup else {}
    role = _role(target)
    client = client_for(world, role)
    path = _path(target, world, objs)
    sent = _apply(target.data(world, objs), mutations)
    watched = _watched(target, world, objs)
    before_counts, before_object = row_counts(), snapshot(watched)

    response = client.post(path, data=sent)

    shown = {k: (v if len(str(v)) < 80 else f"{str(v)[:80]}…") for k, v in sent.items()}
    context = f"POST {path} as {role} with {shown}"
    assert response.status_code not in SERVER_ERRORS, context
    assert response.status_code in FORM_ANSWERS, f"{response.status_code}: {context}"
    errors = error_messages(response)
    # Accepted: a redirect without an error message, or a file handed out (an export).
    download = response.headers.get("Content-Disposition", "").startswith("attachment")
    rejected = not download and (response.status_code != 302 or bool(errors))
    if rejected:
        assert changed_counts(before_counts, row_counts()) == {}, context
        assert snapshot(watched) == before_object, context
    elif target.stored is not None:
        stored = target.stored(world, objs)
        for key, value in stored.items():
            # A field sent twice keeps one of its values; single ones are compared.
            if isinstance(sent.get(key), str):
                expected = _expected(sent[key], exact=key in target.exact)
                assert value == expected, f"{key}: stored {value!r:.200}; {context}"
    return response


_KEYS: dict[str, list] = {}


def _keys(world, target: Target) -> list:
    """The fields a target's submission has, plus its extra keys and one nobody expects."""
    if target.id not in _KEYS:
        with rolled_back():
            objs = dict(target.setup(world)) if target.setup else {}
            _KEYS[target.id] = [*target.data(world, objs), *target.extra_keys, "junk"]
    return _KEYS[target.id]


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
@FUZZ
@given(data=st.data())
def test_hostile_form_submissions(world, target, data):
    mutations = data.draw(_mutations(_keys(world, target)), label="mutations")
    with rolled_back():
        _run(world, target, mutations)


STORING = [t for t in TARGETS if t.texts]


@pytest.mark.parametrize("target", STORING, ids=[t.id for t in STORING])
@FUZZ_SWEEP
@given(data=st.data())
def test_accepted_text_is_stored_as_sent(world, target, data):
    """Printable but hostile text (RTL marks, combining characters, emoji) in the fields
    that are stored: the submission is accepted, and every field reads back as sent."""
    fields = data.draw(
        st.lists(st.sampled_from(target.texts), min_size=1, unique=True), label="fields"
    )
    mutations = {key: data.draw(printable_text(max_size=60), label=key) for key in fields}
    with rolled_back():
        response = _run(world, target, mutations)
        assert response.status_code == 302, response.status_code
        assert not error_messages(response), error_messages(response)


def test_an_overlong_username_is_a_failed_login_not_a_server_error(world):
    """Django's login form tries a username of any length; django-axes then recorded the
    failed attempt in a 255-character column, which PostgreSQL refused (a 500)."""
    username = "å" * 300
    with rolled_back():
        response = client_for(world, "anonymous").post(
            reverse("login"), {"username": username, "password": "fel lösenord"}
        )
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert AccessAttempt.objects.filter(username=username[:255]).count() == 1
