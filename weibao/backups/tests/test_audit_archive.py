"""Audit retention: records past the period go to a signed archive that verifies on its own,
then leave the log; the remaining chain still verifies, and a record deleted without an archive
is still found."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from weibao.audit.keys import current_key
from weibao.audit.models import AuditEvent
from weibao.audit.services import audit_record, audit_verify
from weibao.backups.auditarchive import ArchiveInvalid, audit_archive_and_prune, signing_key, verify_archive
from weibao.backups.models import AuditPrune

pytestmark = pytest.mark.django_db


def _write(n: int, tag: str) -> list[AuditEvent]:
    return [audit_record(action=f"test.{tag}.{i}", username="tester", detail={"i": i}) for i in range(n)]


@pytest.fixture
def var(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.WEIBAO_AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    return tmp_path


def test_records_past_retention_are_archived_then_pruned(var, settings):
    (var / "audit.key").write_text("k" * 64)
    old = _write(5, "old")
    recent = _write(3, "new")
    now = recent[0].at + timedelta(days=settings.WEIBAO_AUDIT_RETENTION_DAYS)
    expected = AuditEvent.objects.filter(id__lt=recent[0].id).count()

    result = audit_archive_and_prune(now=now)

    assert result.count == expected >= 5
    assert not AuditEvent.objects.filter(id__in=[e.id for e in old]).exists()
    assert AuditEvent.objects.filter(id__in=[e.id for e in recent]).count() == 3
    assert AuditEvent.objects.filter(action="audit.archived").exists()
    verified = audit_verify()
    assert verified.ok, verified.reason
    key_name, key = signing_key()
    assert key_name == current_key().id
    report = verify_archive(result.archive, key=key)
    assert (report.count, report.last_id, report.last_hash) == (expected, old[-1].id, old[-1].hash)
    out = StringIO()
    call_command("auditarchive", "verify", str(result.archive), stdout=out)
    assert f"{expected} records" in out.getvalue()

    # Nothing is past retention any more.
    assert audit_archive_and_prune(now=now).count == 0

    # The next pruning links on from the first.
    later = AuditEvent.objects.order_by("-id").first().at + timedelta(
        days=settings.WEIBAO_AUDIT_RETENTION_DAYS, seconds=1
    )
    second = audit_archive_and_prune(now=later)
    assert verify_archive(second.archive, key=key).start_prev_hash == old[-1].hash
    assert AuditPrune.objects.count() == 2
    assert audit_verify().ok


def test_an_altered_archive_does_not_verify(var, settings):
    _write(4, "old")
    keep = _write(1, "new")
    result = audit_archive_and_prune(now=keep[0].at + timedelta(days=settings.WEIBAO_AUDIT_RETENTION_DAYS))
    _, key = signing_key()
    lines = result.archive.read_bytes().splitlines(keepends=True)

    edited = result.archive.with_name("edited.jsonl")
    edited.write_bytes(b"".join([lines[0], lines[1].replace(b'"tester"', b'"someone"'), *lines[2:]]))
    with pytest.raises(ArchiveInvalid, match="signature does not match"):
        verify_archive(edited, key=key)

    dropped = result.archive.with_name("dropped.jsonl")
    dropped.write_bytes(b"".join([lines[0], *lines[2:]]))
    with pytest.raises(ArchiveInvalid, match="does not link"):
        verify_archive(dropped, key=key)

    with pytest.raises(ArchiveInvalid, match="another key"):
        verify_archive(result.archive, key=b"not the key")
    with pytest.raises(CommandError, match="audit archive invalid"):
        call_command("auditarchive", "verify", str(edited), stdout=StringIO())


def test_a_record_deleted_without_an_archive_is_still_found(var, settings):
    _write(3, "old")
    recent = _write(3, "new")
    audit_archive_and_prune(now=recent[0].at + timedelta(days=settings.WEIBAO_AUDIT_RETENTION_DAYS))
    assert audit_verify().ok
    AuditEvent.objects.filter(pk=recent[0].pk).delete()  # behind the application's back
    result = audit_verify()
    assert not result.ok and result.broken_id == recent[1].pk
