"""``weibao worker``: the background job consumer (huey), with its periodic tasks.

Any number of workers may run, on any number of hosts: each periodic job runs once per tick
on the whole installation (see :mod:`weibao.core.scheduler`).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from weibao.core.scheduler import worker_start_hooks


class Command(BaseCommand):
    help = "Run the background job worker (huey consumer) with the periodic tasks."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args, workers: int | None = None, **options) -> None:
        for fn in worker_start_hooks():
            try:
                fn()
            except Exception as exc:  # a broker that is down now is retried by the periodic jobs
                self.stderr.write(f"{getattr(fn, '__name__', fn)}: {exc}")
        extra = ["--workers", str(workers)] if workers else []
        call_command("run_huey", *extra)
