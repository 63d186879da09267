"""The chain's head written down outside the database.

A key stops anyone without it from recomputing the chain, but not from cutting records off its
end (and moving the head back), nor, with the key, from re-hashing it. So the head is anchored:
each ``weibao audit verify`` that finds the chain intact, and a daily job, append ``(time, last
id, head hash)`` to ``WEIBAO_AUDIT_ANCHOR_FILE`` (default ``var/audit-anchor.log``) and, with
``WEIBAO_AUDIT_ANCHOR_SYSLOG``, to the system log (which may be shipped to another host).
``audit_verify`` then checks that every anchored record is still in the chain with the anchored
hash. Keep the file where the database's users cannot write (another disk, a log host), and back
it up: it is how a truncated or re-hashed log is told from an intact one.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    """One line of the anchor file: at ``at``, the chain ended at record ``id`` with ``hash``."""

    at: str
    id: int
    hash: str
    line: int = 0


class AnchorFileError(ValueError):
    """The anchor file has a line that is not an anchor."""


def anchor_path() -> Path:
    return Path(getattr(settings, "WEIBAO_AUDIT_ANCHOR_FILE", Path(settings.VAR_DIR) / "audit-anchor.log"))


def format_anchor(at: datetime, last_id: int, head: str) -> str:
    return f"{at.astimezone(UTC).isoformat(timespec='seconds')}\tid={last_id}\thash={head}"


def write_anchor(last_id: int, head: str) -> Anchor:
    """Append one anchor (one write in append mode: lines of concurrent writers never mix)."""
    now = datetime.now(UTC)
    text = format_anchor(now, last_id, head)
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)
    if getattr(settings, "WEIBAO_AUDIT_ANCHOR_SYSLOG", False):
        import syslog

        syslog.openlog("weibao-audit", 0, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_NOTICE, f"audit chain anchor {text}")
    log.info("audit chain anchored: %s", text)
    return Anchor(now.isoformat(timespec="seconds"), last_id, head)


def read_anchors() -> list[Anchor]:
    """Every anchor in the file, in order; :class:`AnchorFileError` names a line that is not one."""
    path = anchor_path()
    if not path.exists():
        return []
    anchors = []
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                at, id_part, hash_part = text.strip().split("\t")
                if not (id_part.startswith("id=") and hash_part.startswith("hash=")):
                    raise ValueError(text)
                record_id, head = int(id_part[3:]), hash_part[5:]
                if len(head) != 64:
                    raise ValueError(text)
            except ValueError as exc:
                raise AnchorFileError(
                    f"{path}, line {number}: not an anchor: {text.strip()[:120]!r}"
                ) from exc
            anchors.append(Anchor(at, record_id, head, number))
    return anchors
