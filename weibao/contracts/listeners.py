"""A hook for the apps above contracts that keep something per contract in step with it.

The contracts app must not import them (floors, docs/architecture.md), so they register a
listener in their ``AppConfig.ready()``; the contract services call every listener inside their
transaction after a contract is created or its dates change, so a failing listener undoes the
change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Contract

ContractListener = Callable[["Contract"], None]

_listeners: list[ContractListener] = []


def register_contract_listener(listener: ContractListener) -> None:
    """Call ``listener(contract)`` after a contract is created or its start or end changes."""
    if listener not in _listeners:
        _listeners.append(listener)


def contract_changed(contract: Contract) -> None:
    """Tell every registered listener that ``contract`` was created or its dates changed."""
    for listener in _listeners:
        listener(contract)
