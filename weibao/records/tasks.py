"""Jobs of the backup records. They only call services."""

from __future__ import annotations

from huey import crontab

from weibao.core.tasks import periodic

from .services import backup_alerts_send


@periodic(crontab(minute="15", hour="8"), description="backup and restore-test overdue notices")
def backup_overdue_notices() -> None:
    """Every morning at 08:15: tell the system's people what backup or restore test is overdue."""
    backup_alerts_send()
