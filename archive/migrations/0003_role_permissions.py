"""Give Registrator and Kommunikatör the archive permissions of core.roles."""

from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_record_search_index"), ("core", "0002_roles")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
