from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import demo


class Command(BaseCommand):
    help = "Create a small demo municipality with one account per role (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a known password and only runs with DEBUG on."
            )
        with transaction.atomic():
            demo.seed()
        self.stdout.write(
            "Demo data ready. Accounts (password “demo”): "
            + ", ".join(name for name, *_ in demo.USERS)
            + ", admin."
        )
