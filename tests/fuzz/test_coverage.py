"""Nothing that takes input escapes the fuzz tests, in the spirit of the permission matrix.

* every URL that takes a POST (the permission matrix's POST cells, and any view whose
  code reads `request.POST`) has a target in test_forms.TARGETS, or is a JSON endpoint
  with a fuzz test of its own; every action of moderation:item_action has a target;
* every JSON endpoint (the API's and the webhooks') has a fuzz test;
* every GET URL of the matrix is in test_get_params (which takes them from the matrix);
* every form class of the project is used by a URL that is fuzzed.

A new form, a new form-handling URL or a new JSON endpoint without fuzz coverage fails
here until it is added to the fuzz tests.
"""

import inspect
from pathlib import Path

from django import forms

from moderation.views.items import ACTIONS
from tests.fuzz import test_forms, test_get_params
from tests.permission_matrix_table import MATRIX
from tests.test_permission_matrix import ROUTES

HERE = Path(__file__).resolve().parent
PROJECT_APPS = ("core.", "channels.", "moderation.", "archive.", "smedje_social.")

# JSON endpoints and the fuzz test of each (module, function).
JSON_ENDPOINTS = {
    "api:channel_list": ("test_api.py", "test_open_data_answers_json_or_a_json_error"),
    "api:channel_csv": ("test_api.py", "test_open_data_answers_json_or_a_json_error"),
    "api:verify": ("test_api.py", "test_open_data_answers_json_or_a_json_error"),
    "api:openapi": ("test_schemathesis.py", "test_the_api_conforms_to_its_schema"),
    "ingest_api:items": ("test_api.py", "test_ingestion_with_wrong_or_missing_fields"),
    "webhooks:meta": ("test_webhooks.py", "test_signed_hostile_bodies_are_stored_once_and_parsed"),
    "webhooks:mastodon": (
        "test_webhooks.py",
        "test_signed_hostile_bodies_are_stored_once_and_parsed",
    ),
}
JSON_NAMESPACES = ("api", "ingest_api", "webhooks")

# Each form class of the project and the URLs that take it (query-string forms: GET).
FORM_URLS = {
    "channels.forms.applications.ApplicationForm": [
        "channels:application_create",
        "channels:application_edit",
    ],
    "channels.forms.applications.DecisionForm": ["channels:application_decide"],
    "channels.forms.staff.ChannelFilterForm": ["channels:staff_channel_list"],
    "channels.forms.staff.ChannelRegisterForm": ["channels:staff_channel_register"],
    "channels.forms.staff.ChannelEditForm": ["channels:staff_channel_edit"],
    "channels.forms.staff.VersionForm": ["channels:staff_channel_publish"],
    "channels.forms.staff.PublishForm": ["channels:staff_channel_publish"],
    "channels.forms.staff.UnpublishForm": ["channels:staff_channel_unpublish"],
    "channels.forms.staff.CloseForm": ["channels:staff_channel_close"],
    "channels.forms.staff.ReportClosureForm": ["channels:staff_channel_report_closure"],
    "channels.forms.staff.ConfirmReviewForm": ["channels:staff_channel_confirm_review"],
    "channels.forms.staff.HandlersForm": ["channels:staff_channel_handlers"],
    "channels.forms.staff.PoliticalLinkForm": [
        "channels:staff_political_create",
        "channels:staff_political_edit",
    ],
    "channels.views.public.RegisterFilterForm": ["channels:public_list"],
    "channels.views.public.VerifyForm": ["channels:public_verify"],
    "moderation.forms.ItemRegisterForm": ["moderation:item_create"],
    "moderation.forms.UnhandledFilterForm": ["moderation:unhandled_list"],
    "moderation.forms.QueueFilterForm": ["moderation:queue", "moderation:substitute_queue"],
    "moderation.forms.VersionForm": ["moderation:item_action"],
    "moderation.forms.AnswerForm": ["moderation:item_action"],
    "moderation.forms.ForwardForm": ["moderation:item_action"],
    "moderation.forms.NoteForm": ["moderation:item_action"],
    "moderation.forms.ReferForm": ["moderation:item_action"],
    "moderation.forms.RemoveForm": ["moderation:item_action"],
    "moderation.forms.RepublishForm": ["moderation:item_action"],
    "moderation.forms.BullyingForm": ["moderation:item_action"],
    "moderation.forms.AdviceForm": ["moderation:item_action"],
    "moderation.forms.RegisterForm": ["moderation:item_action"],
    "moderation.forms.CommentForm": ["moderation:item_comment"],
    "moderation.forms.BulkRemoveForm": ["moderation:bulk_remove"],
    "moderation.forms.AbsenceForm": ["moderation:absence_list"],
    "moderation.forms.ReplyTemplateForm": [
        "moderation:reply_template_list",
        "moderation:reply_template_edit",
    ],
    "moderation.admin.IngestTokenForm": ["admin:moderation_ingesttoken_add"],
    "archive.forms.RecordSearchForm": ["archive:search"],
    "archive.forms.RegistrationNumberForm": ["archive:record_registration_number"],
    "archive.forms.ConfidentialityForm": ["archive:record_confidentiality"],
    "archive.forms.ReasonForm": ["archive:record_hold", "archive:channel_hold"],
    "archive.forms.ChannelHoldForm": ["archive:hold_list", "archive:channel_hold"],
    "archive.forms.RequestForm": ["archive:request_create"],
    "archive.forms.AttachRecordsForm": ["archive:request_attach"],
    "archive.forms.MaskForm": ["archive:request_mask"],
    "archive.forms.CloseRequestForm": ["archive:request_close"],
    "archive.forms.ExportForm": ["archive:export_list"],
    "archive.forms.CommentForm": ["archive:disposal_propose", "archive:disposal_cancel"],
}


