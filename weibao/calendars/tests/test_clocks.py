"""The clock engine: stopwatches over ticket timelines, with exact expected instants."""

from __future__ import annotations

from datetime import datetime

import pytest

from weibao.calendars.clocks import (
    ClockDefinition,
    ClockResult,
    Target,
    TimelineEntry,
    evaluate_clock,
    evaluate_clocks,
)
from weibao.calendars.durations import parse_duration
from weibao.calendars.schedule import SEVEN_BY_24, Schedule, five_by_eight
from weibao.calendars.statutory import from_chinese_calendar

DATA = from_chinese_calendar([2026])
FIVE_BY_EIGHT = Schedule(five_by_eight(DATA.exceptions, DATA.years))
ALWAYS = Schedule(SEVEN_BY_24)
WORKING = frozenset({"new", "assigned", "in_progress"})


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def at(text: str) -> datetime:
    """A 2026 Shanghai instant from ``MM-DD HH:MM[:SS]``."""
    day, clock = text.split()
    return dt(f"2026-{day}T{clock}+08:00")


def clock(
    target: Target | None,
    schedule: Schedule = ALWAYS,
    *,
    stop: str = "responded",
    start: str | None = None,
    running: frozenset[str] = WORKING,
    name: str = "response",
) -> ClockDefinition:
    return ClockDefinition(name, schedule, target, running, stop, start)


RESPONSE_1H = clock(Target.duration(3600))


def timeline(*entries: tuple[str, str | None, str | None]) -> list[TimelineEntry]:
    return [TimelineEntry(at(t), state, event) for t, state, event in entries]


CREATED = ("03-10 10:00", "new", None)


# --- response clock: met and breached at the boundary ------------------------------------------


def test_met_exactly_at_due() -> None:
    r = evaluate_clock(RESPONSE_1H, timeline(CREATED, ("03-10 11:00", None, "responded")), at("03-10 12:00"))
    assert r.state == "met"
    assert (r.elapsed, r.target_seconds, r.remaining) == (3600, 3600, 0)
    assert r.due == at("03-10 11:00")
    assert r.met_at == at("03-10 11:00")
    assert (r.breached, r.breached_at, r.percent_used) == (False, None, 100.0)


def test_breached_one_second_late() -> None:
    r = evaluate_clock(
        RESPONSE_1H, timeline(CREATED, ("03-10 11:00:01", None, "responded")), at("03-10 12:00")
    )
    assert r.state == "breached"
    assert (r.elapsed, r.remaining) == (3601, -1)
    assert r.breached_at == at("03-10 11:00")
    assert r.met_at == at("03-10 11:00:01")


def test_running_then_breached_without_a_stop() -> None:
    events = timeline(CREATED)
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 10:30"))
    assert (r.state, r.elapsed, r.remaining, r.percent_used) == ("running", 1800, 1800, 50.0)
    assert r.due == at("03-10 11:00")
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 11:00"))
    assert (r.state, r.breached) == ("running", False)
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 11:00:01"))
    assert (r.state, r.remaining, r.breached_at) == ("breached", -1, at("03-10 11:00"))


def test_five_by_eight_response_over_a_weekend() -> None:
    # Fri 03-13 17:30–18:00 is 30 min; the other 30 min on Mon 03-16 from 08:00.
    response = clock(Target.duration(3600), FIVE_BY_EIGHT)
    created = ("03-13 17:30", "new", None)
    r = evaluate_clock(response, timeline(created, ("03-16 08:30", None, "responded")), at("03-16 09:00"))
    assert (r.state, r.due, r.elapsed) == ("met", at("03-16 08:30"), 3600)
    r = evaluate_clock(response, timeline(created), at("03-14 12:00"))
    assert (r.state, r.elapsed, r.remaining, r.due) == ("running", 1800, 1800, at("03-16 08:30"))


# --- pauses ------------------------------------------------------------------------------------


