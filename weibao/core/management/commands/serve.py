"""``weibao serve``: migrate, then run the web server (gunicorn) and a job worker together.

The job worker is restarted whenever it exits (see :mod:`weibao.core.supervise`); the web server
runs on regardless. If gunicorn itself stops, ``serve`` stops the worker and exits with an error,
so that the service manager (systemd, a container runtime) starts it again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from weibao.core.supervise import Supervised, describe_exit

log = logging.getLogger("weibao.serve")


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
        # The web server is gunicorn, whose arbiter restarts its own workers; the job worker is
        # supervised here and started again whenever it exits, so it never takes the web down.
        worker = None
        if not no_worker:
            worker = Supervised("job worker", [sys.executable, "-m", "weibao.cli", "worker"], env=env)
            worker.start()
        web = subprocess.Popen(gunicorn, env=env)
        self.stdout.write(self.style.SUCCESS(f"Weibao 已启动: http://{host}:{port}/"))

        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and web.poll() is None:
                if worker is not None:
                    worker.check()
                time.sleep(0.2)
        finally:
            # gunicorn stops gracefully on SIGTERM; huey's consumer on SIGINT (it finishes the
            # jobs at hand; whatever it cannot finish is picked up again from the outbox).
            if worker is not None:
                worker.stop(signal.SIGINT)
            if web.poll() is None:
                web.send_signal(signal.SIGTERM)
            if worker is not None:
                worker.wait(timeout=15)
            try:
                web.wait(timeout=15)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()
        if not stopping:
            log.error("the web server stopped with %s; stopping", describe_exit(web.returncode))
            raise SystemExit(web.returncode or 1)
