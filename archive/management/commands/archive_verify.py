from django.core.management.base import BaseCommand

from archive.services.verification import verification_run


class Command(BaseCommand):
    help = (
        "Walk the archive's hash chain. Exit status 0 when it holds; 1 and the first "
        "record that was changed or removed outside disposal otherwise."
    )

    def handle(self, *args, **options):
        run = verification_run()
        if run.ok:
            self.stdout.write(run.message)
            return
        self.stderr.write(run.message)
        raise SystemExit(1)
