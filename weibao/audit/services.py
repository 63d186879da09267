"""Writing and verifying the audit chain.

Each record's hash is ``HMAC-SHA256(key, prev_hash || record)`` under a key kept outside the
database (:mod:`weibao.audit.keys`), and the head is anchored outside it too
(:mod:`weibao.audit.anchor`): editing a record, recomputing the chain without the key, or cutting
records off its end are each found by :func:`audit_verify`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from weibao.core.db.batch import Statement, insert_statement

from .anchor import Anchor, AnchorFileError, read_anchors, write_anchor
from .context import AuditContext, client_ip
from .keys import LEGACY_KEY_ID, current_key, key_by_id
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
    if event.key_id != LEGACY_KEY_ID:
        # The key id is part of what is signed (records from before the keys had none).
        payload["key"] = event.key_id
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


class UnknownKey(LookupError):
    """A record names a key that is not configured."""


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    """The record's hash: HMAC-SHA256 under the key it names, over the previous hash and the
    record; plain SHA-256 for the records written before the chain was keyed."""
    message = prev_hash.encode() + _canonical(event)
    if event.key_id == LEGACY_KEY_ID:
        return hashlib.sha256(message).hexdigest()
    key = key_by_id(event.key_id)
    if key is None:
        raise UnknownKey(event.key_id)
    return key.mac(message)


def audit_event(
    *,
    action: str,
    actor: Any = None,
    request: Any = None,
    context: AuditContext | None = None,
    obj: Any = None,
    organization: Any = None,
    success: bool = True,
    detail: dict[str, Any] | None = None,
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
        key_id=current_key().id,
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


def save_audited(obj: Any, *, action: str, update_fields: list[str] | None = None, **audit: Any) -> None:
    """Save ``obj`` and append ``action`` on it to the chain in one transaction: how a service
    stores a change worth auditing (``audit`` as :func:`audit_event`: actor, context,
    organization, detail)."""
    with transaction.atomic():
        obj.save(update_fields=update_fields)
        audit_record(action=action, obj=obj, **audit)


def audit_refusal(
    *,
    reason: str = "",
    request: Any = None,
    context: AuditContext | None = None,
    action: str = "permission.denied",
    detail: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Audit a refusal (a 403), at most once per actor (or, without one, client address) and
    action every ``WEIBAO_AUDIT_REFUSAL_INTERVAL`` seconds, so that one user cannot flood the
    log: the refusals in between are only counted, and the count is written on the next record
    as ``detail["suppressed"]``. Returns the record, or None when only counted.

    The window lives in the cache (Redis when configured; with the local-memory cache each web
    process keeps its own window)."""
    from django.conf import settings
    from django.core.cache import cache

    if context is None:
        context = AuditContext.from_request(request) if request is not None else AuditContext.system()
    actor = context.actor
    who = f"user:{actor.pk}" if actor is not None else f"ip:{context.ip or '-'}"
    window = f"audit:refusal:{who}:{action}"
    counter = f"audit:refusal-count:{who}:{action}"
    interval = max(1, int(getattr(settings, "WEIBAO_AUDIT_REFUSAL_INTERVAL", 60)))
    if not cache.add(window, 1, timeout=interval):
        try:
            cache.incr(counter)
        except ValueError:  # the first one counted in this window
            if not cache.add(counter, 1, timeout=86400):
                with contextlib.suppress(ValueError):
                    cache.incr(counter)
        return None
    suppressed = int(cache.get(counter) or 0)
    if suppressed:
        with contextlib.suppress(ValueError):
            cache.decr(counter, suppressed)
    return audit_record(
        action=action,
        context=context,
        request=request,
        success=False,
        detail={**(detail or {}), "reason": reason, "suppressed": suppressed},
    )


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
    chained = [f for f in AuditEvent._meta.concrete_fields if f.attname in {"prev_hash", "hash"}]
    chained.sort(key=lambda f: f.attname != "prev_hash")  # prev_hash, then hash
    columns = ", ".join(quote(f.column) for f in (*fields, *chained) if f.column)
    # HMAC(k, m) = sha256((k ^ opad) || sha256((k ^ ipad) || m)), m = prev || record: the padded
    # keys are computed here and passed as parameters (the key itself is never sent). They are
    # as secret as the key: statement logging with parameters must stay off for this role.
    next_hash = (
        "encode(sha256(%s::bytea || sha256(%s::bytea || convert_to({prev}, 'UTF8') || %s::bytea)), 'hex')"
    )
    key = key_by_id(event.key_id)
    if key is None:
        raise RuntimeError(f"audit key {event.key_id!r} is not loaded")
    ipad, opad = key.pads()
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
    hmac_params = [opad, ipad]
    return [(sql, [HEAD_ID, GENESIS, *hmac_params, GENESIS, payload, *hmac_params, payload, *values])]


def _organization_of(obj: Any) -> Any:
    for attr in ("hospital", "organization"):
        value = getattr(obj, attr, None)
        if value is not None:
            return value
    kind = getattr(obj, "kind", None)
    if kind is not None and obj._meta.label_lower == "accounts.organization":
        return obj
    return None


