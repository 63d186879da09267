"""The worker's restart rule: the delay doubles while it keeps crashing, and starts over after a
healthy run."""

from __future__ import annotations

import sys

import pytest

from weibao.core.supervise import Backoff, Supervised, describe_exit


@pytest.mark.parametrize(
    ("runs", "delays"),
    [
        ([0.1], [1]),
        ([0.1, 0.1, 0.1, 0.1], [1, 2, 4, 8]),
        ([0.1] * 9, [1, 2, 4, 8, 16, 32, 60, 60, 60]),
        ([0.1, 0.1, 0.1, 61, 0.1], [1, 2, 4, 1, 2]),
    ],
)
def test_backoff(runs, delays):
    backoff = Backoff()
    assert [backoff.after_exit(r) for r in runs] == delays


def test_describe_exit():
    assert describe_exit(-9) == "signal SIGKILL"
    assert describe_exit(3) == "exit code 3"


def test_a_supervised_child_is_started_again_after_its_delay(caplog):
    now = [0.0]
    child = Supervised("sleeper", [sys.executable, "-c", "raise SystemExit(3)"], clock=lambda: now[0])
    child.start()
    first = child.process
    first.wait()
    now[0] = 0.5
    child.check()
    assert child.process is first and child.restart_at == 1.5
    assert "stopped with exit code 3" in caplog.text and "again in 1 s" in caplog.text
    now[0] = 1.6
    child.check()
    assert child.process is not first and child.restarts == 1
    child.process.wait()
    child.stop()
    now[0] = 10
    child.check()
    assert child.restarts == 1