def test_pause_in_waiting_for_hospital_shifts_the_due() -> None:
    events = timeline(
        CREATED,
        ("03-10 10:20", "waiting_hospital", None),
        ("03-10 10:50", "in_progress", None),
    )
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 11:00"))
    assert (r.state, r.elapsed, r.remaining) == ("running", 1800, 1800)
    assert r.due == at("03-10 11:30")
    assert r.paused_intervals == ((at("03-10 10:20"), at("03-10 10:50")),)
    assert r.paused is False


def test_currently_paused_projects_the_due_from_now() -> None:
    events = timeline(CREATED, ("03-10 10:20", "waiting_hospital", None))
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 10:40"))
    assert (r.state, r.paused, r.elapsed, r.remaining) == ("paused", True, 1200, 2400)
    assert r.due == at("03-10 11:20")
    assert r.paused_intervals == ((at("03-10 10:20"), None),)
    # An hour later the projection has moved an hour.
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 11:40"))
    assert (r.state, r.due) == ("paused", at("03-10 12:20"))


def test_consecutive_non_running_states_are_one_pause() -> None:
    events = timeline(
        CREATED,
        ("03-10 10:20", "waiting_hospital", None),
        ("03-10 10:30", "waiting_parts", None),
        ("03-10 10:50", "in_progress", None),
        ("03-10 11:20", None, "responded"),
    )
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 12:00"))
    assert r.paused_intervals == ((at("03-10 10:20"), at("03-10 10:50")),)
    assert (r.state, r.elapsed, r.due) == ("met", 3000, at("03-10 11:30"))


def test_a_state_in_the_running_set_does_not_pause() -> None:
    events = timeline(
        CREATED, ("03-10 10:20", "waiting_hospital", None), ("03-10 10:50", "in_progress", None)
    )
    keeps_running = clock(Target.duration(3600), running=WORKING | {"waiting_hospital"})
    r = evaluate_clock(keeps_running, events, at("03-10 11:00"))
    assert (r.state, r.elapsed, r.due, r.paused_intervals) == ("running", 3600, at("03-10 11:00"), ())


def test_breach_stays_when_paused_afterwards() -> None:
    events = timeline(CREATED, ("03-10 11:30", "waiting_hospital", None))
    r = evaluate_clock(RESPONSE_1H, events, at("03-10 12:00"))
    assert (r.state, r.paused, r.breached_at, r.elapsed, r.remaining) == (
        "breached",
        True,
        at("03-10 11:00"),
        5400,
        -1800,
    )


# --- start events ------------------------------------------------------------------------------

ONSITE_4H = clock(Target.duration(4 * 3600), start="escalated_onsite", stop="arrived", name="onsite")


def test_onsite_clock_starts_at_escalation() -> None:
    events = timeline(
        CREATED,
        ("03-10 10:05", None, "responded"),
        ("03-10 10:30", "in_progress", "escalated_onsite"),
        ("03-10 14:00", None, "arrived"),
    )
    r = evaluate_clock(ONSITE_4H, events, at("03-10 15:00"))
    assert (r.state, r.started_at, r.due, r.elapsed) == ("met", at("03-10 10:30"), at("03-10 14:30"), 12600)
    # Before the escalation it has not started.
    r = evaluate_clock(ONSITE_4H, events, at("03-10 10:29"))
    assert r == ClockResult("onsite", "pending", target_seconds=4 * 3600)


def test_arrival_before_the_escalation_does_not_stop_the_onsite_clock() -> None:
    events = timeline(
        CREATED,
        ("03-10 10:10", None, "arrived"),
        ("03-10 10:30", None, "escalated_onsite"),
    )
    r = evaluate_clock(ONSITE_4H, events, at("03-10 11:30"))
    assert (r.state, r.elapsed, r.met_at) == ("running", 3600, None)


def test_pending_when_now_precedes_creation() -> None:
    events = timeline(CREATED)
    assert evaluate_clock(RESPONSE_1H, events, at("03-10 09:00")).state == "pending"
    assert evaluate_clock(RESPONSE_1H, [], at("03-10 09:00")).state == "pending"


