"""Duration strings used by contracts, templates, the CLI and the API.

A contract states its promises as ``90m``, ``4h``, ``2d`` or ``3wd``:

* ``m`` / ``h`` / ``d`` are amounts of open time on the clock's calendar; a ``d`` is always
  24 hours (calendar-independent), so ``2d`` on a 5x8 calendar is 48 open hours.
* ``wd`` counts working days ("N个工作日"): the due instant is the closing time of the Nth
  working day after the start's day.

No promise in a maintenance contract runs longer than its year: a duration is at most
:data:`MAX_DAYS` days (or working days, or as many hours or minutes). Anything longer is an input
error, and refusing it here keeps one request from walking centuries of a calendar.

Parsing lives here so that every entry point accepts exactly the same language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^\s*(\d{1,6})\s*(wd|m|h|d)\s*$")
_SECONDS = {"m": 60, "h": 3600, "d": 86400}
#: The longest duration a contract can mean: a (leap) year of days or working days.
MAX_DAYS = 366


class DurationError(ValueError):
    """A duration string that does not follow the ``<n>(m|h|d|wd)`` grammar."""


@dataclass(frozen=True, slots=True)
class Duration:
    """A parsed duration: either ``seconds`` of open time or ``workdays`` working days."""

    seconds: int = 0
    workdays: int = 0

    @property
    def is_workdays(self) -> bool:
        return self.workdays > 0

    def __str__(self) -> str:
        if self.workdays:
            return f"{self.workdays}wd"
        for unit, size in (("d", 86400), ("h", 3600)):
            if self.seconds and self.seconds % size == 0:
                return f"{self.seconds // size}{unit}"
        if self.seconds % 60 == 0:
            return f"{self.seconds // 60}m"
        return f"{self.seconds}s"


def parse_duration(text: str) -> Duration:
    """Parse ``90m``, ``4h``, ``2d`` or ``3wd``; raise :class:`DurationError` otherwise."""
    if not isinstance(text, str):
        raise DurationError(f"duration must be a string like '4h', not {text!r}")
    match = _PATTERN.match(text)
    if not match:
        raise DurationError(f"malformed duration {text!r}: expected a number followed by m, h, d or wd")
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "wd":
        if amount == 0:
            raise DurationError("a working-day duration must be at least 1wd")
        if amount > MAX_DAYS:
            raise DurationError(f"duration {text.strip()!r} is longer than {MAX_DAYS}wd")
        return Duration(workdays=amount)
    seconds = amount * _SECONDS[unit]
    if seconds > MAX_DAYS * 86400:
        raise DurationError(f"duration {text.strip()!r} is longer than {MAX_DAYS}d")
    return Duration(seconds=seconds)
