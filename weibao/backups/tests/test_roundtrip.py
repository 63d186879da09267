"""Backup → restore into an empty installation gives the same installation back (SQLite, or
PostgreSQL when DATABASE_URL points at one); a backup taken while tickets are being created
restores to a consistent state; a tampered archive is refused naming the part."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from weibao.backups import dbcopy
from weibao.backups.archive import CHUNK, MAGIC, DecryptingReader, EncryptingWriter, Passphrase
from weibao.backups.services import BackupError, RestoreRefused, backup_create, backup_restore

from .conftest import KEY
from .installation import ENGINEER, PATIENTS, describe, describe_elsewhere, populate

pytestmark = pytest.mark.django_db(transaction=True)


def test_round_trip_into_an_empty_installation(source, target, tmp_path):
    call_command("demo", stdout=StringIO())
    populate(tickets=300)
    out = tmp_path / "weibao.wbk"
    made = backup_create(out=out, key=KEY)
    before = describe()
    assert before["audit"][0] is True
    assert before["patients"][-1] == PATIENTS
    assert len(before["downloads"]) == 100
    assert all(code == 200 for code, _, _ in before["downloads"].values())
    assert made.manifest["counts"]["servicedesk_ticket"] == before["counts"]["servicedesk_ticket"] >= 300
    assert {"keys/secret_key", "keys/fernet.key", "keys/audit.key", "keys/audit-anchor.log"} <= set(
        made.manifest["parts"]
    )
    assert b"servicedesk" not in out.read_bytes()  # encrypted, not merely packed

    result = backup_restore(archive=out, key=KEY, db=target.db, var_dir=target.var)

    assert result.swapped and "intact" in result.verify_output
    after = describe_elsewhere(database_url=target.url, var_dir=target.var)
    assert after == before
    for name in ("secret_key", "fernet.key", "audit.key"):
        assert (target.var / name).read_bytes() == (source / name).read_bytes()
    # The anchors came along; the restore's own verify then anchored the restored chain's end.
    restored_anchors = (target.var / "audit-anchor.log").read_text().splitlines()
    assert (
        restored_anchors[:-1]
        == (source / "audit-anchor.log").read_text().splitlines()[: len(restored_anchors) - 1]
    )
    assert restored_anchors[-1].split()[1:] == restored_anchors[-2].split()[1:]
    assert not list(target.var.glob(".restore*"))  # the staging place is gone


def test_a_restore_refuses_an_installation_holding_data(source, tmp_path):
    populate(tickets=2)
    out = tmp_path / "b.wbk"
    backup_create(out=out, key=KEY)
    with pytest.raises(RestoreRefused):
        backup_restore(archive=out, key=KEY, var_dir=source)
    with pytest.raises(BackupError, match="chunk 0 fails authentication"):
        backup_restore(
            archive=out, key=Passphrase(b"wrong passphrase!"), db=_scratch_target(tmp_path), var_dir=tmp_path
        )


def _scratch_target(tmp_path):
    if connection.vendor == "sqlite":
        return {"ENGINE": "weibao.core.db.sqlite3", "NAME": str(tmp_path / "scratch.sqlite3")}
    return {
        **connection.settings_dict,
        "NAME": connection.settings_dict["NAME"].removeprefix("test_") + "_never",
    }


def _chunk_offset(data: bytes, index: int) -> int:
    """Where chunk ``index`` of an archive starts (its length prefix)."""
    pos = len(MAGIC)
    pos += 4 + int.from_bytes(data[pos : pos + 4], "big")
    for _ in range(index):
        pos += 4 + int.from_bytes(data[pos : pos + 4], "big")
    return pos


def test_one_byte_changed_is_refused_naming_the_chunk_and_part(source, target, tmp_path):
    populate(tickets=1)
    (source / "media" / "big").mkdir()
    (source / "media" / "big" / "scan.bin").write_bytes(os.urandom(3 * CHUNK + 100))
    out = tmp_path / "b.wbk"
    backup_create(out=out, key=KEY)
    with out.open("rb") as handle, tarfile.open(fileobj=DecryptingReader(handle, KEY), mode="r|") as tar:
        start = next(m.offset_data for m in tar if m.name == "media/big/scan.bin")
    chunk = (start + CHUNK + 10) // CHUNK  # a chunk well inside the 3 MiB file
    data = bytearray(out.read_bytes())
    data[_chunk_offset(bytes(data), chunk) + 1000] ^= 0x01
    tampered = tmp_path / "tampered.wbk"
    tampered.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=rf"chunk {chunk} fails authentication.*media/big/scan\.bin"):
        backup_restore(archive=tampered, key=KEY, db=target.db, var_dir=target.var)
    assert not (target.var / "media").exists() and not dbcopy.holds_data(target.db)

    # An archive re-encrypted with the right key but a part changed: its SHA-256 names it.
    plain = io.BytesIO()
    with out.open("rb") as handle:
        reader = DecryptingReader(handle, KEY)
        with tarfile.open(fileobj=reader, mode="r|") as tar, tarfile.open(fileobj=plain, mode="w") as copy:
            for member in tar:
                body = tar.extractfile(member).read()
                if member.name == "keys/fernet.key":
                    body = body[:-1] + bytes([body[-1] ^ 1])
                copy.addfile(member, io.BytesIO(body))
    forged = tmp_path / "forged.wbk"
    with forged.open("wb") as handle:
        writer = EncryptingWriter(handle, KEY)
        writer.write(plain.getvalue())
        writer.close()
    with pytest.raises(BackupError, match=r"part keys/fernet\.key does not match its SHA-256"):
        backup_restore(archive=forged, key=KEY, db=target.db, var_dir=target.var)
    assert not (target.var / "fernet.key").exists() and not dbcopy.holds_data(target.db)


LOOP = f"""
import os, sys, django
django.setup()
from weibao.accounts.models import User
from weibao.contracts.models import Contract
from weibao.servicedesk.services import ticket_create
contract = Contract.objects.get(code="T-backup")
terms = list(contract.terms.order_by("number")[:3])
engineer = User.objects.get(username="{ENGINEER}")
for i in range(5000):
    if os.path.exists(sys.argv[1]):
        break
    ticket_create(actor=engineer, contract=contract, term=terms[i % 3], title=f"并发 {{i}}", respond=i % 2 == 0)
    print(i + 1, flush=True)
