"""The keyed chain: without the key nobody can recompute it; the anchors catch truncation; the
records from before the key still verify; keys rotate."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from weibao.audit import keys
from weibao.audit.anchor import anchor_path, read_anchors
from weibao.audit.models import AuditEvent, ChainHead
from weibao.audit.services import (
    _canonical,
    audit_anchor,
    audit_record,
    audit_verify,
    compute_hash,
    seal_legacy_chain,
)

pytestmark = pytest.mark.django_db

KEY_A = "a" * 20 + "-first-audit-key-0001"
KEY_B = "b" * 20 + "-second-audit-key-002"


@pytest.fixture
def audit_keys(monkeypatch):
    """Set ``WEIBAO_AUDIT_KEYS`` (newest first) for the rest of the test."""

    def use(*values: str) -> None:
        monkeypatch.setenv("WEIBAO_AUDIT_KEYS", ",".join(values))
        keys.forget_keys()

    use(KEY_A)
    yield use
    monkeypatch.delenv("WEIBAO_AUDIT_KEYS")
    keys.forget_keys()


def _write(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(action=f"test.{i}", username="tester", detail={"n": i}) for i in range(start, start + n)
    ]


def _rewrite(event_id: int, **columns) -> None:
    sets = ", ".join(f"{name} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {sets} WHERE id = %s", [*columns.values(), event_id])


def _set_head(prev_hash: str, hash_: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET prev_hash = %s, hash = %s", [prev_hash, hash_])


def _rechain_from(event_id: int, digest) -> None:
    """What someone with write access to the database but not the key can do: recompute every
    hash from ``event_id`` on with ``digest(prev, event)`` and move the head."""
    before = AuditEvent.objects.filter(id__lt=event_id).order_by("-id").first()
    prev = before.hash if before else "0" * 64
    last_prev = prev
    for event in AuditEvent.objects.filter(id__gte=event_id).order_by("id"):
        event.prev_hash = prev
        new = digest(prev, event)
        _rewrite(event.id, prev_hash=prev, hash=new, key_id=event.key_id)
        last_prev, prev = prev, new
    _set_head(last_prev, prev)


def test_records_are_signed_with_the_current_key(audit_keys):
    (event,) = _write(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.key_id == keys.key_id(KEY_A.encode()) == event.key_id
    message = stored.prev_hash.encode() + _canonical(stored)
    # An HMAC under the key, not a hash anyone can compute (PostgreSQL computes it in SQL).
    assert stored.hash == hmac.new(KEY_A.encode(), message, hashlib.sha256).hexdigest()
    assert stored.hash != hashlib.sha256(message).hexdigest()


def test_a_row_edited_is_found(audit_keys):
    events = _write(4)
    _rewrite(events[2].pk, object_repr="forged")
    result = audit_verify()
    assert (result.ok, result.broken_id, result.reason) == (
        False,
        events[2].pk,
        "content does not match its hash",
    )


def test_a_row_edited_and_the_chain_recomputed_as_plain_sha256_is_found(audit_keys):
    events = _write(5)
    _rewrite(events[1].pk, action="forged")

    def legacy(prev, event):
        event.key_id = keys.LEGACY_KEY_ID  # pretend the records predate the key
        return compute_hash(prev, event)

    _rechain_from(events[1].pk, legacy)
    result = audit_verify()
    assert not result.ok and result.broken_id == events[1].pk
    assert "unkeyed" in result.reason


def test_a_row_edited_and_the_chain_recomputed_with_another_key_is_found(audit_keys):
    events = _write(5)
    _rewrite(events[1].pk, action="forged")
    guess = b"x" * 40

    # Same key id, a key of the forger's own.
    _rechain_from(
        events[1].pk,
        lambda prev, event: hmac.new(guess, prev.encode() + _canonical(event), hashlib.sha256).hexdigest(),
    )
    result = audit_verify()
    assert (result.ok, result.broken_id, result.reason) == (
        False,
        events[1].pk,
        "content does not match its hash",
    )

    # The forger's key named as such: not a configured key.
    def own_key(prev, event):
        event.key_id = keys.key_id(guess)
        return hmac.new(guess, prev.encode() + _canonical(event), hashlib.sha256).hexdigest()

    _rechain_from(events[1].pk, own_key)
    result = audit_verify()
    assert not result.ok and result.broken_id == events[1].pk and "not configured" in result.reason


def test_the_last_row_deleted_and_the_head_moved_back_is_found_by_the_anchor(audit_keys):
    events = _write(5)
    assert audit_verify().ok
    anchor = audit_anchor()
    assert (anchor.id, anchor.hash) == (events[-1].pk, events[-1].hash)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    _set_head(events[-2].prev_hash, events[-2].hash)
    result = audit_verify()
    assert not result.ok and result.broken_id == events[-1].pk
    assert "missing" in result.reason and "anchor line 1" in result.reason


def test_the_anchor_also_catches_a_rehash_with_the_key(audit_keys):
    events = _write(3)
    audit_anchor()
    _rewrite(events[1].pk, action="forged")
    _rechain_from(events[1].pk, compute_hash)  # whoever holds the key can recompute the chain...
    result = audit_verify()
    # ...but not the hashes written outside the database.
    assert not result.ok and result.broken_id == events[2].pk and "anchored" in result.reason


def test_verify_command_anchors_an_intact_chain_and_fails_with_exit_1(audit_keys, capsys):
    events = _write(3)
    call_command("audit", "verify")
    assert "3 records verified" in capsys.readouterr().out
    (anchor,) = read_anchors()
    assert (anchor.id, anchor.hash) == (events[-1].pk, events[-1].hash)
    call_command("audit", "verify")
    assert "1 anchors matched" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    _set_head(events[-2].prev_hash, events[-2].hash)
    with pytest.raises(CommandError, match=f"broken at record id={events[-1].pk}") as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    assert len(read_anchors()) == 2  # a broken chain is not anchored


def test_an_unreadable_anchor_file_fails_verify(audit_keys):
    _write(1)
    anchor_path().write_text("not an anchor\n")
    result = audit_verify()
    assert not result.ok and "line 1" in result.reason


def test_records_from_before_the_key_still_verify_and_are_sealed(audit_keys):
    # Records as the unkeyed chain wrote them: plain SHA-256, key id "sha256".
    prev = "0" * 64
    legacy = []
    for i in range(3):
        event = AuditEvent(action=f"old.{i}", actor_username="old", key_id=keys.LEGACY_KEY_ID, prev_hash=prev)
        event.hash = hashlib.sha256(prev.encode() + _canonical(event)).hexdigest()
        event.save()
        legacy.append(event)
        prev = event.hash
    ChainHead.objects.create(id=1, prev_hash=legacy[-2].hash, hash=prev)
    seal = seal_legacy_chain()  # what migration 0004 does
    assert seal.action == "audit.keyed" and seal.prev_hash == legacy[-1].hash and seal.key_id != "sha256"
    later = _write(2)
    result = audit_verify()
    assert result.ok and result.checked == 6

    # An old record edited and the old records re-hashed: the seal's HMAC no longer matches.
    _rewrite(legacy[0].pk, action="forged")
    hashes = "0" * 64
    for event in AuditEvent.objects.filter(id__lte=legacy[-1].pk).order_by("id"):
        event.prev_hash = hashes
        hashes = hashlib.sha256(hashes.encode() + _canonical(event)).hexdigest()
        _rewrite(event.pk, prev_hash=event.prev_hash, hash=hashes)
    _rewrite(seal.pk, prev_hash=hashes)
    result = audit_verify()
    assert not result.ok and result.broken_id == seal.pk
    assert later[0].pk > seal.pk


def test_a_chain_of_unkeyed_records_only_is_refused(audit_keys):
    events = _write(3)
    _rechain_from(
        events[0].pk, lambda prev, event: (setattr(event, "key_id", "sha256"), compute_hash(prev, event))[1]
    )
    result = audit_verify()
    assert not result.ok and result.broken_id == events[-1].pk and "unkeyed" in result.reason


def test_keys_rotate(audit_keys):
    old = _write(2)
    audit_keys(KEY_B, KEY_A)  # a new key first, the old one kept
    new = _write(2, start=2)
    assert old[0].key_id != new[0].key_id == keys.key_id(KEY_B.encode())
    assert audit_verify().ok
    audit_keys(KEY_B)  # the old key dropped too early
    result = audit_verify()
    assert not result.ok and result.broken_id == old[0].pk and "not configured" in result.reason


def test_short_keys_are_refused(audit_keys):
    from django.core.exceptions import ImproperlyConfigured

    audit_keys("short")
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        keys.audit_keys()


def test_the_generated_key_file_is_private(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("WEIBAO_AUDIT_KEYS", raising=False)
    settings.VAR_DIR = tmp_path
    keys.forget_keys()
    try:
        first = keys.current_key()
        assert (tmp_path / "audit.key").stat().st_mode & 0o777 == 0o600
        keys.forget_keys()
        assert keys.current_key() == first  # generated once
    finally:
        keys.forget_keys()


def test_the_daily_job_anchors_the_head(audit_keys):
    from weibao.audit.tasks import anchor_audit_chain
    from weibao.core.tasks import PERIODIC_TASKS

    assert "anchor_audit_chain" in PERIODIC_TASKS
    assert anchor_audit_chain.call_local() is None  # an empty log: nothing to anchor
    events = _write(2)
    assert anchor_audit_chain.call_local() == events[-1].pk
    assert [(a.id, a.hash) for a in read_anchors()] == [(events[-1].pk, events[-1].hash)]
