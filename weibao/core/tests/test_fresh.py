"""Kept figures: one request refreshes an expired figure while the others read the kept one."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from weibao.core.cache import fresh
from weibao.core.cache.fresh import kept


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()
    yield
    cache.clear()


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_kept_while_fresh_then_refreshed_once(monkeypatch):
    calls, compute = counter()
    clock = [1000.0]
    monkeypatch.setattr(fresh.time, "time", lambda: clock[0])
    assert kept("k", compute, 60) == 1
    clock[0] += 59
    assert kept("k", compute, 60) == 1 and len(calls) == 1
    clock[0] += 2  # stale: this request refreshes
    assert kept("k", compute, 60) == 2
    assert kept("k", compute, 60) == 2 and len(calls) == 2
    assert cache.get("k:refresh") is None  # the lock is given back


def test_stale_value_served_while_another_request_refreshes(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(fresh.time, "time", lambda: clock[0])
    kept("k", lambda: "old", 60)
    clock[0] += 61
    assert cache.add("k:refresh", 1, 60)  # another request is computing
    assert kept("k", lambda: pytest.fail("computed twice"), 60) == "old"


def five_at_once(key: str, value: str, seconds: int) -> tuple[int, list[str]]:
    """Five requests ask for ``key`` at once while its computation (giving ``value``) is under
    way; returns how many computed it and what each was answered."""
    started, results = [], []
    gate = threading.Event()

    def slow():
        started.append(1)
        gate.wait(2)
        return value

    def ask():
        results.append(kept(key, slow, seconds))

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join()
    return len(started), results


def test_concurrent_requests_on_an_expired_figure_compute_it_once():
    kept("k", lambda: "old", 1)
    time.sleep(1.05)
    computed, results = five_at_once("k", "new", 1)
    assert computed == 1
    assert sorted(results) == ["new", "old", "old", "old", "old"]


def test_a_failed_refresh_gives_the_lock_back(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(fresh.time, "time", lambda: clock[0])
    kept("k", lambda: "old", 60)
    clock[0] += 61

    def broken():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        kept("k", broken, 60)
    assert kept("k", lambda: "new", 60) == "new"


def test_not_kept_when_seconds_is_zero():
    calls, compute = counter()
    assert kept("k", compute, 0) == 1
    assert kept("k", compute, 0) == 2
    assert cache.get("k") is None and len(calls) == 2


def test_concurrent_requests_on_a_figure_not_yet_kept_compute_it_once():
    computed, results = five_at_once("cold", "first", 60)
    assert computed == 1
    assert results == ["first"] * 5


def test_a_waiting_request_computes_when_the_first_never_stores(monkeypatch):
    monkeypatch.setattr(fresh, "WAIT_SECONDS", 0.2)
    assert cache.add("cold:refresh", 1, 60)  # a request that took the lock and died
    assert kept("cold", lambda: "mine", 60) == "mine"
    assert cache.get("cold:refresh") == 1  # not its lock to give back
