"""Slow figures kept for a while, refreshed by one request while the others read the kept ones.

A figure that costs hundreds of milliseconds (a manager's twelve weeks over 200 contracts) is
kept for ``seconds``. Once that has passed, the first request to ask takes a short lock and
computes it again; every other request meanwhile is answered with the kept value, so a busy page
does not have all its workers compute the same figure at the same moment when it expires. A value
older than ``STALE_FACTOR × seconds`` is not served: the request that finds it computes anew. A
figure nobody has computed yet is computed by the first request to ask; the others wait for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")

#: How many times its freshness a kept value may be served while another request refreshes it.
STALE_FACTOR = 10
#: The longest one refresh may hold the lock before another request may try.
LOCK_SECONDS = 60
#: How long a request waits for a first value another request is computing before computing it
#: too (the other may have failed).
WAIT_SECONDS = 10


def kept(key: str, compute: Callable[[], T], seconds: int) -> T:
    """``compute()``, kept under ``key`` for ``seconds`` (0 or less: computed every time)."""
    if seconds <= 0:
        return compute()
    entry = cache.get(key)
    if entry is not None and time.time() < entry[0]:
        return entry[1]  # fresh
    holding = cache.add(f"{key}:refresh", 1, LOCK_SECONDS)
    if not holding:
        if entry is None:  # nothing kept yet and another request is computing it: wait for theirs
            entry = _wait_for(key)
        if entry is not None:
            return entry[1]  # stale while another request refreshes it, or theirs
    try:
        value = compute()
        cache.set(key, (time.time() + seconds, value), seconds * STALE_FACTOR)
    finally:
        if holding:
            cache.delete(f"{key}:refresh")
    return value


def _wait_for(key: str) -> tuple[float, Any] | None:
    """What another request stores under ``key`` within :data:`WAIT_SECONDS`, or None."""
    until = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < until:
        time.sleep(0.05)
        entry = cache.get(key)
        if entry is not None:
            return entry  # type: ignore[no-any-return]
    return None
