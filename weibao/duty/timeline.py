"""An incident's timeline from its tickets' timestamps, with no database.

Rules: the incident was *detected* when its first ticket was reported, *responded* to at the
first response, *escalated* at the first escalation to on-site, *on site* at the first arrival,
and *restored* when the last of its tickets was resolved (while one is still open it is not
restored). The duration runs from detected to restored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class TicketFacts:
    """The moments of one ticket that matter to an incident."""

    number: str
    title: str
    detected: datetime
    responded: datetime | None = None
    escalated: datetime | None = None
    onsite: datetime | None = None
    restored: datetime | None = None


MILESTONES = ("detected", "responded", "escalated", "onsite", "restored")


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, which milestone, which ticket."""

    at: datetime
    milestone: str
    number: str
    title: str


@dataclass(frozen=True)
class Timeline:
    milestones: dict[str, datetime | None]
    entries: list[Entry]

    @property
    def duration(self) -> timedelta | None:
        start, end = self.milestones["detected"], self.milestones["restored"]
        return end - start if start is not None and end is not None else None


def build(tickets: Iterable[TicketFacts]) -> Timeline:
    facts = list(tickets)
    entries = sorted(
        (
            Entry(getattr(t, m), m, t.number, t.title)
            for t in facts
            for m in MILESTONES
            if getattr(t, m) is not None
        ),
        key=lambda e: (e.at, MILESTONES.index(e.milestone), e.number),
    )
    milestones: dict[str, datetime | None] = {}
    for m in MILESTONES[:-1]:
        seen = [getattr(t, m) for t in facts if getattr(t, m) is not None]
        milestones[m] = min(seen) if seen else None
    restored = [t.restored for t in facts]
    milestones["restored"] = max(restored) if facts and all(r is not None for r in restored) else None  # type: ignore[type-var]
    return Timeline(milestones, entries)


def format_duration(value: timedelta | None) -> str:
    """``2 小时 5 分`` (whole minutes), or ``—``."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d 小时 %(m)d 分") % {"h": hours, "m": minutes}
    return _("%(m)d 分") % {"m": minutes}
