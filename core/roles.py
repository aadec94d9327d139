"""The roles of DESIGN.md as Django groups, and the permissions each holds.

Groups are created by a data migration; each app's migration that adds models
calls `sync_role_permissions` again so that the groups gain the new model
permissions. Every logged-in employee counts as Medarbetare: the
authentication backend (core.backends) adds that group's permissions to every
active user, so nobody has to be put in it by hand.
"""

EMPLOYEE = "Medarbetare"
MANAGER = "Chef"
COMMUNICATOR = "Kommunikatör"
REGISTRAR = "Registrator"

ROLES = (EMPLOYEE, MANAGER, COMMUNICATOR, REGISTRAR)

# "app_label.codename" per role. Permissions of models that do not exist yet
# are skipped, so this table can name what later migrations add.
ROLE_PERMISSIONS = {
    EMPLOYEE: [
        "core.view_unit",
        "channels.view_platform",
        "channels.add_channelapplication",
    ],
    MANAGER: [
        "core.view_unit",
        "channels.view_platform",
        "channels.view_channelapplication",
    ],
    COMMUNICATOR: [
        "core.view_unit",
        "channels.view_platform",
        "channels.add_platform",
        "channels.change_platform",
        "channels.view_channelapplication",
        "channels.view_channel",
        "channels.add_channel",
        "channels.change_channel",
        "channels.view_politicallink",
        "channels.add_politicallink",
        "channels.change_politicallink",
        "channels.delete_politicallink",
        # The archive, read-only: search and view records.
        "archive.view_record",
        "archive.search_record",
        # Moderation: every queue's items, and what arrived but was not handled.
        "moderation.view_item",
        "moderation.view_unhandledevent",
        # The queue: reply templates are the communicator's; rules are the administrators'.
        "moderation.view_replytemplate",
        "moderation.add_replytemplate",
        "moderation.change_replytemplate",
        "moderation.view_contentrule",
        "moderation.view_rulekeyword",
        "moderation.view_absence",
        "moderation.view_registration",
    ],
    REGISTRAR: [
        "core.view_unit",
        "channels.view_platform",
        "channels.view_channel",
        # The archive: everything the registrar does there.
        "archive.view_record",
        "archive.search_record",
        "archive.manage_archive",
        "archive.view_recordannotation",
        "archive.add_recordannotation",
        "archive.view_retentionrule",
        "archive.view_legalhold",
        "archive.add_legalhold",
        "archive.change_legalhold",
        "archive.view_disposalrun",
        "archive.add_disposalrun",
        "archive.change_disposalrun",
        "archive.view_disposallogentry",
        "archive.view_publicrecordrequest",
        "archive.add_publicrecordrequest",
        "archive.change_publicrecordrequest",
        "archive.view_export",
        "archive.add_export",
        "archive.view_verificationrun",
        "archive.view_accesslog",
    ],
}


def sync_role_permissions(apps, schema_editor=None):
    """Create the groups and give them the permissions of ROLE_PERMISSIONS.

    Usable as a RunPython function: it uses the historical models it is given
    and creates model permissions first (Django only does that after migrate).
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, and create_permissions
        # skips such apps; pretend for the call and put the value back.
        saved = getattr(app_config, "models_module", None)
        app_config.models_module = saved or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = saved

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.add(*wanted)


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if role == EMPLOYEE:
        return True
    # Reuse one query per request: the groups are cached on the user object.
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return role in user._role_names


def is_communicator(user) -> bool:
    return user_has_role(user, COMMUNICATOR)


def is_registrar(user) -> bool:
    return user_has_role(user, REGISTRAR)


def is_manager(user) -> bool:
    return user_has_role(user, MANAGER)
