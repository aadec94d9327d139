"""The permission matrix: for every URL name, the methods it accepts and what each role gets.

Written from DESIGN.md ("Who uses it" and separation of duties): what a user may not see
answers 404 like a page that does not exist; anonymous users on staff pages get a 302 to
the login page. A cell is "allowed" (200, 201, 204, 400 form error, or a redirect that is
not to the login page: the request reached the view's work), "denied" (403, 404 or 405),
"login" (302 to the login page), or an exact status code where it matters.

POST cells send an empty body: an allowed role answers with the form's errors (400) or
a redirect, a refused one with 404.

The administrator (superuser) has no role of DESIGN.md: they work in Django's admin,
and in the application they are an employee without channels, except in the archive.
There a superuser passes every model permission check, as everywhere in Django, so they
act as a Registrator: they already see every record in Django's admin, so refusing them
the archive pages would protect nothing, and their reads are in the archive's access log
like anyone else's. Separation of duties still holds where it matters: nobody signs off a
disposal run they proposed.
"""

ROLES = (
    "anonymous",
    "employee",  # Medarbetare: has applied for a channel, handles none
    "manager",  # Chef of the unit that owns the channel and the application
    "other_manager",  # Chef of another unit
    "handler",  # handles the channel
    "other_handler",  # handles another channel (of the other unit)
    "substitute",  # covers for `handler` during a recorded absence
    "communicator",  # Kommunikatör
    "registrar",  # Registrator
    "admin",  # superuser
)
SIGNED_IN = ROLES[1:]


def everyone(value="allowed"):
    """The same answer for every role, anonymous included."""
    return dict.fromkeys(ROLES, value)


def signed_in(value="allowed", **overrides):
    """Every signed-in role gets `value`; anonymous is sent to the login page."""
    return {"anonymous": "login", **dict.fromkeys(SIGNED_IN, value), **overrides}


def only(*allowed, **overrides):
    """The roles named may; every other signed-in role is refused; anonymous must log in."""
    cells = signed_in("denied")
    cells.update(dict.fromkeys(allowed, "allowed"))
    cells.update(overrides)
    return cells


# Non-handlers POSTing to the bulk removal get the queue's "you handle no channel" page
# (200, nothing removed); handlers get the form's error (400).
NOT_A_HANDLER_PAGE = 200
# The substitute may see the absence but not end it: the service refuses, and the view
# redirects back to the list with the error message (nothing changes).
REFUSED_WITH_MESSAGE = 302

ARCHIVE_READERS = ("communicator", "registrar", "admin")
ARCHIVE_MANAGERS = ("registrar", "admin")

