"""The full-text index of records: a GIN index on PostgreSQL, nothing on SQLite."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

from archive.migration_operations import AddIndexOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [
        AddIndexOnPostgreSQL(
            model_name="record",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector(
                    "text", "sender_name", "description", config="swedish"
                ),
                name="archive_record_search",
            ),
        ),
    ]
