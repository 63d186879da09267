"""The audit log is a hash chain: `weibao audit verify` finds the first edited record."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from weibao.audit.models import AuditEvent, ChainHead
from weibao.audit.services import GENESIS, audit_record, audit_verify, compute_hash

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEvent]:
    return [
        audit_record(action=f"test.{i}", username="tester", detail={"n": i, "名称": "值"}) for i in range(n)
    ]


def test_chain_links_each_record_to_the_previous(capsys):
    events = _write(5)
    assert events[0].prev_hash == GENESIS
    for prev, event in itertools.pairwise(events):
        assert event.prev_hash == prev.hash
    call_command("audit", "verify")
    assert "5 records verified" in capsys.readouterr().out


def test_verify_names_the_first_record_edited_in_the_database():
    events = _write(6)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", events[3].pk])
        cursor.execute("UPDATE audit_auditevent SET success = %s WHERE id = %s", [False, events[4].pk])
    result = audit_verify(batch=2)
    assert not result.ok and result.broken_id == events[3].pk and result.checked == 3
    with pytest.raises(CommandError, match=f"id={events[3].pk}"):
        call_command("audit", "verify")


def test_verify_detects_a_deleted_record():
    events = _write(4)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = audit_verify()
    assert result.broken_id == events[2].pk and "prev_hash" in result.reason


def test_verify_detects_records_cut_off_the_end():
    events = _write(4)
    assert audit_verify().ok
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk])
    result = audit_verify()
    assert not result.ok and result.broken_id == events[1].pk and result.checked == 2
    assert "missing" in result.reason


def test_the_head_follows_the_last_record():
    events = _write(3)
    head = ChainHead.objects.get()
    assert (head.prev_hash, head.hash) == (events[1].hash, events[2].hash)
    # The hashes the database computes (PostgreSQL) are the ones verify recomputes in Python.
    stored = AuditEvent.objects.get(pk=events[2].pk)
    assert stored.hash == compute_hash(stored.prev_hash, stored) == events[2].hash


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need a server")
def test_concurrent_appends_never_fork_the_chain():
    errors: list[BaseException] = []

    def append(k: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record(action=f"test.{k}.{i}", username=f"t{k}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    result = audit_verify()
    assert result.ok and result.checked == 60


def test_records_cannot_be_changed_through_the_application():
    event = _write(1)[0]
    event.action = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.0"


def test_weibao_cli_verify_exit_status(tmp_path):
    import subprocess
    import sys

    # The CLI entry point works end to end on a database of its own.
    env = {"WEIBAO_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50}

    def run(*a):
        return subprocess.run(
            [sys.executable, "-m", "weibao.cli", *a],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("migrate", "-v0").returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout
    # An anchor naming a record that is not there (the log cut short): exit 1, naming it.
    with (tmp_path / "audit-anchor.log").open("a") as f:
        f.write(f"2026-12-01T00:00:00+00:00\tid=999999\thash={'0' * 64}\n")
    broken = run("audit", "verify")
    assert broken.returncode == 1 and "record id=999999" in broken.stderr, broken.stderr
