"""The register's version, kept by the database (channels.models.RegisterState).

Every change to the tables the public register is made of gives the one row
of channels_registerstate a new random version, in the changing transaction:
on PostgreSQL one statement-level trigger per table (TRUNCATE included), on
SQLite a row-level trigger per table and kind of change.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

TABLES = ["channels_channel", "channels_channelevent", "core_unit", "channels_platform"]
# Random, never counted (see RegisterState): 63 bits, so never negative.
UPSERT = {
    "postgresql": (
        "INSERT INTO channels_registerstate (id, version) "
        "VALUES (1, floor(random() * 9.2e18)::bigint) "
        "ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version"
    ),
    "sqlite": (
        "INSERT INTO channels_registerstate (id, version) "
        "VALUES (1, abs(random() % 9223372036854775807)) "
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version"
    ),
}
FUNCTION = "channels_register_changed"


def _sqlite_triggers(table):
    for event in ("INSERT", "UPDATE", "DELETE"):
        yield f"{table}_register_{event.lower()}", event


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {UPSERT[vendor]}; RETURN NULL; END $$"
        )
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_register AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for name, event in _sqlite_triggers(table):
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {UPSERT[vendor]}; END"
                )
    else:
        raise ImproperlyConfigured(
            f"Smedje Social runs on PostgreSQL or SQLite, not {vendor}: the register's "
            "version is kept by triggers written for those two."
        )
    schema_editor.execute(UPSERT[vendor])


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_register ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    elif vendor == "sqlite":
        for table in TABLES:
            for name, _event in _sqlite_triggers(table):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0006_updated_at"),
        ("core", "0004_updated_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegisterState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(verbose_name="version")),
            ],
            options={
                "verbose_name": "register state",
                "verbose_name_plural": "register state",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
