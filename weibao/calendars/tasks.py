"""Jobs of the calendars app."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .changes import run_calendar_listeners, run_statutory_listeners


@db_task(retries=3, retry_delay=30)
def statutory_changed(years: list[int]) -> None:
    """Recompute what depends on the statutory data of ``years`` (registered listeners)."""
    run_statutory_listeners(years)


@db_task(retries=3, retry_delay=30)
def calendar_changed(codes: list[str]) -> None:
    """Recompute what depends on these calendars (registered listeners)."""
    run_calendar_listeners(codes)
