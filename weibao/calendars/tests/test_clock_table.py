"""The clock engine as one table: a target on a calendar, a timeline, a reading time → the state,
the due and the open time used. Pure: no Django, no database. Each row's due was worked out by
hand from the 2026 State Council calendar (make-up workdays 02-14, 02-28, 05-09, 09-20, 10-10;
holidays 01-01..03, 02-15..23, 04-04..06, 05-01..05, 10-01..07) and the 5×8 hours
08:00–12:00, 14:00–18:00."""

from __future__ import annotations

import pytest

from weibao.calendars.clocks import ClockDefinition, Target, TimelineEntry, evaluate_clock

from .test_clocks import ALWAYS, FIVE_BY_EIGHT, WORKING, at

H = 3600
NO_RESPONSE: tuple = ()
RESPONDED = "responded"

# (row, target, calendar, created, later entries (time, state, event), now, state, due, elapsed)
ROWS = [
    # 7×24: the due is the creation plus the duration; exactly at the due is met.
    ("24h met at the due", Target.duration(H), ALWAYS, "03-10 10:00",
     [("03-10 11:00", None, RESPONDED)], "03-10 12:00", "met", "03-10 11:00", H),
    ("24h one second late", Target.duration(H), ALWAYS, "03-10 10:00",
     [("03-10 11:00:01", None, RESPONDED)], "03-10 12:00", "breached", "03-10 11:00", H + 1),
    ("24h over a holiday night", Target.duration(2 * H), ALWAYS, "10-01 23:00",
     NO_RESPONSE, "10-02 00:30", "running", "10-02 01:00", 5400),
    # 5×8: lunch, evenings, weekends and holidays are closed; make-up days are open.
    ("5x8 created at lunch", Target.duration(H), FIVE_BY_EIGHT, "03-10 12:30",
     NO_RESPONSE, "03-10 12:59", "running", "03-10 15:00", 0),
    ("5x8 across lunch", Target.duration(2 * H), FIVE_BY_EIGHT, "03-10 11:00",
     [("03-10 15:00", None, RESPONDED)], "03-10 16:00", "met", "03-10 15:00", 2 * H),
    ("5x8 Friday evening to a make-up Saturday", Target.duration(H), FIVE_BY_EIGHT, "02-13 17:30",
     NO_RESPONSE, "02-14 08:15", "running", "02-14 08:30", 2700),
    ("5x8 ordinary Saturday waits for Monday", Target.duration(H), FIVE_BY_EIGHT, "03-14 10:00",
     NO_RESPONSE, "03-16 08:30", "running", "03-16 09:00", 1800),
    ("5x8 over Labour Day", Target.duration(H), FIVE_BY_EIGHT, "04-30 17:30",
     [("05-06 08:31", None, RESPONDED)], "05-06 09:00", "breached", "05-06 08:30", H + 60),
    ("5x8 Saturday to a make-up Sunday", Target.duration(H), FIVE_BY_EIGHT, "09-19 10:00",
     NO_RESPONSE, "09-20 09:00", "running", "09-20 09:00", H),
    ("5x8 over National Day", Target.duration(2 * H), FIVE_BY_EIGHT, "09-30 17:00",
     [("10-08 08:59", None, RESPONDED)], "10-08 10:00", "met", "10-08 09:00", 2 * H - 60),
    # Immediate: due at the first open instant.
    ("immediate on 7x24", Target.immediate(), ALWAYS, "03-14 22:00",
     [("03-14 22:00", None, RESPONDED)], "03-14 22:05", "met", "03-14 22:00", 0),
    ("immediate on 5x8 on a Sunday", Target.immediate(), FIVE_BY_EIGHT, "03-15 22:00",
     [("03-16 08:00:01", None, RESPONDED)], "03-16 09:00", "breached", "03-16 08:00", 1),
    # Appointment: the next opening, whatever the states do.
    ("appointment before Qingming", Target.appointment(), FIVE_BY_EIGHT, "04-03 19:00",
     [("04-07 08:00", None, RESPONDED)], "04-07 09:00", "met", "04-07 08:00", 0),
    # No target: the clock does not apply.
    ("no target", Target.none(), FIVE_BY_EIGHT, "03-10 10:00",
     NO_RESPONSE, "03-12 10:00", "not_applicable", None, 0),
    # A pause (a state the clock does not run in) moves the due by the open time it took.
    ("paused 30 min waiting for the hospital", Target.duration(H), ALWAYS, "03-10 10:00",
     [("03-10 10:10", "waiting_hospital", None), ("03-10 10:40", "in_progress", None),
      ("03-10 11:25", None, RESPONDED)], "03-10 12:00", "met", "03-10 11:30", 3300),
    ("paused over a 5x8 closed night", Target.duration(2 * H), FIVE_BY_EIGHT, "03-10 17:00",
     [("03-10 17:30", "waiting_hospital", None), ("03-11 09:00", "in_progress", None)],
     "03-11 10:00", "running", "03-11 10:30", 5400),
]  # fmt: skip


@pytest.mark.parametrize(
    ("target", "calendar", "created", "later", "now", "state", "due", "elapsed"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_clock_table(target, calendar, created, later, now, state, due, elapsed) -> None:
    definition = ClockDefinition("response", calendar, target, WORKING, RESPONDED)
    timeline = [TimelineEntry(at(created), "new", None)]
    timeline += [TimelineEntry(at(t), s, e) for t, s, e in later]
    result = evaluate_clock(definition, timeline, at(now))
    assert result.state == state
    assert result.due == (at(due) if due else None)
    assert result.elapsed == elapsed
    assert result.breached == (state == "breached")