def _target_names() -> set:
    return {target.name for target in test_forms.TARGETS}


def _names_used(code) -> set:
    """The attribute and global names a code object and the functions in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names_used(const)
    return names


def _reads_post(route) -> bool:
    """Whether the view's code reads `request.POST` (from its bytecode, not its file,
    which may have changed since it was imported)."""
    view = inspect.unwrap(route.pattern.callback)
    view_class = getattr(view, "view_class", None)
    functions = (
        [member for _name, member in inspect.getmembers(view_class, inspect.isfunction)]
        if view_class is not None
        else [view]
    )
    if not all(hasattr(function, "__code__") for function in functions):
        # A callable instance (the Atom feed): its __call__ is the code that runs.
        functions = [type(view).__call__]
    return any("POST" in _names_used(function.__code__) for function in functions)


def _project_forms():
    found, pending = [], list(forms.BaseForm.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        name = f"{form_class.__module__}.{form_class.__qualname__}"
        # A class whose name starts with "_" is a base the others share, never used alone.
        if form_class.__module__.startswith(
            PROJECT_APPS
        ) and not form_class.__qualname__.startswith("_"):
            found.append((name, form_class))
    return found


def _has_test(module: str, function: str) -> bool:
    return f"def {function}(" in (HERE / module).read_text()


def test_every_form_handling_url_is_fuzzed():
    targets = _target_names()
    missing = []
    for route in ROUTES:
        takes_post = "POST" in MATRIX.get(route.name, {}) or _reads_post(route)
        if not takes_post or route.name.split(":")[0] in JSON_NAMESPACES:
            continue
        if route.name not in targets:
            missing.append(f"{route.name} ({route.route}) takes a form but has no fuzz target")
    assert not missing, "\n".join(missing)


def test_every_item_action_is_fuzzed():
    fuzzed = {t.action for t in test_forms.TARGETS if t.name == "moderation:item_action"}
    assert set(ACTIONS) == fuzzed


def test_every_json_endpoint_is_fuzzed():
    names = {route.name for route in ROUTES if route.name.split(":")[0] in JSON_NAMESPACES}
    assert names <= set(JSON_ENDPOINTS), (
        f"JSON endpoints without fuzz tests: {names - set(JSON_ENDPOINTS)}"
    )
    for name, (module, function) in JSON_ENDPOINTS.items():
        assert _has_test(module, function), f"{name}: {module} has no {function}"


def test_every_get_url_is_fuzzed():
    names = {route.name for route in ROUTES if "GET" in MATRIX.get(route.name, {})}
    assert names <= set(test_get_params.GET_NAMES)


def test_every_form_class_is_used_by_a_fuzzed_url():
    fuzzed = _target_names() | set(test_get_params.GET_NAMES)
    problems = []
    for name, _form_class in _project_forms():
        urls = FORM_URLS.get(name)
        if urls is None:
            problems.append(f"{name}: a form no fuzz test covers; add it to FORM_URLS")
            continue
        problems.extend(f"{name}: {url} is not fuzzed" for url in urls if url not in fuzzed)
    stale = set(FORM_URLS) - {name for name, _ in _project_forms()}
    problems.extend(f"{name}: no such form any more" for name in sorted(stale))
    assert not problems, "\n".join(problems)
