"""The SLA clock engine: a stopwatch over a ticket's timeline on a work calendar.

A clock (response, on-site arrival, resolution, …) is defined by a :class:`ClockDefinition`:
the schedule it runs on, its :class:`Target`, the ticket states in which it runs, the event that
stops it and, optionally, the event that starts it (default: the ticket's creation, i.e. the
first timeline entry). :func:`evaluate_clock` is a pure function of (definition, timeline, now):
the same inputs always give the same :class:`ClockResult`, so a calendar or target change is
handled by evaluating again.

Rules:

* The clock runs from its start until its stop event (or ``now``), but only while the ticket's
  current state is in ``running_states``; time in any other state is a pause. Entries after
  ``now`` are ignored, so evaluating at an earlier ``now`` replays history.
* A stop event counts only at or after the start (an arrival recorded before the escalation that
  starts the on-site clock does not stop it).
* Duration and immediate targets are a budget of open, running time: the due is the instant the
  running open time reaches the budget. An immediate target is a budget of zero: due at the first
  open instant in which the clock runs (on 7x24, the start itself; a pause at the start defers
  it).
* Working-day targets ("N个工作日"): the due is first computed from the start with
  ``add_workdays``; the budget is the open time from the start to that due. Pauses then shift
  the due by the open time they consumed (so a pause of two working hours moves a 18:00 due two
  working hours later). Without pauses the due is exactly the ``add_workdays`` result.
* A next-workday appointment ("法定工作日预约") is a fixed instant: the next opening at or after
  the start. Ticket states do not move it.
* While paused (or running), a due not yet reached is projected as if the clock ran from ``now``
  on; ``paused`` says the projection assumes a resume. A clock stopped before its due keeps the
  due projected from the stop.
* ``breached`` when the stop (or ``now``, if not stopped) is strictly after the due; stopping
  exactly at the due is met. ``breached_at`` is the due in that case.
* ``provisional`` when the due relies on a day of a year without statutory data (from the
  start's day through the due's day), so it may move once the year's notice is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from weibao.calendars.durations import Duration
from weibao.calendars.schedule import Schedule

__all__ = [
    "ClockDefinition",
    "ClockResult",
    "ClockState",
    "Target",
    "TargetKind",
    "TimelineEntry",
    "evaluate_clock",
    "evaluate_clocks",
]


class TargetKind(StrEnum):
    DURATION = "duration"
    WORKDAYS = "workdays"
    IMMEDIATE = "immediate"
    APPOINTMENT = "appointment"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Target:
    """What a clock promises: ``seconds`` of open time, ``workdays`` working days, immediate,
    a next-workday appointment, or nothing (the clock does not apply)."""

    kind: TargetKind
    seconds: int = 0
    workdays: int = 0

    def __post_init__(self) -> None:
        if self.kind == TargetKind.DURATION and (not isinstance(self.seconds, int) or self.seconds < 0):
            raise ValueError(f"a duration target needs whole seconds >= 0, not {self.seconds!r}")
        if self.kind == TargetKind.WORKDAYS and (not isinstance(self.workdays, int) or self.workdays < 1):
            raise ValueError(f"a working-day target needs at least one day, not {self.workdays!r}")

    @classmethod
    def duration(cls, seconds: int) -> Target:
        return cls(TargetKind.DURATION, seconds=seconds)

    @classmethod
    def working_days(cls, n: int) -> Target:
        return cls(TargetKind.WORKDAYS, workdays=n)

    @classmethod
    def immediate(cls) -> Target:
        return cls(TargetKind.IMMEDIATE)

    @classmethod
    def appointment(cls) -> Target:
        return cls(TargetKind.APPOINTMENT)

    @classmethod
    def none(cls) -> Target:
        return cls(TargetKind.NONE)

    @classmethod
    def from_duration(cls, duration: Duration) -> Target:
        if duration.is_workdays:
            return cls.working_days(duration.workdays)
        return cls.duration(duration.seconds)


@dataclass(frozen=True)
class ClockDefinition:
    """One clock of a ticket: ``name`` (e.g. ``"response"``), the schedule, the target (``None``
    or ``Target.none()``: the clock does not apply), the states it runs in, the event that stops
    it and the event that starts it (``None``: the ticket's creation)."""

    name: str
    schedule: Schedule
    target: Target | None
    running_states: frozenset[str]
    stop_event: str
    start_event: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "running_states", frozenset(self.running_states))


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A moment in a ticket's life: a state change, an event, or both."""

    at: datetime
    state: str | None = None
    event: str | None = None


#: A timeline entry written as a tuple, ``(at, state, event)``.
RawEntry = tuple[datetime, str | None, str | None]

ClockState = Literal["pending", "running", "paused", "met", "breached", "not_applicable"]


@dataclass(frozen=True)
class ClockResult:
    """A clock evaluated at ``now``. Seconds are open time on the clock's calendar.

    ``paused_intervals`` are ``(from, to)``; ``to`` is ``None`` for a pause still going on.
    ``remaining`` is negative when over; ``percent_used`` is ``elapsed / target`` in percent
    (for zero targets: 0 before the due, 100 from it on).
    """

    name: str
    state: ClockState
    started_at: datetime | None = None
    elapsed: int = 0
    target_seconds: int | None = None
    due: datetime | None = None
    paused: bool = False
    remaining: int | None = None
    met_at: datetime | None = None
    breached: bool = False
    breached_at: datetime | None = None
    paused_intervals: tuple[tuple[datetime, datetime | None], ...] = ()
    provisional: bool = False
    percent_used: float | None = None


