"""Jobs of the inspections. They only call services."""

from __future__ import annotations

from huey import crontab

from weibao.core.tasks import periodic

from .services import inspections_remind


@periodic(
    crontab(minute="5", hour="8"), description="inspection reminders: 5 workdays ahead and on the due date"
)
def inspection_reminders() -> None:
    """Every morning at 08:05: remind the contract's people of inspections coming due."""
    inspections_remind()
