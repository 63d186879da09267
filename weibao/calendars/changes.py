"""Who hears when calendars or statutory data change.

When the statutory data of a year changes, every deadline computed on it may change (a
provisional deadline becomes final); so may every deadline on a calendar whose periods or
exceptions changed. Apps that store deadlines register a listener here when they are ready; the
calendars' services queue a job after their change commits, and the job (:mod:`.tasks`) runs the
listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .selectors import clear_cache

_statutory_listeners: list[Callable[[frozenset[int]], Any]] = []
_calendar_listeners: list[Callable[[frozenset[str]], Any]] = []


def on_statutory_change(listener: Callable[[frozenset[int]], Any]) -> None:
    """Call ``listener(years)`` after statutory data for ``years`` was imported or changed."""
    if listener not in _statutory_listeners:
        _statutory_listeners.append(listener)


def on_calendar_change(listener: Callable[[frozenset[str]], Any]) -> None:
    """Call ``listener(codes)`` after calendars' periods or exceptions changed."""
    if listener not in _calendar_listeners:
        _calendar_listeners.append(listener)


def run_calendar_listeners(codes: Iterable[str]) -> None:
    clear_cache()
    for listener in list(_calendar_listeners):
        listener(frozenset(codes))


def run_statutory_listeners(years: Iterable[int]) -> None:
    clear_cache()
    for listener in list(_statutory_listeners):
        listener(frozenset(years))
