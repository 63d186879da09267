"""``weibao probes check``: first line, perfdata, exit code.

The main cases run ``weibao`` as a subprocess, as Nagios would; the rest run the same command in
this process (each subprocess pays Django's start-up, seconds on a loaded machine).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PG_DSN, free_port

WEIBAO = str(Path(sys.executable).parent / "weibao")
LINE = re.compile(r"^(?P<state>OK|WARN|CRIT|UNKNOWN) (?P<message>[^|\n]+?)(?: \| (?P<perf>.+))?$")
PERF_ITEM = re.compile(r"^(?:'[^']+'|[^\s=']+)=-?[0-9.]+(?:[a-zA-Z%]+)?(?:;[~@:0-9.-]*){0,4}$")


def _parse(stdout: str, stderr: str = "") -> tuple[str, re.Match]:
    first = stdout.splitlines()[0] if stdout else ""
    match = LINE.match(first)
    assert match, f"not a Nagios line: {stdout!r} {stderr!r}"
    if match["perf"]:
        for item in match["perf"].split(" "):
            assert PERF_ITEM.match(item), item
    return first, match


def run_weibao(*args: str) -> tuple[int, str, re.Match]:
    """``weibao probes check ARGS`` in a subprocess."""
    proc = subprocess.run(
        [WEIBAO, "probes", "check", *args], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )
    first, match = _parse(proc.stdout, proc.stderr)
    return proc.returncode, first, match


def check(*args: str) -> tuple[int, str, re.Match]:
    """The same command run in this process: its output and the code it exits with."""
    from weibao.probes.management.commands.probes import Command

    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        Command(stdout=out).run_from_argv(["weibao", "probes", "check", *args])
    first, match = _parse(out.getvalue())
    return exited.value.code, first, match


def test_ok_line_with_perfdata_and_exit_0():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        code, line, match = run_weibao(
            "--kind", "tcp", "--host", "127.0.0.1", "--port", str(port), "--warn", "1", "--crit", "2"
        )
    assert code == 0
    assert match["state"] == "OK" and match["message"].startswith(f"127.0.0.1:{port} accepts connections in ")
    assert re.fullmatch(r"time=[0-9.]+s;1;2;0", match["perf"]), line


def test_crit_exit_2_without_perfdata():
    port = free_port()
    code, line, _ = run_weibao("--kind", "tcp", "--host", "127.0.0.1", "--port", str(port))
    assert (code, line) == (2, f"CRIT 127.0.0.1:{port}: connection refused")


def test_warn_exit_1_backup_with_hour_thresholds(tmp_path):
    path = tmp_path / "his.bak"
    path.write_bytes(b"x")
    three_hours_ago = time.time() - 3 * 3600
    os.utime(path, (three_hours_ago, three_hours_ago))
    code, _, match = run_weibao(
        "--kind", "backup", "--path", str(tmp_path), "--glob", "*.bak", "--warn", "2h", "--crit", "1d"
    )
    assert code == 1 and match["state"] == "WARN"
    assert re.fullmatch(r"age=10[78]\d\ds;~:7200;~:86400", match["perf"]), match["perf"]


def test_tls_days_thresholds_from_the_command_line(web_server):
    port, ca_file = web_server(cert_days=20)
    args = ["--kind", "tls", "--host", "127.0.0.1", "--port", str(port), "--ca-file", ca_file]
    code, _, match = check(*args)
    assert code == 1 and match["perf"].endswith(";30:;7:")
    assert check(*args, "--warn", "10", "--crit", "5")[0] == 0
    assert check(*args, "--warn", "40", "--crit", "25")[0] == 2
    assert check("--kind", "tls", "--host", "127.0.0.1", "--port", str(port))[0] == 2  # self-signed


def test_dicom_from_the_command_line(storescp, dcmqrscp):
    code, _, match = check(
        "--kind", "dicom-echo", "--host", "127.0.0.1", "--port", str(storescp), "--called-aet", "STORESCP"
    )
    assert code == 0 and match["perf"].startswith("time=")
    qr_port, _ = dcmqrscp
    code, line, _ = run_weibao(
        "--kind",
        "dicom-echo",
        "--host",
        "127.0.0.1",
        "--port",
        str(qr_port),
        "--called-aet",
        "WRONG",
        "--timeout",
        "5",
    )
    # storescp rejects the association ("Called AE title not recognised"); on a loaded machine it
    # sometimes aborts it instead. Either way the check is CRIT and names the AE titles it used.
    assert code == 2 and line.startswith("CRIT") and "WRONG" in line
    assert "Called AE title not recognised" in line or "aborted by the peer" in line


def test_worklist_from_the_command_line(worklist_server):
    port, aet = worklist_server(items_on=["20261202"])
    base = ["--kind", "dicom-worklist", "--host", "127.0.0.1", "--port", str(port), "--called-aet", aet]
    code, _, match = check(*base, "--now", "2026-12-02T10:00")
    assert code == 0 and match["perf"].startswith("items=1;;;0 ")
    code, _, match = check(*base, "--now", "2026-12-03T10:00")
    assert code == 1 and "during working hours" in match["message"]
    assert check(*base, "--now", "2026-12-03T10:00", "--working-hours", "12:00-18:00")[0] == 0


def test_hl7_and_sql_from_the_command_line(hl7_peer):
    code, line, _ = check("--kind", "hl7", "--host", "127.0.0.1", "--port", str(hl7_peer("AE")))
    assert code == 2 and "answered AE (application error)" in line
    assert check("--kind", "hl7", "--host", "127.0.0.1", "--port", str(hl7_peer("AA")))[0] == 0
    code, _, match = check(
        "--kind", "sql", "--dsn", PG_DSN, "--query", "SELECT 7", "--warn", "5", "--crit", "10"
    )
    assert code == 1 and match["perf"].startswith("value=7;5;10 ")


def test_http_from_the_command_line(web_server):
    port, _ = web_server()
    base = ["--kind", "http", "--host", "127.0.0.1", "--port", str(port)]
    assert check(*base, "--expect", "运行正常")[0] == 0
    assert check(*base, "--path", "/down")[0] == 2
    assert check("--kind", "http", "--url", f"http://127.0.0.1:{port}/", "--expect", "DOWN")[0] == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "the following arguments are required: --kind"),
        (["--kind", "ftp"], "invalid choice: 'ftp'"),
        (["--kind", "tcp", "--host", "127.0.0.1", "--port", "eighty"], "invalid int value"),
        (["--kind", "tcp", "--host", "127.0.0.1", "--port", "70000"], "port 70000 out of range"),
        (["--kind", "tcp", "--host", "127.0.0.1", "--port", "80", "--warn", "5:1"], "start is above end"),
        (
            ["--kind", "tcp", "--host", "127.0.0.1", "--port", "80", "--timeout", "0"],
            "timeout must be positive",
        ),
        (["--kind", "dicom-worklist", "--host", "h", "--port", "104", "--working-hours", "8-18"], "bad time"),
        (["--kind", "sql", "--query", "SELECT 1"], "unknown SQL driver"),
        (["--kind", "backup"], "give a directory"),
        (["--kind", "tcp", "--port", "80"], "no host given"),
        (
            ["--kind", "tcp", "--host", "127.0.0.1", "--port", "80", "--bogus"],
            "unrecognized arguments: --bogus",
        ),
    ],
)
def test_bad_arguments_are_unknown_exit_3(args, says):
    code, line, match = check(*args)
    assert code == 3 and match["state"] == "UNKNOWN", line
    assert says in line


def test_bad_arguments_from_the_real_command_line():
    code, line, _ = run_weibao("--kind", "tcp", "--port", "eighty")
    assert code == 3 and line.startswith("UNKNOWN bad arguments: argument --port: invalid int value")
