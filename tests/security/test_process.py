"""The process model, tried as issue 12 found it: a worker killed under ``weibao serve``, notices
in flight when a worker or web process dies, a retried report, several workers at once.

The tests that start real processes use a temporary ``WEIBAO_VAR_DIR`` (SQLite) or, for the
several-workers test, the PostgreSQL and Redis of ``DATABASE_URL``/``REDIS_URL``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh embedded installation in ``var_dir``."""
    env = {**os.environ, "WEIBAO_VAR_DIR": str(var_dir), **extra}
    for name in (
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "REDIS_URL",
        "WEIBAO_HUEY_IMMEDIATE",
    ):
        env.pop(name, None)
    return env


def children(pid: int, pattern: str) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(pid), "-f", pattern], capture_output=True, text=True)
    return {int(p) for p in found.stdout.split()}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


# --- 4. A crashed worker takes the site down ------------------------------------------------------


@pytest.mark.skipif(ON_POSTGRESQL, reason="serve is checked on the embedded default")
def test_a_killed_worker_is_restarted_and_the_web_answers_throughout(tmp_path):
    """`kill -9` of the worker under `weibao serve`: the web port refused connections until
    restarted by hand. Now the web answers every request and a new worker runs within 10 s; a
    SIGTERM to serve stops everything cleanly."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "weibao.cli", "serve", "--port", str(port), "--web-workers", "1"],
        env=embedded_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(240):
            try:
                assert get(f"{base}/healthz")[0] == 200
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("serve did not answer: " + (tmp_path / "serve.log").read_text())
        workers = children(serve.pid, "weibao.cli worker")
        assert len(workers) == 1
        (old,) = workers
        web = children(serve.pid, "gunicorn")
        assert len(web) == 1

        os.kill(old, signal.SIGKILL)
        killed_at = time.monotonic()
        answers, new = 0, set()
        while time.monotonic() - killed_at < 10:
            status, body = get(f"{base}/healthz")  # raises if the web does not answer
            assert status == 200 and '"ok"' in body
            answers += 1
            new = children(serve.pid, "weibao.cli worker") - {old}
            if new and answers >= 20:
                break
            time.sleep(0.1)
        assert new, "no new worker within 10 s"
        assert children(serve.pid, "gunicorn") == web, "the web server was restarted"
        assert get(f"{base}/healthz")[0] == 200
        (new_pid,) = new

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=40) == 0
        assert not alive(new_pid) and not any(alive(p) for p in web)
        with pytest.raises(OSError):
            get(f"{base}/healthz", timeout=1)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "stopped with signal SIGKILL" in output and "starting it again in 1 s" in output
