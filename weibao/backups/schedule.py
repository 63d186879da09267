"""The nightly backup, its retention and off-site copy, the weekly restore test, and the status
they leave for the admin pages (``var/backup-status.json``, read by :func:`backup_status`).

A backup that fails, or none for more than a day, is told to the platform admins through the
notifications app (event ``backup.failed``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import offsite
from .retention import select_keep
from .selectors import backup_status, load_status, status_path
from .services import BackupError, backup_create, backup_key, backup_restore, restore_key

log = logging.getLogger(__name__)

NAME = re.compile(r"^weibao-(\d{8}-\d{6})\.wbk$")


def backup_name(at: datetime) -> str:
    return f"weibao-{at.astimezone(UTC):%Y%m%d-%H%M%S}.wbk"


def backup_time(name: str) -> datetime | None:
    match = NAME.match(name)
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC) if match else None


def to_delete(names: list[str]) -> list[str]:
    """The backup files retention lets go (other files are never touched)."""
    stamps = {name: at for name in names if (at := backup_time(name)) is not None}
    keep = select_keep(
        stamps.values(),
        daily=settings.WEIBAO_BACKUP_KEEP_DAILY,
        weekly=settings.WEIBAO_BACKUP_KEEP_WEEKLY,
        monthly=settings.WEIBAO_BACKUP_KEEP_MONTHLY,
    )
    return sorted(name for name, at in stamps.items() if at not in keep)


# --- status ---------------------------------------------------------------------------------------


def save_status(**changes: Any) -> dict[str, Any]:
    status = {**load_status(), **changes}
    path = status_path()
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(status, ensure_ascii=False, indent=1, default=str))
    os.replace(partial, path)
    return status


# --- notices --------------------------------------------------------------------------------------


def notify_admins(*, title: str, body: str) -> int:
    """Tell every active platform admin (in-app and email, by their preferences)."""
    from weibao.accounts.choices import Role
    from weibao.accounts.models import User
    from weibao.notifications.services import notify

    admins = list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(memberships__role=Role.PLATFORM_ADMIN, memberships__is_active=True))
        .distinct()
    )
    with transaction.atomic():
        notify(event="backup.failed", recipients=admins, title=title, body=body)
    return len(admins)


# --- the nightly job ------------------------------------------------------------------------------


def _offsite_target() -> offsite.SftpTarget | None:
    if not settings.WEIBAO_BACKUP_SFTP_URL:
        return None
    return offsite.SftpTarget.from_url(
        settings.WEIBAO_BACKUP_SFTP_URL,
        key_file=settings.WEIBAO_BACKUP_SFTP_KEY_FILE,
        known_hosts=settings.WEIBAO_BACKUP_SFTP_KNOWN_HOSTS,
    )


def backup_nightly(*, now: datetime | None = None) -> dict[str, Any]:
    """Write tonight's backup into ``WEIBAO_BACKUP_DIR``, copy it off-site when configured, let
    retention delete the old ones (here and there), and record the outcome. Never raises: a
    failure is recorded and told to the platform admins."""
    now = now or timezone.now()
    folder = Path(settings.WEIBAO_BACKUP_DIR)
    record: dict[str, Any] = {"at": now.isoformat(), "ok": False}
    try:
        key = backup_key()
        result = backup_create(out=folder / backup_name(now), key=key)
        record.update(ok=True, file=result.path.name, size=result.size)
        save_status(last_backup=record, last_success_at=now.isoformat())
        for name in to_delete(os.listdir(folder)):
            (folder / name).unlink(missing_ok=True)
        target = _offsite_target()
        if target is not None:
            record["offsite"] = offsite.sftp_upload(result.path, target)
            gone = to_delete(offsite.sftp_list(target))
            offsite.sftp_delete(target, gone)
    except Exception as exc:  # whatever failed, the admins must hear of it
        log.exception("backup failed")
        stage = "offsite" if record["ok"] else "backup"
        record.update(ok=False, error=f"{stage}: {exc}")
        save_status(last_backup=record)
        notify_admins(
            title=_("备份失败"), body=_("%(time)s 的备份失败：%(error)s") % {"time": now, "error": exc}
        )
    else:
        save_status(last_backup=record)
    return record


def backup_check_missing(*, now: datetime | None = None) -> bool:
    """Tell the platform admins when no backup succeeded for more than a day."""
    status = backup_status(now=now)
    if not status["overdue"]:
        return False
    last = status["last_success_at"] or _("从未")
    notify_admins(
        title=_("备份缺失"),
        body=_("超过一天没有成功的备份（上次成功：%(last)s）。请检查后台进程和备份设置。") % {"last": last},
    )
    return True


def newest_backup() -> Path | None:
    folder = Path(settings.WEIBAO_BACKUP_DIR)
    if not folder.is_dir():
        return None
    names = sorted((n for n in os.listdir(folder) if backup_time(n)), key=backup_time)
    return folder / names[-1] if names else None


def restore_test(*, now: datetime | None = None) -> dict[str, Any]:
    """Restore the newest backup into a scratch place (a temporary SQLite file, or a scratch
    PostgreSQL database dropped afterwards) with every check of a real restore, and record the
    outcome; a failure is told to the platform admins."""
    now = now or timezone.now()
    record: dict[str, Any] = {"at": now.isoformat(), "ok": False}
    archive = newest_backup()
    try:
        if archive is None:
            raise BackupError("there is no backup to test")
        record["file"] = archive.name
        key = restore_key()  # the passphrase: with only a recipient's public key, nothing can be read here
        db = dict(connections["default"].settings_dict)
        with tempfile.TemporaryDirectory(prefix="weibao-restore-test-") as tmp:
            if "sqlite" in db["ENGINE"]:
                db = {**db, "NAME": str(Path(tmp) / "weibao.sqlite3")}
            else:
                db = {**db, "NAME": f"{db['NAME']}_restoretest"[:50]}
            result = backup_restore(archive=archive, key=key, swap=False, db=db, var_dir=Path(tmp))
        record.update(ok=True, detail=result.verify_output, backup_created_at=result.manifest["created_at"])
    except Exception as exc:  # whatever failed, the admins must hear of it
        log.exception("restore test failed")
        record["error"] = str(exc)
        notify_admins(title=_("备份恢复测试失败"), body=_("恢复测试失败：%(error)s") % {"error": exc})
    save_status(last_restore_test=record)
    return record
