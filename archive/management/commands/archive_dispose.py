from django.conf import settings
from django.core.management.base import BaseCommand

from archive.selectors import records_due
from archive.services.disposal import disposal_scheduled

DRY_RUN_CHUNK = 500


class Command(BaseCommand):
    help = (
        "Dispose of archive records whose retention time has run out (gallring). "
        "With ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF, proposes a run for sign-off and "
        "executes the runs already signed off. --dry-run only lists what would go."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the records that are due; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            due, rules = records_due()
            count = 0
            self.stdout.write("id\ttype\tchannel\treceived\tacted\trule")
            for record in due.order_by("pk").iterator(chunk_size=DRY_RUN_CHUNK):
                rule = rules[record.record_type]
                self.stdout.write(
                    f"{record.pk}\t{record.record_type}\t{record.channel_id}\t"
                    f"{record.received_at or ''}\t{record.acted_at}\t"
                    f"{rule.decision_number} ({rule.decision_date})"
                )
                count += 1
            self.stdout.write(f"{count} records would be disposed of (dry run).")
            return
        result = disposal_scheduled()
        if result["proposed"]:
            self.stdout.write(f"Proposed disposal run {result['proposed']}.")
            if settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF:
                self.stdout.write("It disposes of nothing until signed off.")
        for pk in result["executed"]:
            self.stdout.write(f"Executed disposal run {pk}.")
        if not result["proposed"] and not result["executed"]:
            self.stdout.write("Nothing to dispose of.")
