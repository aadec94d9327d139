from django.core.management.base import BaseCommand

from moderation.reminders import reminders_sweep
from moderation.review_reminders import review_reminders_sweep


class Command(BaseCommand):
    help = (
        "Run one sweep of the response-time reminders now, exactly as the periodic task "
        "does: claim what is due and queue one e-mail per person. With --review, also run "
        "the annual review of channels. Safe next to the scheduler: nothing goes out twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--review", action="store_true", help="Also run the annual review of channels."
        )

    def handle(self, *args, **options):
        self.stdout.write(str(reminders_sweep()))
        if options["review"]:
            self.stdout.write(str(review_reminders_sweep()))
