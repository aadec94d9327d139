"""A small believable municipality for `seed_demo`. Idempotent.

Everything here is demo data for a development machine; nothing in it is
used by the product itself.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify

from channels.models import Platform, PlatformKind
from core import roles
from core.models import SitePage, Unit

DEMO_PASSWORD = "demo"  # noqa: S105 -- documented demo password, DEBUG only

UNITS = [
    ("Kommunledningsförvaltningen", None),
    ("Kansliavdelningen", "Kommunledningsförvaltningen"),
    ("Kommunikationsenheten", "Kommunledningsförvaltningen"),
    ("Barn- och utbildningsförvaltningen", None),
    ("Grundskolan", "Barn- och utbildningsförvaltningen"),
    ("Kultur- och fritidsförvaltningen", None),
    ("Biblioteket", "Kultur- och fritidsförvaltningen"),
    ("Fritidsgården", "Kultur- och fritidsförvaltningen"),
]

PLATFORMS = [
    ("Facebook", PlatformKind.FACEBOOK),
    ("Instagram", PlatformKind.INSTAGRAM),
    ("LinkedIn", PlatformKind.LINKEDIN),
    ("YouTube", PlatformKind.YOUTUBE),
    ("X", PlatformKind.X),
    ("TikTok", PlatformKind.TIKTOK),
    ("Mastodon", PlatformKind.MASTODON),
    ("Blogg", PlatformKind.BLOG),
    ("Annat", PlatformKind.OTHER),
]

# username, first name, last name, role group
USERS = [
    ("medarbetare", "Maja", "Medarbetare", None),
    ("chef", "Carl", "Chef", roles.MANAGER),
    ("kommunikator", "Kim", "Kommunikatör", roles.COMMUNICATOR),
    ("registrator", "Rut", "Registrator", roles.REGISTRAR),
    ("handlaggare", "Hanna", "Handläggare", None),
]


def seed_platforms():
    for position, (name, kind) in enumerate(PLATFORMS, start=1):
        Platform.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "kind": kind, "position": position}
        )


def seed_units():
    units = {}
    for name, parent in UNITS:
        unit, _ = Unit.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "parent": units.get(parent)}
        )
        units[name] = unit
    return units


def seed_users(*, domain: str = "example.se"):
    User = get_user_model()
    users = {}
    for username, first, last, role in USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{domain}",
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if role:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={"email": f"admin@{domain}", "is_staff": True, "is_superuser": True},
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save(update_fields=["password"])
    users["admin"] = admin
    return users


def seed_pages():
    text = (Path(__file__).parent / "demo_data" / "riktlinjer.txt").read_text(encoding="utf-8")
    title, body = text.split("\n", 1)
    SitePage.objects.update_or_create(
        slug=SitePage.Slug.GUIDELINES, defaults={"title": title.strip(), "body": body.strip()}
    )


def seed(stdout=None):
    seed_pages()
    seed_platforms()
    units = seed_units()
    users = seed_users()
    for unit in units.values():
        unit.managers.add(users["chef"])
    # Each app adds its own demo objects, through its own services.
    from channels import demo as channels_demo

    channels_demo.seed(units=units, users=users)
    from moderation import demo as moderation_demo

    moderation_demo.seed(units=units, users=users)
    from archive import demo as archive_demo

    archive_demo.seed(units=units, users=users)
    return {"units": units, "users": users}