def _normalise(timeline: Iterable[TimelineEntry | RawEntry]) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for raw in timeline:
        entry = raw if isinstance(raw, TimelineEntry) else TimelineEntry(*raw)
        at = entry.at
        if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"timeline instants must be timezone-aware datetimes, got {at!r}")
        if entries and at < entries[-1].at:
            raise ValueError(
                f"timeline is not in order: {at.isoformat()} comes after {entries[-1].at.isoformat()}"
            )
        entries.append(entry)
    return entries


def evaluate_clock(
    definition: ClockDefinition, timeline: Iterable[TimelineEntry | RawEntry], now: datetime
) -> ClockResult:
    """Evaluate one clock over a ticket's timeline (``(at, state, event)`` entries in order)."""
    return _evaluate(definition, _normalise(timeline), now)


def evaluate_clocks(
    definitions: Iterable[ClockDefinition], timeline: Iterable[TimelineEntry | RawEntry], now: datetime
) -> dict[str, ClockResult]:
    """Evaluate several clocks over the same timeline; results keyed by clock name."""
    entries = _normalise(timeline)
    return {d.name: _evaluate(d, entries, now) for d in definitions}


def _evaluate(definition: ClockDefinition, entries: list[TimelineEntry], now: datetime) -> ClockResult:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
    name, target, schedule = definition.name, definition.target, definition.schedule
    if target is None or target.kind == TargetKind.NONE:
        return ClockResult(name, "not_applicable")
    zone = schedule.zone
    now = now.astimezone(zone)
    seen = [e for e in entries if e.at <= now]
    # Before the start the budget is known only for targets that do not depend on the start.
    pending = ClockResult(
        name,
        "pending",
        target_seconds={TargetKind.DURATION: target.seconds, TargetKind.IMMEDIATE: 0}.get(target.kind),
    )
    if not seen:
        return pending

    # Start and stop.
    if definition.start_event is None:
        start_index = 0
    else:
        start_index = next((k for k, e in enumerate(seen) if e.event == definition.start_event), -1)
        if start_index < 0:
            return pending
    start = seen[start_index].at.astimezone(zone)
    stop_index = next(
        (k for k in range(start_index, len(seen)) if seen[k].event == definition.stop_event),
        -1,
    )
    if stop_index == start_index and definition.start_event == definition.stop_event:
        stop_index = next(
            (k for k in range(start_index + 1, len(seen)) if seen[k].event == definition.stop_event), -1
        )
    stopped = stop_index >= 0
    end = seen[stop_index].at.astimezone(zone) if stopped else now

    # Constant-state segments between start and end.
    state: str | None = None
    for e in seen[: start_index + 1]:
        if e.state is not None:
            state = e.state
    changes = [(e.at, e.state) for e in seen[start_index + 1 : (stop_index if stopped else len(seen))]]
    segments: list[tuple[datetime, datetime, bool]] = []
    cursor = start
    for at, new_state in changes:
        if new_state is None:
            continue
        if at > cursor:
            segments.append((cursor, at, state in definition.running_states))
            cursor = at
        state = new_state
    if end > cursor or not segments:
        segments.append((cursor, end, state in definition.running_states))
    running_now = state in definition.running_states

    pauses: list[tuple[datetime, datetime | None]] = []
    for a, b, running in segments:
        if running or a == b:
            continue
        if pauses and pauses[-1][1] == a:
            pauses[-1] = (pauses[-1][0], b)
        else:
            pauses.append((a, b))
    paused = not stopped and not running_now
    if paused and pauses and pauses[-1][1] == end:
        pauses[-1] = (pauses[-1][0], None)

    # Budget and due.
    if target.kind == TargetKind.APPOINTMENT:
        budget = 0
        due = schedule.next_open(start)
        elapsed = sum(schedule.elapsed(a, b) for a, b, running in segments if running)
    else:
        if target.kind == TargetKind.WORKDAYS:
            base_due, _ = schedule.add_workdays(start, target.workdays)
            budget = schedule.elapsed(start, base_due)
        else:
            budget = target.seconds if target.kind == TargetKind.DURATION else 0
        elapsed, reached = 0, None
        for a, b, running in segments:
            if not running:
                continue
            open_seconds = schedule.elapsed(a, b)
            if reached is None:
                if budget == 0:
                    first_open = schedule.next_open(a)
                    if first_open < b:
                        reached = first_open
                elif elapsed + open_seconds >= budget:
                    reached, _ = schedule.add(a, budget - elapsed)
            elapsed += open_seconds
        due = reached if reached is not None else schedule.add(end, budget - elapsed)[0]

    breached = end > due
    if budget > 0:
        remaining = budget - elapsed
        percent = 100.0 * elapsed / budget
    else:
        remaining = -schedule.elapsed(due, end) if breached else 0
        percent = 100.0 if end >= due else 0.0
    last_relied = due - timedelta(seconds=1) if due > start else due
    provisional = schedule.provisional_between(start, last_relied)
    if stopped:
        verdict: ClockState = "breached" if breached else "met"
    elif breached:
        verdict = "breached"
    else:
        verdict = "paused" if paused else "running"
    return ClockResult(
        name=name,
        state=verdict,
        started_at=start,
        elapsed=elapsed,
        target_seconds=budget,
        due=due,
        paused=paused,
        remaining=remaining,
        met_at=end if stopped else None,
        breached=breached,
        breached_at=due if breached else None,
        paused_intervals=tuple(pauses),
        provisional=provisional,
        percent_used=percent,
    )
