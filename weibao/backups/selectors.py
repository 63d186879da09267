"""Reads of the backups app: the state of backups for the admin status page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import AuditPrune

#: No successful backup for this long counts as a missing backup.
MISSING_AFTER = timedelta(hours=26)


def status_path() -> Path:
    """The status the nightly backup and the restore test leave (``var/backup-status.json``)."""
    return Path(settings.VAR_DIR) / "backup-status.json"


def load_status() -> dict[str, Any]:
    try:
        return json.loads(status_path().read_text())
    except (OSError, ValueError):
        return {}


def backup_status(*, now: datetime | None = None) -> dict[str, Any]:
    """For the admin status page: the last backup attempt (``at``, ``ok``, ``file``, ``size``,
    ``offsite``, ``error``), the time of the last successful one, the last restore test (``at``,
    ``ok``, ``file``, ``detail`` or ``error``), and whether a backup is overdue."""
    status = load_status()
    now = now or timezone.now()
    last_ok = status.get("last_success_at")
    overdue = last_ok is None or datetime.fromisoformat(last_ok) < now - MISSING_AFTER
    return {
        "last_backup": status.get("last_backup"),
        "last_success_at": last_ok,
        "last_restore_test": status.get("last_restore_test"),
        "overdue": overdue,
        "backup_dir": str(settings.WEIBAO_BACKUP_DIR),
        "offsite": bool(settings.WEIBAO_BACKUP_SFTP_URL),
    }


def last_audit_prune() -> tuple[int, str] | None:
    """(id, hash) of the last audit record pruned (archived, then deleted), or None: where the
    audit chain starts (registered with :func:`weibao.audit.services.register_chain_start`)."""
    last = AuditPrune.objects.order_by("-through_id").values_list("through_id", "through_hash").first()
    return (last[0], last[1]) if last else None