def test_replay_ignores_entries_after_now() -> None:
    events = timeline(CREATED, ("03-10 10:30", None, "responded"))
    assert evaluate_clock(RESPONSE_1H, events, at("03-10 10:15")).state == "running"
    assert evaluate_clock(RESPONSE_1H, events, at("03-10 10:30")).state == "met"


# --- immediate and appointment targets ---------------------------------------------------------


def test_immediate_on_seven_by_24() -> None:
    immediate = clock(Target.immediate())
    r = evaluate_clock(immediate, timeline(("03-10 10:00", "new", "responded")), at("03-10 10:05"))
    assert (r.state, r.due, r.target_seconds, r.percent_used) == ("met", at("03-10 10:00"), 0, 100.0)
    r = evaluate_clock(immediate, timeline(CREATED, ("03-10 10:00:01", None, "responded")), at("03-10 10:05"))
    assert (r.state, r.breached_at, r.remaining) == ("breached", at("03-10 10:00"), -1)


def test_immediate_is_deferred_by_a_pause_at_creation() -> None:
    immediate = clock(Target.immediate())
    events = timeline(("03-10 10:00", "waiting_hospital", None), ("03-10 10:30", "in_progress", None))
    r = evaluate_clock(immediate, events, at("03-10 10:30"))
    assert (r.state, r.due) == ("running", at("03-10 10:30"))
    r = evaluate_clock(immediate, events, at("03-10 10:31"))
    assert (r.state, r.breached_at) == ("breached", at("03-10 10:30"))


def test_immediate_on_five_by_eight_is_the_next_opening() -> None:
    immediate = clock(Target.immediate(), FIVE_BY_EIGHT)
    r = evaluate_clock(immediate, timeline(("03-14 10:00", "new", None)), at("03-14 11:00"))
    assert (r.state, r.due) == ("running", at("03-16 08:00"))


def test_appointment_is_the_next_opening_and_ignores_pauses() -> None:
    appointment = clock(Target.appointment(), FIVE_BY_EIGHT, stop="arrived", name="visit")
    created = ("03-14 10:00", "new", None)  # Saturday
    r = evaluate_clock(appointment, timeline(created, ("03-16 08:00", None, "arrived")), at("03-16 09:00"))
    assert (r.state, r.due, r.met_at) == ("met", at("03-16 08:00"), at("03-16 08:00"))
    late = timeline(
        created,
        ("03-14 11:00", "waiting_hospital", None),
        ("03-16 08:30", "in_progress", None),
        ("03-16 08:00:01", None, "arrived"),
    )
    with pytest.raises(ValueError, match="not in order"):
        evaluate_clock(appointment, late, at("03-16 09:00"))
    late = [late[0], late[1], late[3], late[2]]
    r = evaluate_clock(appointment, late, at("03-16 09:00"))
    assert (r.state, r.due, r.breached_at, r.remaining) == (
        "breached",
        at("03-16 08:00"),
        at("03-16 08:00"),
        -1,
    )
    # During opening hours the appointment is due at once.
    r = evaluate_clock(appointment, timeline(("03-17 10:00", "new", None)), at("03-17 10:00"))
    assert (r.state, r.due) == ("running", at("03-17 10:00"))


def test_appointment_counts_from_the_start_event() -> None:
    visit = clock(Target.appointment(), FIVE_BY_EIGHT, start="escalated_onsite", stop="arrived", name="visit")
    events = timeline(
        ("03-13 10:00", "new", None),  # Friday, open
        ("03-14 10:00", "in_progress", "escalated_onsite"),  # Saturday
    )
    r = evaluate_clock(visit, events, at("03-14 12:00"))
    assert (r.state, r.started_at, r.due) == ("running", at("03-14 10:00"), at("03-16 08:00"))


# --- working-day targets -----------------------------------------------------------------------

RESOLVE_3WD = clock(
    Target.from_duration(parse_duration("3wd")), FIVE_BY_EIGHT, stop="resolved", name="resolve"
)


