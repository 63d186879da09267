"""Demo data steps: each app registers the part it owns; ``weibao demo`` runs them in order.

Steps must be idempotent: running ``weibao demo`` twice changes nothing the second time.
A step receives a shared dict ``ctx`` (what earlier steps made) and returns lines to print.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoStep = Callable[[dict[str, Any]], list[str]]
_steps: list[tuple[int, str, DemoStep]] = []


def register_demo_step(name: str, fn: DemoStep, *, order: int) -> None:
    if all(existing != name for _, existing, _fn in _steps):
        _steps.append((order, name, fn))
        _steps.sort(key=lambda step: step[0])


def demo_steps() -> list[tuple[str, DemoStep]]:
    return [(name, fn) for _, name, fn in _steps]
