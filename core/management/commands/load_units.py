from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.services import units_import_csv


class Command(BaseCommand):
    help = (
        "Load units from a CSV file with the columns name, parent, managers "
        "(managers' e-mail addresses separated by ';'). A file with any error "
        "loads nothing; every error is reported with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        result = units_import_csv(text=text)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} errors; no unit was loaded.")
        self.stdout.write(f"{len(result.created)} units created, {len(result.updated)} updated.")