"""

CHECK = """
import json, django
django.setup()
from weibao.audit.models import AuditEvent
from weibao.servicedesk.models import Ticket
ids = set(Ticket.objects.values_list("id", flat=True))
audited = {int(x) for x in AuditEvent.objects.filter(action="ticket.create").values_list("object_id", flat=True)}
print(json.dumps({"tickets": len(ids), "without_clocks": Ticket.objects.filter(clocks__isnull=True).count(),
                  "unaudited": len(ids - audited)}))
"""


def test_a_backup_taken_while_tickets_are_created_restores_consistent(source, target, tmp_path):
    populate(tickets=3, attach_every=100)
    if connection.vendor == "sqlite":  # the test database lives in memory: give the site a file
        live = tmp_path / "live.sqlite3"
        copy = sqlite3.connect(live)
        connection.connection.backup(copy)
        copy.close()
        url = f"sqlite:///{live}"
    else:
        url = dbcopy.pg_url(connection.settings_dict, connection.settings_dict["NAME"])
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WEIBAO_VAR_DIR": str(source),
        "DJANGO_SETTINGS_MODULE": "weibao.settings",
        "WEIBAO_BACKUP_PASSPHRASE": KEY.secret.decode(),
    }
    stop = tmp_path / "stop"
    loop = subprocess.Popen(
        [sys.executable, "-c", LOOP, str(stop)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(20):  # the loop is writing before the backup starts
            assert loop.stdout.readline(), loop.stderr.read()
        out = tmp_path / "live.wbk"
        made = subprocess.run(
            [sys.executable, "-m", "weibao.cli", "backup", "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert made.returncode == 0, made.stderr
        time.sleep(0.5)
    finally:
        stop.touch()
        rest, err = loop.communicate(timeout=600)
    assert loop.returncode == 0, err
    created = int(rest.split()[-1]) if rest.split() else 20

    result = backup_restore(archive=out, key=KEY, db=target.db, var_dir=target.var)
    in_backup = result.manifest["counts"]["servicedesk_ticket"]
    assert 3 + 20 <= in_backup < 3 + created  # taken while the loop was writing
    check = subprocess.run(
        [sys.executable, "-c", CHECK],
        env={**env, "DATABASE_URL": target.url, "WEIBAO_VAR_DIR": str(target.var)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout) == {"tickets": in_backup, "without_clocks": 0, "unaudited": 0}


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the older copy is made by editing a SQLite file")
def test_an_older_backup_is_migrated_forward(source, target, tmp_path):
    populate(tickets=2)
    out = tmp_path / "b.wbk"
    backup_create(out=out, key=KEY)
    # Make it the backup of an installation from before the backups app: no table, no migration.
    parts = {}
    with out.open("rb") as handle, tarfile.open(fileobj=DecryptingReader(handle, KEY), mode="r|") as tar:
        for member in tar:
            parts[member.name] = tar.extractfile(member).read()
    db_file = tmp_path / "old.sqlite3"
    db_file.write_bytes(parts["database/weibao.sqlite3"])
    old = sqlite3.connect(db_file)
    old.execute("DROP TABLE backups_auditprune")
    old.execute("DELETE FROM django_migrations WHERE app = 'backups'")
    old.commit()
    old.close()
    parts["database/weibao.sqlite3"] = db_file.read_bytes()
    manifest = json.loads(parts.pop("manifest.json"))
    del manifest["counts"]["backups_auditprune"]
    manifest["counts"]["django_migrations"] -= 1
    del manifest["migrations"]["backups"]
    manifest["parts"]["database/weibao.sqlite3"] = {
        "sha256": hashlib.sha256(parts["database/weibao.sqlite3"]).hexdigest(),
        "size": len(parts["database/weibao.sqlite3"]),
    }
    parts["manifest.json"] = json.dumps(manifest).encode()
    older = tmp_path / "older.wbk"
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as tar:
        for name, body in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    with older.open("wb") as handle:
        writer = EncryptingWriter(handle, KEY)
        writer.write(plain.getvalue())
        writer.close()

    result = backup_restore(archive=older, key=KEY, db=target.db, var_dir=target.var)

    assert result.swapped and "intact" in result.verify_output
    restored = sqlite3.connect(target.db["NAME"])
    applied = restored.execute("SELECT name FROM django_migrations WHERE app = 'backups'").fetchall()
    assert applied == [("0001_initial",)]
    assert restored.execute("SELECT COUNT(*) FROM backups_auditprune").fetchone() == (0,)
    restored.close()
