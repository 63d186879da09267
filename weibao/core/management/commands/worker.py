"""``weibao worker``: the background job consumer (huey), with its periodic tasks."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background job worker (huey consumer) with the periodic tasks."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args, workers: int | None = None, **options) -> None:
        extra = ["--workers", str(workers)] if workers else []
        call_command("run_huey", *extra)
