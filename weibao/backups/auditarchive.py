"""Audit retention: records past ``WEIBAO_AUDIT_RETENTION_DAYS`` are written to a signed archive
file, and only then deleted.

The archive is JSON lines: a header (the id range, the hash the first record links to, the last
record's hash, the chain's head when it was written, which key signed it), one line per record
with every stored field and both hashes exactly as stored, and a last line with an HMAC-SHA256
over all the lines before it. It is kept generic — the fields and hashes as they are, whatever
the hashing scheme of the chain — so :func:`verify_archive` checks it on its own: the signature,
and that each record links to the one before, from the header's start to its end.

The signing key is the audit chain's current key (``WEIBAO_AUDIT_KEYS`` or ``var/audit.key``); the
header names it by its key id (with the key's fingerprint), so a verifier knows what to bring.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from weibao.audit.keys import current_key
from weibao.audit.models import AuditEvent, ChainHead
from weibao.audit.services import GENESIS, HEAD_ID, audit_record

from .models import AuditPrune

KIND = "weibao-audit-archive"


class ArchiveInvalid(Exception):
    """The audit archive does not verify; the message says where."""


def signing_key() -> tuple[str, bytes]:
    """(key id, key): the audit chain's current key (``WEIBAO_AUDIT_KEYS`` or ``var/audit.key``)."""
    key = current_key()
    return key.id, key.secret


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"weibao-audit-archive:" + key).hexdigest()[:16]


def _row(event: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in event.items()}


def _line(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n"


def prunable_through(*, now: datetime | None = None) -> int | None:
    """The id up to which every record is past retention (a prefix of the chain: pruning never
    leaves a hole), or None when there is nothing to prune."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEIBAO_AUDIT_RETENTION_DAYS)
    first_recent = (
        AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    )
    old = AuditEvent.objects.filter(at__lt=cutoff)
    if first_recent is not None:
        old = old.filter(id__lt=first_recent)
    return old.order_by("-id").values_list("id", flat=True).first()


@dataclass(frozen=True)
class PruneResult:
    archive: Path | None
    count: int


def audit_archive_and_prune(*, now: datetime | None = None, out_dir: Path | None = None) -> PruneResult:
    """Export the records past retention to a signed archive, check it, then delete them and
    record where the chain now starts (:class:`AuditPrune`), in one transaction."""
    out_dir = Path(out_dir or settings.WEIBAO_AUDIT_ARCHIVE_DIR)
    with transaction.atomic():
        through = prunable_through(now=now)
        if through is None:
            return PruneResult(None, 0)
        previous = AuditPrune.objects.order_by("-through_id").first()
        start_id = previous.through_id if previous else 0
        start_hash = previous.through_hash if previous else GENESIS
        rows = AuditEvent.objects.filter(id__gt=start_id, id__lte=through).order_by("id")
        first = rows.values_list("id", flat=True).first()
        if first is None:
            return PruneResult(None, 0)
        head = ChainHead.objects.filter(pk=HEAD_ID).values("prev_hash", "hash").first() or {}
        key_name, key = signing_key()
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"audit-{first:012d}-{through:012d}.jsonl"
        partial = path.with_suffix(".part")
        mac = hmac.new(key, digestmod=hashlib.sha256)
        count = 0
        last_hash = start_hash
        with partial.open("wb") as handle:

            def emit(obj: Any) -> None:
                data = _line(obj)
                mac.update(data)
                handle.write(data)

            emit(
                {
                    "kind": KIND,
                    "version": 1,
                    "created_at": timezone.now().isoformat(),
                    "first_id": first,
                    "last_id": through,
                    "start_prev_hash": start_hash,
                    "chain_head": head,
                    "key": key_name,
                    "key_fingerprint": _fingerprint(key),
                }
            )
            for event in rows.values().iterator(chunk_size=2000):
                emit({"record": _row(event)})
                last_hash = event["hash"]
                count += 1
            handle.write(_line({"end": {"count": count, "last_hash": last_hash}, "hmac": mac.hexdigest()}))
            handle.flush()
            os.fsync(handle.fileno())
        verify_archive(partial, key=key)
        os.replace(partial, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        # A queryset delete: the model's own delete() refuses, as the application never deletes a
        # record one by one; this is the one place records leave, once they are archived.
        AuditEvent.objects.filter(id__gt=start_id, id__lte=through).delete()
        AuditPrune.objects.create(
            first_id=first,
            through_id=through,
            through_hash=last_hash,
            count=count,
            archive=path.name,
            archive_sha256=digest,
        )
        audit_record(
            action="audit.archived",
            username="system",
            detail={
                "archive": path.name,
                "sha256": digest,
                "first_id": first,
                "through_id": through,
                "count": count,
            },
        )
    return PruneResult(path, count)


@dataclass(frozen=True)
class ArchiveReport:
    count: int
    first_id: int
    last_id: int
    start_prev_hash: str
    last_hash: str
    key: str


def verify_archive(path: Path, *, key: bytes) -> ArchiveReport:
    """Check an audit archive on its own: its HMAC, and that its records link one to the next
    from the header's start hash. Raises :class:`ArchiveInvalid` naming the line at fault."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    header: dict[str, Any] | None = None
    prev = None
    count = 0
    last_id = 0
    end = None
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if end is not None:
                raise ArchiveInvalid(f"line {number}: data after the signature")
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                raise ArchiveInvalid(f"line {number} is not JSON") from exc
            if "hmac" in obj:
                end = obj
                continue
            mac.update(raw)
            if header is None:
                if obj.get("kind") != KIND:
                    raise ArchiveInvalid("line 1 is not an audit archive header")
                header = obj
                prev = obj["start_prev_hash"]
                continue
            record = obj.get("record") or {}
            if record.get("prev_hash") != prev:
                raise ArchiveInvalid(
                    f"line {number} (record {record.get('id')}) does not link to the record before it"
                )
            if record.get("id", 0) <= last_id:
                raise ArchiveInvalid(f"line {number} (record {record.get('id')}) is out of order")
            prev = record.get("hash")
            last_id = record["id"]
            count += 1
    if header is None or end is None:
        raise ArchiveInvalid("the archive is incomplete (no header or no signature)")
    if header.get("key_fingerprint") != _fingerprint(key):
        raise ArchiveInvalid(f"the archive was signed with another key ({header.get('key')})")
    if not hmac.compare_digest(end.get("hmac", ""), mac.hexdigest()):
        raise ArchiveInvalid("the signature does not match: the archive was altered")
    if end.get("end", {}).get("count") != count or end["end"].get("last_hash") != prev:
        raise ArchiveInvalid("the archive's end does not match its records")
    if last_id != header["last_id"]:
        raise ArchiveInvalid("the archive's records do not end at its last id")
    return ArchiveReport(
        count, header["first_id"], last_id, header["start_prev_hash"], prev or "", header["key"]
    )
