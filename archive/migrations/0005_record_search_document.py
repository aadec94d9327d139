"""The records' search document, stored: a generated tsvector column with its GIN index.

The GIN index over a `to_tsvector` expression (0002) finds the records of a rare
word, but a common word is answered by reading rows in order and computing
`to_tsvector` for each (about 15 µs a row: 110 ms to find the first thousand
records of a word in an eighth of them, BENCHMARKS.md 4.). PostgreSQL now keeps
the document in a generated column, computed once when a record is written,
and the index is on that column. The column is not a model field (SQLite has
no tsvector); `RecordQuerySet.search` reads it on PostgreSQL.
"""

from django.db import migrations

from archive.migration_operations import RemoveIndexOnPostgreSQL

# The same document as archive.models.records.search_vector() gave.
DOCUMENT = (
    "to_tsvector('swedish'::regconfig, COALESCE(text, '') || ' ' || "
    "COALESCE(sender_name, '') || ' ' || COALESCE(description, ''))"
)


def add_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE archive_record ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX archive_record_search ON archive_record USING gin (search_document)"
    )


def drop_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS archive_record_search")
    schema_editor.execute("ALTER TABLE archive_record DROP COLUMN IF EXISTS search_document")


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_item_retention")]

    operations = [
        RemoveIndexOnPostgreSQL(model_name="record", name="archive_record_search"),
        migrations.RunPython(add_document, drop_document, elidable=False),
    ]
