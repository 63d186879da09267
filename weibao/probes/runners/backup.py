"""Backup freshness: the age of the newest backup, from files or from a SQL query.

Files: the newest regular file matching ``pattern`` under ``directory`` (by modification time).
SQL: the timestamp (or epoch seconds) the query returns, e.g. ``SELECT max(finished_at) FROM
backup_log WHERE ok``; a naive timestamp is read in ``timezone``. No backup at all, or a missing
directory, is CRIT. Default thresholds on the age: WARN above 26 hours, CRIT above 50 (a daily
backup with some slack).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import (
    BackupOptions,
    ConfigError,
    Deadline,
    Metric,
    ProbeFailure,
    ProbeResult,
    Range,
    Target,
    guarded,
    judge,
)
from .sql import as_number, fetch_value

DEFAULT_WARN = Range.above(26 * 3600)
DEFAULT_CRIT = Range.above(50 * 3600)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}") from exc


def newest_file(options: BackupOptions) -> tuple[str, datetime]:
    directory = Path(options.directory)
    if not directory.is_dir():
        raise ProbeFailure(f"backup directory {directory} does not exist")
    if not options.pattern or Path(options.pattern).is_absolute():
        raise ConfigError(f"bad pattern {options.pattern!r}: give a glob relative to the directory")
    best: tuple[float, Path] | None = None
    for path in directory.glob(options.pattern):
        try:
            stat = path.stat()
        except OSError:
            continue  # removed while we looked
        if path.is_file() and (best is None or stat.st_mtime > best[0]):
            best = (stat.st_mtime, path)
    if best is None:
        raise ProbeFailure(f"no backup matching {options.pattern} in {directory}")
    return best[1].name, datetime.fromtimestamp(best[0], UTC)


def as_instant(value: object, zone: ZoneInfo) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = as_number(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, dtime(0), tzinfo=zone)
    return datetime.fromtimestamp(as_number(value), UTC)


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(BackupOptions)
    zone = _zone(options.timezone)
    if options.sql is not None:
        value, _elapsed = fetch_value(target, options.sql, deadline)
        if value is None:
            raise ProbeFailure("no backup recorded (the query returned NULL)")
        source, finished = "the newest backup recorded", as_instant(value, zone)
    elif options.directory:
        name, finished = newest_file(options)
        source = f"the newest backup {name}"
    else:
        raise ConfigError("give a directory (and pattern) or a SQL query")
    now = options.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    age = (now - finished).total_seconds()
    warn, crit = target.thresholds(DEFAULT_WARN, DEFAULT_CRIT)
    metric = Metric("age", round(age), "s", warn=warn, crit=crit)
    local = finished.astimezone(zone)
    return judge(f"{source} is {age / 3600:.1f} h old ({local:%Y-%m-%d %H:%M} {options.timezone})", [metric])
