import datetime

from django.core.management.base import BaseCommand, CommandError

from archive.services.exports import Selection, sip_write
from channels.models import Channel
from core.exceptions import ServiceError


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Export archive records as an E-ARK SIP (CSIP/SIP 2.1, FGS Paketstruktur 2.0) ZIP."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, help="Only this channel's records (its id).")
        parser.add_argument("--type", dest="record_type", default="", help="Only this record type.")
        parser.add_argument("--since", help="Acted on from this date (YYYY-MM-DD).")
        parser.add_argument("--until", help="Acted on up to and including this date.")
        parser.add_argument("--no-pdf", action="store_true", help="JSON only, no PDF per record.")
        parser.add_argument("--out", required=True, help="The ZIP file to write.")

    def handle(self, *args, **options):
        channel = None
        if options["channel"] is not None:
            channel = Channel.objects.filter(pk=options["channel"]).first()
            if channel is None:
                raise CommandError(f"No channel with id {options['channel']}.")
        selection = Selection(
            channel=channel,
            record_type=options["record_type"],
            since=_date(options["since"]) if options["since"] else None,
            until=_date(options["until"]) if options["until"] else None,
        )

        def progress(written):
            self.stdout.write(f"{written} records written")

        try:
            manifest = sip_write(
                options["out"],
                selection=selection,
                include_pdf=False if options["no_pdf"] else None,
                progress=progress,
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Wrote {options['out']}: {manifest.document_count} records, "
            f"{len(manifest.files)} files."
        )
