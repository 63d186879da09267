"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
# One constant key for PostgreSQL's advisory lock that serialises appends to the chain.
_PG_LOCK_KEY = 0x57424155  # "WBAU"


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_username": event.actor_username,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "organization": event.organization_id,
        "success": event.success,
        "detail": event.detail,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or None) if forwarded else request.META.get("REMOTE_ADDR")


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: Any = None,
    obj: Any = None,
    organization: Any = None,
    success: bool = True,
    detail: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one event to the chain. Runs in (or opens) a transaction and serialises appends,
    so two concurrent writers never fork the chain."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if organization is None and obj is not None:
        organization = _organization_of(obj)
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_username=(actor.username if actor is not None else username)[:150],
        ip=client_ip(request),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        organization=organization,
        success=success,
        detail=json.loads(json.dumps(detail or {}, default=str)),
    )
    # Inside the caller's transaction no savepoint is needed: a failed append fails the change.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS
        event.hash = compute_hash(event.prev_hash, event)
        event.save()
    return event


def _organization_of(obj: Any) -> Any:
    for attr in ("hospital", "organization"):
        value = getattr(obj, attr, None)
        if value is not None:
            return value
    kind = getattr(obj, "kind", None)
    if kind is not None and obj._meta.label_lower == "accounts.organization":
        return obj
    return None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def audit_verify(*, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first record whose stored hashes do not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return VerifyResult(ok=True, checked=checked)
        for event in rows:
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.id, "prev_hash does not match the previous record")
            if compute_hash(prev, event) != event.hash:
                return VerifyResult(False, checked, event.id, "content does not match its hash")
            prev = event.hash
            checked += 1
            last_id = event.id
