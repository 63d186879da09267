"""``weibao serve``: migrate, then run the web server (gunicorn) and a job worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, then serve the web UI/API with gunicorn and run the background worker alongside."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("WEIBAO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WEIBAO_PORT", "8000")))
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))),
            help="gunicorn worker processes (default 2 × cores + 1)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "1")),
            help="threads per worker; 1 = sync workers, which share the load evenly between processes",
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the job worker")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(
        self,
        *args,
        host: str,
        port: int,
        web_workers: int,
        threads: int,
        no_worker: bool,
        no_migrate: bool,
        **kw,
    ):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "weibao.settings"}
        procs: list[subprocess.Popen] = []
        if not no_worker:
            procs.append(subprocess.Popen([sys.executable, "-m", "weibao.cli", "worker"], env=env))
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "weibao.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(web_workers),
            "--threads",
            str(max(1, threads)),
            "--access-logfile",
            "-" if settings.DEBUG else os.devnull,
            "--graceful-timeout",
            "10",
        ]
        procs.append(subprocess.Popen(gunicorn, env=env))
        self.stdout.write(self.style.SUCCESS(f"Weibao 已启动: http://{host}:{port}/"))

        def stop(*_args) -> None:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            stop()
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
