from django.conf import settings
from django.core.management.base import BaseCommand

from archive.models import DisposalRun
from archive.selectors import records_due
from archive.services.disposal import disposal_scheduled
from archive.services.item_disposal import items_due, spent_deliveries

DRY_RUN_CHUNK = 500


class Command(BaseCommand):
    help = (
        "Dispose of archive records, and of moderation items that never became records, "
        "whose retention time has run out (gallring). "
        "With ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF, proposes a run for sign-off and "
        "executes the runs already signed off. --dry-run only lists what would go."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the records and items that are due; change nothing.",
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
            self._dry_run_items()
            return
        result = disposal_scheduled()
        if result["proposed"]:
            self.stdout.write(f"Proposed disposal run {result['proposed']}.")
            if settings.ARCHIVE_DISPOSAL_REQUIRES_SIGNOFF:
                self.stdout.write("It disposes of nothing until signed off.")
        for pk in result["executed"]:
            run = DisposalRun.objects.get(pk=pk)
            self.stdout.write(
                f"Executed disposal run {pk}: {run.disposed_count} records, "
                f"{run.items_disposed_count} items and {run.deliveries_deleted_count} "
                "webhook deliveries disposed of."
            )
        if not result["proposed"] and not result["executed"]:
            self.stdout.write("Nothing to dispose of.")

    def _dry_run_items(self):
        """Items are listed without content or sender: ids, kind, state, channel, dates."""
        items, rule = items_due()
        if rule is None:
            self.stdout.write("No retention rule for items that never became records.")
            return
        count = 0
        self.stdout.write("item\tkind\tstate\tchannel\treceived\thandled\trule")
        rows = items.order_by("pk").values_list(
            "pk", "kind", "state", "channel_id", "received_at", "handled_at"
        )
        for pk, kind, state, channel_id, received_at, handled_at in rows.iterator(
            chunk_size=DRY_RUN_CHUNK
        ):
            self.stdout.write(
                f"{pk}\t{kind}\t{state}\t{channel_id}\t{received_at}\t{handled_at or ''}\t"
                f"{rule.decision_number} ({rule.decision_date})"
            )
            count += 1
        self.stdout.write(f"{count} items would be disposed of (dry run).")
        self.stdout.write(
            f"{spent_deliveries(rule=rule).count()} spent webhook deliveries would be deleted."
        )
