"""``weibao demo``: load the demo installation (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from weibao.core.demo import demo_steps


class Command(BaseCommand):
    help = "Create the demo hospitals, vendors, users (random passwords, printed once) and contracts."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="give the demo users new random passwords and print them",
        )

    def handle(self, *args, reset_passwords: bool = False, **options) -> None:
        ctx = {"reset_passwords": reset_passwords}
        with transaction.atomic():
            for name, step in demo_steps():
                for line in step(ctx):
                    self.stdout.write(line)
                if options.get("verbosity", 1) > 1:
                    self.stdout.write(f"[demo] {name} done")
