"""The registry of notification events: the built-in ones and those other apps add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .choices import Event


@dataclass(frozen=True)
class EventInfo:
    code: str
    label: Any  # a lazy translation string
    description: Any = ""


_registry: dict[str, EventInfo] = {e.value: EventInfo(e.value, e.label) for e in Event}


def register_event(code: str, label: Any, *, description: Any = "") -> None:
    """Add an event (e.g. ``"inspection.due"``) so users and robots can subscribe to it."""
    if not code or len(code) > 64:
        raise ValueError("an event code is 1–64 characters")
    _registry.setdefault(code, EventInfo(code, label, description))


def all_events() -> list[EventInfo]:
    return list(_registry.values())


def is_event(code: str) -> bool:
    return code in _registry


def event_label(code: str) -> str:
    info = _registry.get(code)
    return str(info.label) if info else code