#: Where the chain starts once old records were archived and pruned: (id, hash) of the last
#: pruned record, or None when none was. The app that prunes (``weibao.backups``) registers it
#: with :func:`register_chain_start`.
ChainStart = Callable[[], tuple[int, str] | None]
_chain_start: ChainStart | None = None


def register_chain_start(source: ChainStart) -> None:
    """Say where the chain starts after a prune (the app that prunes it, once)."""
    global _chain_start
    _chain_start = source


def chain_start() -> tuple[int, str]:
    """(id, hash) of the last record pruned from the chain (archived first), or (0, GENESIS)
    when none was: the remaining records must link on from there."""
    last = _chain_start() if _chain_start is not None else None
    return last or (0, GENESIS)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    anchors: int = 0


def audit_verify(*, batch: int = 5000, anchors: list[Anchor] | None = None) -> VerifyResult:
    """Walk the chain in id order and report the first record that does not hold:

    - its ``prev_hash`` is not the previous record's hash (a record removed or inserted);
    - its hash is not the HMAC of its content under the key it names (edited, or the chain
      recomputed without the key), or it names a key that is not configured;
    - it is an unkeyed record (from before the chain was keyed) after a keyed one: unkeyed records
      are accepted only as the chain's beginning, which the first keyed record's HMAC seals, so
      they cannot be forged now; and the last record must be keyed;
    - an anchor (:mod:`weibao.audit.anchor`) names it with another hash, or names a record that
      is no longer there (records cut off the end, or the chain re-hashed);

    and, when all hold, a head that is not the last record's hash."""
    try:
        anchored = read_anchors() if anchors is None else anchors
    except AnchorFileError as exc:
        return VerifyResult(False, 0, None, str(exc))
    expected: dict[int, list[Anchor]] = {}
    for anchor in anchored:
        expected.setdefault(anchor.id, []).append(anchor)
    # Once old records were archived and pruned (``weibao.backups``), the chain starts after the
    # last pruned one; anchors of pruned records are checked against what the prune recorded.
    last_id, prev = chain_start()
    for anchor_id in [i for i in expected if i <= last_id]:
        if anchor_id == last_id and any(a.hash != prev for a in expected[anchor_id]):
            return VerifyResult(False, 0, last_id, "the last pruned record's hash is not the one anchored")
        del expected[anchor_id]
    checked = 0
    keyed = False

    def fail(record_id: int | None, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, record_id, reason, len(anchored))

    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                return fail(event.id, "prev_hash does not match the previous record")
            if event.key_id == LEGACY_KEY_ID:
                if keyed:
                    return fail(event.id, "an unkeyed (plain SHA-256) record after keyed records")
            else:
                keyed = True
            try:
                if compute_hash(prev, event) != event.hash:
                    return fail(event.id, "content does not match its hash")
            except UnknownKey:
                return fail(
                    event.id,
                    f"written with key {event.key_id!r}, which is not configured (WEIBAO_AUDIT_KEYS)",
                )
            for anchor in expected.pop(event.id, []):
                if anchor.hash != event.hash:
                    return fail(
                        event.id,
                        f"its hash is not the one anchored at {anchor.at} (anchor line {anchor.line})",
                    )
            prev = event.hash
            checked += 1
            last_id = event.id
    if expected:
        first = min(expected)
        anchor = expected[first][0]
        return fail(
            first,
            f"anchored at {anchor.at} (anchor line {anchor.line}) but missing: records were cut off the end",
        )
    if checked and not keyed:
        return fail(last_id, "the chain ends in unkeyed records")
    head = ChainHead.objects.filter(pk=HEAD_ID).values_list("hash", flat=True).first()
    if (head or GENESIS) != prev:
        return fail(
            last_id or None, "the chain's head does not end at this record: records after it are missing"
        )
    return VerifyResult(ok=True, checked=checked, anchors=len(anchored))


def audit_anchor() -> Anchor | None:
    """Anchor the chain's current end outside the database (nothing to anchor in an empty log)."""
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    if last is None:
        return None
    return write_anchor(*last)


def seal_legacy_chain(
    event_model: type[AuditEvent] = AuditEvent, head_model: type[ChainHead] = ChainHead
) -> AuditEvent | None:
    """Seal the records written before the chain was keyed (used by the migration that keys it):
    they keep their plain SHA-256 hashes, and a keyed record appended after them signs the last
    one's hash, so none of them can be changed without the key. Nothing to do on an empty log."""
    with transaction.atomic():
        head = head_model.objects.select_for_update().filter(pk=HEAD_ID).first()
        if head is None:
            return None
        key = current_key()
        event = event_model(
            at=timezone.now(),
            actor_username="",
            action="audit.keyed",
            detail={"sealed": head.hash},
            success=True,
            key_id=key.id,
            prev_hash=head.hash,
        )
        event.hash = key.mac(head.hash.encode() + _canonical(event))
        event.save()
        head_model.objects.filter(pk=HEAD_ID).update(prev_hash=head.hash, hash=event.hash)
    return event
