"""The job queue round-trips through its real storage, and `weibao serve` serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from weibao.core.models import Heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_goes_through_the_real_queue():
    from huey.contrib.djhuey import HUEY

    from weibao.core.tasks import ping

    HUEY.immediate = False
    HUEY.flush()
    result = ping()
    assert HUEY.pending_count() == 1
    task = HUEY.dequeue()
    assert HUEY.execute(task) == "pong"
    assert result.get() == "pong"
    assert Heartbeat.objects.filter(name="ping").exists()


def test_periodic_tasks_are_registered():
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    from weibao.core.tasks import PERIODIC_TASKS

    due = {task.name for task in HUEY.read_periodic(datetime(2026, 11, 22, 3, 17))}
    assert "heartbeat" in PERIODIC_TASKS and any(name.endswith("heartbeat") for name in due)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="serve is checked on the embedded default")
def test_weibao_serve_starts_web_and_worker(tmp_path):
    port = _free_port()
    env = {**os.environ, "WEIBAO_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "weibao.cli", "serve", "--port", str(port), "--web-workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 90  # a fresh database is migrated first: slow on a busy machine
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert body is not None and '"status": "ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
            assert "登录维保平台" in r.read().decode()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/django_htmx/htmx-2.min.js", timeout=5
        ) as r:
            assert r.status == 200
        # The worker runs beside the web server: its process is a child running run_huey.
        children = subprocess.run(
            ["pgrep", "-f", "weibao.cli worker", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        assert children, "no worker process started"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (tmp_path / "weibao.sqlite3").exists() and (tmp_path / "secret_key").exists()
