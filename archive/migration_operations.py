"""Migration operations that only touch the database on PostgreSQL.

The full-text index is a PostgreSQL GIN index (migration 0002 over a
`to_tsvector` expression, 0005 over the stored search document); SQLite (the
zero-setup default) has neither, and searches there with a simple substring
match. The model state follows the operations everywhere, so `makemigrations`
stays clean on both.
"""

from django.db import migrations


class _OnPostgreSQLOnly:
    """The operation's state change everywhere, its database change on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{super().describe()} (PostgreSQL only)"


class AddIndexOnPostgreSQL(_OnPostgreSQLOnly, migrations.AddIndex):
    pass


class RemoveIndexOnPostgreSQL(_OnPostgreSQLOnly, migrations.RemoveIndex):
    pass