MATRIX: dict[str, dict[str, dict[str, object]]] = {
    # --- core: public pages and accounts
    "home": {"GET": everyone()},
    "accessibility": {"GET": everyone()},
    "guidelines": {"GET": everyone()},
    # 503 whenever a service it checks is down (no broker in the test run); never a login.
    "healthz": {"GET": everyone(503)},
    "login": {"GET": everyone(), "POST": everyone()},
    # Logging out is a POST (Django 5): a GET (a link, an <img>) must not log anyone out.
    "logout": {"GET": everyone(405), "POST": everyone()},
    "password_change": {"GET": signed_in(), "POST": signed_in()},
    "password_change_done": {"GET": signed_in()},
    "password_reset": {"GET": everyone(), "POST": everyone()},
    "password_reset_done": {"GET": everyone()},
    "password_reset_confirm": {"GET": everyone(), "POST": everyone()},
    "password_reset_complete": {"GET": everyone()},
    # --- channels: applications (Medarbetare applies, Chef of the unit decides,
    # Kommunikatör registers)
    "channels:application_list": {"GET": signed_in()},  # each sees their own
    "channels:application_create": {"GET": signed_in(), "POST": signed_in()},
    "channels:application_decide_list": {"GET": only("manager", "other_manager")},
    "channels:application_registration_list": {"GET": only("communicator")},
    "channels:application_detail": {"GET": only("employee", "manager", "communicator")},
    # A submitted application: the applicant is sent back to it (302), nobody else sees it.
    "channels:application_edit": {"GET": only("employee"), "POST": only("employee")},
    "channels:application_submit": {"POST": only("employee")},
    "channels:application_delete": {"POST": only("employee")},
    # Only the Chef of the application's unit; never the other unit's Chef.
    "channels:application_decide": {"POST": only("manager")},
    # --- channels: the register's staff side
    "channels:staff_channel_list": {"GET": signed_in()},  # filtered per user
    "channels:staff_channel_register": {
        "GET": only("communicator"),
        "POST": only("communicator"),
    },
    "channels:staff_channel_detail": {"GET": only("manager", "handler", "communicator")},
    "channels:staff_channel_edit": {"GET": only("communicator"), "POST": only("communicator")},
    "channels:staff_channel_publish": {"POST": only("communicator")},
    "channels:staff_channel_unpublish": {"POST": only("communicator")},
    "channels:staff_channel_close": {"POST": only("communicator")},
    "channels:staff_channel_report_closure": {
        "POST": only("manager", "handler", "communicator"),
    },
    "channels:staff_channel_confirm_review": {"POST": only("handler", "communicator")},
    "channels:staff_channel_handlers": {
        "GET": only("communicator"),
        "POST": only("communicator"),
    },
    "channels:staff_political_list": {"GET": only("communicator")},
    "channels:staff_political_create": {
        "GET": only("communicator"),
        "POST": only("communicator"),
    },
    "channels:staff_political_edit": {"GET": only("communicator"), "POST": only("communicator")},
    "channels:staff_political_delete": {
        "GET": only("communicator"),
        "POST": only("communicator"),
    },
    # --- channels: public register, open data
    "channels:public_list": {"GET": everyone()},
    "channels:public_detail": {"GET": everyone()},
    "channels:public_verify": {"GET": everyone()},
    "channels:public_political": {"GET": everyone()},
    "channels:public_feed": {"GET": everyone()},
    "api:channel_list": {"GET": everyone()},
    "api:channel_csv": {"GET": everyone()},
    "api:verify": {"GET": everyone(400)},  # no address given: a JSON error, never a 500
    "api:openapi": {"GET": everyone()},
    # --- machine endpoints: a session is worth nothing, only a token or a signature
    "ingest_api:items": {"POST": everyone(401)},
    "webhooks:meta": {"GET": everyone(403), "POST": everyone(403)},
    "webhooks:mastodon": {"POST": everyone(403)},
    # --- moderation: handlers work their own channels' queues, the substitute the absent
    # handler's, the Kommunikatör every queue
    "moderation:queue": {"GET": signed_in()},  # each sees their own channels' items
    "moderation:substitute_queue": {"GET": signed_in()},
    "moderation:bulk_remove": {
        "POST": signed_in(
            NOT_A_HANDLER_PAGE,
            handler=400,
            other_handler=400,
            substitute=400,
            communicator=400,
        ),
    },
    "moderation:unhandled_list": {"GET": only("communicator")},
    "moderation:unhandled_resolve": {"POST": only("communicator")},
    # The empty form is shown to everyone; registering needs a channel one handles.
    "moderation:item_create": {
        "GET": signed_in(),
        "POST": only("handler", "other_handler", "substitute", "communicator"),
    },
    "moderation:item_detail": {"GET": only("handler", "substitute", "communicator")},
    "moderation:item_comment": {"POST": only("handler", "substitute", "communicator")},
    "moderation:item_action": {"POST": only("handler", "substitute", "communicator")},
    "moderation:absence_list": {
        "GET": only("handler", "other_handler", "substitute", "communicator"),
        "POST": only("handler", "other_handler", "substitute", "communicator"),
    },
    "moderation:absence_end": {
        "POST": only("handler", "communicator", substitute=REFUSED_WITH_MESSAGE),
    },
    "moderation:reply_template_list": {
        "GET": only("communicator"),
        "POST": only("communicator"),
    },
    "moderation:reply_template_edit": {
        "GET": only("communicator"),
        "POST": only("communicator"),
    },
    "dashboards:handler": {"GET": signed_in()},
    "dashboards:communicator": {"GET": only("communicator")},
    # --- archive: Registrator everything, Kommunikatör searches and reads records
    # (archive/permissions.py); everyone else 404
    "archive:home": {"GET": only(*ARCHIVE_READERS)},
    "archive:search": {"GET": only(*ARCHIVE_READERS)},
    "archive:record_detail": {"GET": only(*ARCHIVE_READERS)},
    "archive:record_registration_number": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:record_confidentiality": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:record_hold": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:hold_list": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:channel_hold": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:hold_release": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:verify": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:access_log": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:retention_rules": {"GET": only(*ARCHIVE_READERS)},
    "archive:request_list": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:request_create": {"GET": only(*ARCHIVE_MANAGERS), "POST": only(*ARCHIVE_MANAGERS)},
    "archive:request_detail": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:request_attach": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:request_detach": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:request_mask": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:request_unmask": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:request_export": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:request_close": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_list": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_propose": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_detail": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_approve": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_execute": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_cancel": {"POST": only(*ARCHIVE_MANAGERS)},
    "archive:disposal_log": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:export_list": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:export_detail": {"GET": only(*ARCHIVE_MANAGERS)},
    "archive:export_download": {"GET": only(*ARCHIVE_MANAGERS)},
}

# Cells where the application disagrees with DESIGN.md: (url name, method, role) -> reason.
# Each runs as a strict xfail, so fixing the application makes it fail until removed here.
# Empty: every cell above is what the application does and what DESIGN.md asks for.
XFAIL: dict[tuple[str, str, str], str] = {}
