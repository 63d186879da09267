"""TCP connect, backup freshness (files with mtimes set here, and SQL timestamps), and many
probes at once from a thread pool."""

from __future__ import annotations

import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from weibao.probes.runners import (
    BackupOptions,
    DicomOptions,
    Hl7Options,
    SqlOptions,
    State,
    Target,
    run_probe,
)

from .conftest import PG_DSN, free_port

HOUR = 3600


def test_tcp_listening_is_ok_and_closed_is_crit():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        ok = run_probe("tcp", Target("127.0.0.1", port), timeout=2)
    assert ok.state == State.OK and ok.message.startswith(f"127.0.0.1:{port} accepts connections in ")
    closed = free_port()
    crit = run_probe("tcp", Target("127.0.0.1", closed), timeout=2)
    assert crit.state == State.CRIT and crit.message == f"127.0.0.1:{closed}: connection refused"


def test_tcp_unresolvable_host_is_unknown():
    result = run_probe("tcp", Target("no-such-host.invalid", 80), timeout=2)
    assert result.state == State.UNKNOWN and "cannot resolve host" in result.message


def backups(tmp_path, ages_in_hours: dict[str, float]):
    tmp_path.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for name, hours in ages_in_hours.items():
        path = tmp_path / name
        path.write_bytes(b"backup")
        os.utime(path, (now - hours * HOUR, now - hours * HOUR))
    return tmp_path


def backup(directory, pattern="*.bak", **kwargs):
    return run_probe(
        "backup",
        Target(options=BackupOptions(directory=str(directory), pattern=pattern)),
        timeout=2,
        **kwargs,
    )


def test_backup_newest_file_is_fresh(tmp_path):
    directory = backups(tmp_path, {"his-0101.bak": 72, "his-0102.bak": 3, "notes.txt": 0})
    result = backup(directory)
    assert result.state == State.OK, result
    assert result.message.startswith("the newest backup his-0102.bak is 3.0 h old")
    assert result.metrics[0].label == "age" and abs(result.metrics[0].value - 3 * HOUR) < 60


def test_backup_too_old_is_crit_and_warn_in_between(tmp_path):
    old = backups(tmp_path / "old", {"pacs.bak": 60, "pacs-older.bak": 90})
    crit = backup(old)
    assert crit.state == State.CRIT and "pacs.bak is 60.0 h old" in crit.message
    assert backup(backups(tmp_path / "mid", {"a.bak": 30})).state == State.WARN


def test_no_backup_or_no_directory_is_crit(tmp_path):
    backups(tmp_path, {"other.txt": 1})
    empty = backup(tmp_path)
    assert empty.state == State.CRIT and empty.message == f"no backup matching *.bak in {tmp_path}"
    gone = backup(tmp_path / "unmounted")
    assert gone.state == State.CRIT and "does not exist" in gone.message


def sql_backup(query: str, zone: str = "UTC", dsn: str = PG_DSN):
    options = BackupOptions(sql=SqlOptions(dsn=dsn, query=query), timezone=zone)
    return run_probe("backup", Target(options=options), timeout=10)


def test_backup_age_from_postgresql():
    assert sql_backup("SELECT now() - interval '3 hours'").state == State.OK
    stale = sql_backup("SELECT now() - interval '3 days'")
    assert stale.state == State.CRIT and "72.0 h old" in stale.message
    none = sql_backup("SELECT NULL::timestamptz")
    assert none.state == State.CRIT and "no backup recorded" in none.message
    # a naive timestamp is read in the hospital's zone
    shanghai = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    naive = (shanghai - timedelta(hours=2)).replace(tzinfo=None)
    local = sql_backup(f"SELECT TIMESTAMP '{naive:%Y-%m-%d %H:%M:%S}'", zone="Asia/Shanghai")
    assert local.state == State.OK and "2.0 h old" in local.message


def test_backup_age_from_mariadb(mariadb):
    assert sql_backup("SELECT UTC_TIMESTAMP() - INTERVAL 1 HOUR", dsn=mariadb).state == State.OK
    assert sql_backup("SELECT UTC_TIMESTAMP() - INTERVAL 4 DAY", dsn=mariadb).state == State.CRIT


def test_probes_run_concurrently_from_threads(storescp, hl7_peer, tmp_path):
    """Many probes of several kinds at once: no shared state, each gets its own answer."""
    hl7_port = hl7_peer("AA")
    backups(tmp_path, {"db.bak": 1})
    closed = free_port()
    jobs = []
    for n in range(12):
        jobs.append(
            ("dicom-echo", Target("127.0.0.1", storescp, DicomOptions(calling_aet=f"SCU{n}")), State.OK)
        )
        jobs.append(("hl7", Target("127.0.0.1", hl7_port, Hl7Options(sending_app=f"APP{n}")), State.OK))
        jobs.append(("tcp", Target("127.0.0.1", closed), State.CRIT))
        jobs.append(
            ("backup", Target(options=BackupOptions(directory=str(tmp_path), pattern="*.bak")), State.OK)
        )
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: run_probe(job[0], job[1], timeout=10), jobs))
    assert [r.state for r in results] == [want for _, _, want in jobs]
    echoes = [r.message for (kind, _, _), r in zip(jobs, results, strict=True) if kind == "dicom-echo"]
    assert {m.split("->")[0] for m in echoes} == {f"C-ECHO SCU{n}" for n in range(12)}
