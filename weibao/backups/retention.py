"""Which backups to keep (no Django here).

Rules: the newest backup of each of the ``daily`` most recent days that have one, of each of the
``weekly`` most recent ISO weeks, and of each of the ``monthly`` most recent months; a backup
picked by several rules is kept once. Days without a backup do not use up a slot, so a week the
server was off does not throw away older backups early. The newest backup is always kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime


def _bucketed(stamps: list[datetime], key: Callable[[date], Hashable], count: int) -> set[datetime]:
    kept: set[datetime] = set()
    seen: set[Hashable] = set()
    for stamp in stamps:  # newest first
        if len(seen) >= count:
            break
        bucket = key(stamp.date())
        if bucket not in seen:
            seen.add(bucket)
            kept.add(stamp)
    return kept


def select_keep(
    stamps: Iterable[datetime], *, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> set[datetime]:
    """The backups (by their time) to keep; every other one may be deleted."""
    ordered = sorted(set(stamps), reverse=True)
    if not ordered:
        return set()
    keep = {ordered[0]}
    keep |= _bucketed(ordered, lambda d: d, daily)
    keep |= _bucketed(ordered, lambda d: d.isocalendar()[:2], weekly)
    keep |= _bucketed(ordered, lambda d: (d.year, d.month), monthly)
    return keep
