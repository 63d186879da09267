"""Slow figures kept for a while, refreshed by one request while the others read the kept ones.

A figure that costs hundreds of milliseconds (a manager's twelve weeks over 200 contracts) is
kept for ``seconds``. Once that has passed, the first request to ask takes a short lock and
computes it again; every other request meanwhile is answered with the kept value, so a busy page
does not have all its workers compute the same figure at the same moment when it expires. A value
older than ``STALE_FACTOR × seconds`` is not served: the request that finds it computes anew.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

#: How many times its freshness a kept value may be served while another request refreshes it.
STALE_FACTOR = 10
#: The longest one refresh may hold the lock before another request may try.
LOCK_SECONDS = 60


def kept(key: str, compute: Callable[[], T], seconds: int) -> T:
    """``compute()``, kept under ``key`` for ``seconds`` (0 or less: computed every time)."""
    if seconds <= 0:
        return compute()
    entry = cache.get(key)
    now = time.time()
    if entry is not None:
        fresh_until, value = entry
        if now < fresh_until or not cache.add(f"{key}:refresh", 1, LOCK_SECONDS):
            return value  # fresh, or stale while another request refreshes it
    try:
        value = compute()
        cache.set(key, (time.time() + seconds, value), seconds * STALE_FACTOR)
    finally:
        if entry is not None:
            cache.delete(f"{key}:refresh")
    return value
