"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from weibao.core.db.batch import Statement, insert_statement

from .context import AuditContext, client_ip
from .models import AuditEvent, ChainHead

GENESIS = "0" * 64
HEAD_ID = 1  # the chain's one head row


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


def audit_event(
    *,
    action: str,
    actor: Any = None,
    request: Any = None,
    context: AuditContext | None = None,
    obj: Any = None,
    organization: Any = None,
    success: bool = True,
    detail: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """An audit record, not yet appended (see :func:`chain_statements`). The actor and address
    come from ``context`` (preferred) or, for callers not yet passing one, from ``request``."""
    if context is not None:
        actor = actor if actor is not None else context.actor
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if organization is None and obj is not None:
        organization = _organization_of(obj)
    return AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_username=(actor.username if actor is not None else username)[:150],
        ip=context.ip if context is not None else client_ip(request),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        organization=organization,
        success=success,
        detail=json.loads(json.dumps(detail or {}, default=str)),
    )


def audit_record(**kwargs: Any) -> AuditEvent:
    """Append one event to the chain (arguments as :func:`audit_event`). Runs in (or opens) a
    transaction; concurrent appends queue on the chain's head, so the chain never forks."""
    event = audit_event(**kwargs)
    # Inside the caller's transaction no savepoint is needed: a failed append fails the change.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for sql, params in chain_statements(event):
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            event.pk, event.prev_hash, event.hash = cursor.fetchone()
        else:
            event.pk = cursor.lastrowid
    event._state.adding = False
    return event


def chain_statements(event: AuditEvent) -> list[Statement]:
    """The statements that append ``event`` to the chain; run them in one transaction, in order
    (:func:`weibao.core.db.batch.execute_batch` sends them with other writes in one round trip).

    On PostgreSQL it is one statement: it moves the head, computing the new hash in the database
    from the head's row as it stands once locked, and inserts the record with both hashes (and
    returns its id and hashes). On SQLite, whose write transactions run one at a time, the head
    is read now and the new hash computed here; ``event`` then carries its hashes, on PostgreSQL
    only once :func:`audit_record` has read them back."""
    head_table = connection.ops.quote_name(ChainHead._meta.db_table)
    if connection.vendor != "postgresql":
        prev = ChainHead.objects.filter(pk=HEAD_ID).values_list("hash", flat=True).first()
        event.prev_hash = prev or GENESIS
        event.hash = compute_hash(event.prev_hash, event)
        return [
            (
                f"INSERT INTO {head_table} (id, prev_hash, hash) VALUES (%s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET prev_hash = excluded.prev_hash, hash = excluded.hash",
                [HEAD_ID, event.prev_hash, event.hash],
            ),
            insert_statement([event]),
        ]
    quote = connection.ops.quote_name
    fields = [f for f in AuditEvent._meta.concrete_fields if f.attname not in {"id", "prev_hash", "hash"}]
    values = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    columns = ", ".join(
        quote(f.column) for f in (*fields, *(AuditEvent._meta.get_field(n) for n in ("prev_hash", "hash")))
    )
    next_hash = "encode(sha256(convert_to({prev}, 'UTF8') || %s::bytea), 'hex')"
    payload = _canonical(event)
    sql = (
        f"WITH head AS (INSERT INTO {head_table} AS h (id, prev_hash, hash) "
        f"VALUES (%s, %s, {next_hash.format(prev='%s')}) "
        f"ON CONFLICT (id) DO UPDATE SET prev_hash = h.hash, hash = {next_hash.format(prev='h.hash')} "
        "RETURNING prev_hash, hash) "
        f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "
        f"SELECT {', '.join(['%s'] * len(values))}, head.prev_hash, head.hash FROM head "
        "RETURNING id, prev_hash, hash"
    )
    return [(sql, [HEAD_ID, GENESIS, GENESIS, payload, payload, *values])]


def _organization_of(obj: Any) -> Any:
    for attr in ("hospital", "organization"):
        value = getattr(obj, attr, None)
        if value is not None:
            return value
    kind = getattr(obj, "kind", None)
    if kind is not None and obj._meta.label_lower == "accounts.organization":
        return obj
    return None


def chain_start() -> tuple[int, str]:
    """(id, hash) of the last record pruned from the chain (archived first, ``weibao.backups``),
    or (0, GENESIS) when none was: the remaining records must link on from there."""
    if not apps.is_installed("weibao.backups"):
        return 0, GENESIS
    from weibao.backups.models import AuditPrune

    last = AuditPrune.objects.order_by("-through_id").values_list("through_id", "through_hash").first()
    return (last[0], last[1]) if last else (0, GENESIS)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def audit_verify(*, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first record whose stored hashes do not match,
    or, when all match, a head that is not the last record's hash (records cut off the end).
    Once old records were archived and pruned, the chain starts after the last pruned one."""
    last_id, prev = chain_start()
    checked = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            head = ChainHead.objects.filter(pk=HEAD_ID).values_list("hash", flat=True).first()
            if (head or GENESIS) != prev:
                return VerifyResult(
                    False,
                    checked,
                    last_id or None,
                    "the chain's head does not end at this record: records after it are missing",
                )
            return VerifyResult(ok=True, checked=checked)
        for event in rows:
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.id, "prev_hash does not match the previous record")
            if compute_hash(prev, event) != event.hash:
                return VerifyResult(False, checked, event.id, "content does not match its hash")
            prev = event.hash
            checked += 1
            last_id = event.id