def test_workday_target_without_pauses() -> None:
    # Wed 09-30 10:00: the 3rd workday after 09-30 is make-up Sat 10-10 (10-08, 10-09, 10-10).
    r = evaluate_clock(RESOLVE_3WD, timeline(("09-30 10:00", "new", None)), at("10-08 09:00"))
    assert r.due == at("10-10 18:00")
    # Budget: 6 h on 09-30 and three 8-hour days.
    assert (r.target_seconds, r.elapsed, r.state) == (30 * 3600, 7 * 3600, "running")


def test_workday_target_shifted_by_paused_open_time() -> None:
    events = timeline(
        ("09-30 10:00", "new", None),
        ("10-08 08:00", "waiting_hospital", None),
        ("10-08 10:00", "in_progress", None),
    )
    r = evaluate_clock(RESOLVE_3WD, events, at("10-08 11:00"))
    # Two open hours paused: 10-10 18:00 + 2 open hours = Mon 10-12 10:00 (Sun 10-11 is off).
    assert r.due == at("10-12 10:00")
    assert r.paused_intervals == ((at("10-08 08:00"), at("10-08 10:00")),)
    r = evaluate_clock(
        RESOLVE_3WD, [*events, TimelineEntry(at("10-12 10:00"), None, "resolved")], at("10-13 00:00")
    )
    assert (r.state, r.remaining) == ("met", 0)


# --- provisional, not applicable, several clocks -----------------------------------------------


def test_provisional_propagates_from_the_calendar() -> None:
    response = clock(Target.duration(4 * 3600), FIVE_BY_EIGHT)
    r = evaluate_clock(response, timeline(("12-31 17:00", "new", None)), at("12-31 17:30"))
    assert (r.due, r.provisional) == (dt("2027-01-01T11:00:00+08:00"), True)
    r = evaluate_clock(response, timeline(("12-31 10:00", "new", None)), at("12-31 10:30"))
    assert (r.due, r.provisional) == (at("12-31 16:00"), False)


def test_not_applicable() -> None:
    r = evaluate_clock(clock(Target.none()), timeline(CREATED), at("03-10 12:00"))
    assert r == ClockResult("response", "not_applicable")
    assert evaluate_clock(clock(None), timeline(CREATED), at("03-10 12:00")).state == "not_applicable"


def test_several_clocks_at_once() -> None:
    resolve = clock(Target.duration(8 * 3600), FIVE_BY_EIGHT, stop="resolved", name="resolve")
    events = timeline(
        CREATED,
        ("03-10 10:45", "in_progress", "responded"),
        ("03-10 11:00", None, "escalated_onsite"),
    )
    results = evaluate_clocks([RESPONSE_1H, ONSITE_4H, resolve], events, at("03-10 15:00"))
    assert list(results) == ["response", "onsite", "resolve"]
    assert (results["response"].state, results["response"].met_at) == ("met", at("03-10 10:45"))
    assert (results["onsite"].state, results["onsite"].due) == ("running", at("03-10 15:00"))
    # 10:00–12:00 and 14:00–15:00 on 5x8: 3 h used, due Wed 03-11 10:00.
    assert (results["resolve"].elapsed, results["resolve"].due) == (3 * 3600, dt("2026-03-11T10:00:00+08:00"))


def test_inputs_are_validated() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate_clock(RESPONSE_1H, [(datetime(2026, 3, 10, 10), "new", None)], at("03-10 11:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate_clock(RESPONSE_1H, timeline(CREATED), datetime(2026, 3, 10, 11))
    with pytest.raises(ValueError, match="at least one day"):
        Target.working_days(0)
    # Plain tuples are accepted as entries.
    r = evaluate_clock(RESPONSE_1H, [(at("03-10 10:00"), "new", None)], at("03-10 10:10"))
    assert r.elapsed == 600


def test_pure_same_inputs_same_result() -> None:
    events = timeline(CREATED, ("03-10 10:20", "waiting_hospital", None))
    assert evaluate_clock(RESPONSE_1H, events, at("03-10 10:40")) == evaluate_clock(
        RESPONSE_1H, list(events), at("03-10 10:40")
    )
