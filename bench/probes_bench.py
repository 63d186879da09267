"""Benchmark of the probe runtime: 1,000 mixed probes against local peers, in one process.

Run: ``.venv/bin/python bench/probes_bench.py [--probes 1000] [--concurrency 64] [--rounds 2]``

Starts the peers in their own processes (DCMTK's ``storescp --fork`` for DICOM C-ECHO, the tests'
hl7apy MLLP receiver for HL7, a threading HTTP server and a threading HTTPS server with a
certificate made here for HTTP, TCP and TLS), makes a throw-away SQLite database with one hospital,
one system and 1,000 probes (TCP, HTTP, DICOM echo, HL7, TLS in equal parts), and times
``runtime.run_due()``: picking the due probes, running them in the bounded thread pool, and
recording results and states in bulk. Each round makes every probe due again. Target: <= 15 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_S = 15.0

WEB_PEER = textwrap.dedent(
    """
    import ssl, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        def log_message(self, *a): pass
        def do_GET(self):
            body = b"<html>HIS status=UP</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class S(ThreadingHTTPServer):
        request_queue_size = 256
        daemon_threads = True

    server = S(("127.0.0.1", 0), H)
    if len(sys.argv) > 2:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """
)


def start(args: list[str], cwd: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.isdigit():
        raise RuntimeError(f"{args[0]} did not start: {line}")
    return proc, int(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="probes-bench-"))
    os.environ["WEIBAO_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "weibao.settings"
    os.environ["WEIBAO_PROBE_CONCURRENCY"] = str(opts.concurrency)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from weibao.accounts.models import Organization
    from weibao.contracts.models import Endpoint, MaintainedSystem
    from weibao.probes import runtime
    from weibao.probes.models import Probe, ProbeResult
    from weibao.probes.tests.conftest import free_port, make_certificate, wait_listening

    procs: list[subprocess.Popen] = []
    try:
        storescp = shutil.which("storescp")
        if storescp is None:
            print("storescp is missing (apt-get install dcmtk)")
            return 2
        dicom_port = free_port()
        procs.append(
            subprocess.Popen(
                [storescp, "--fork", str(dicom_port)],
                cwd=work,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_listening(dicom_port)
        peer = ROOT / "weibao/probes/tests/peers/hl7_peer.py"
        proc, hl7_port = start([sys.executable, str(peer), "AA"], work)
        procs.append(proc)
        (work / "web_peer.py").write_text(WEB_PEER)
        proc, http_port = start([sys.executable, str(work / "web_peer.py")], work)
        procs.append(proc)
        cert, key = make_certificate(work, days=90)
        proc, https_port = start([sys.executable, str(work / "web_peer.py"), str(cert), str(key)], work)
        procs.append(proc)

        call_command("migrate", verbosity=0)
        hospital = Organization.objects.create(name="基准医院", kind="hospital")
        system = MaintainedSystem.objects.create(
            hospital=hospital, code="bench", name="基准系统", kind="PACS"
        )
        kinds = [
            ("tcp", http_port, {}),
            ("http", http_port, {"expect": "status=UP"}),
            ("dicom-echo", dicom_port, {"called_aet": "STORESCP"}),
            ("hl7", hl7_port, {}),
            ("tls", https_port, {"ca_file": str(cert)}),
        ]
        endpoints = Endpoint.objects.bulk_create(
            [
                Endpoint(system=system, name=f"{k} {p}", kind="tcp", host="127.0.0.1", port=p)
                for k, p, _o in kinds
            ]
        )
        now = timezone.now()
        Probe.objects.bulk_create(
            [
                Probe(
                    endpoint=endpoints[i % len(kinds)],
                    name=f"{kinds[i % len(kinds)][0]} #{i}",
                    kind=kinds[i % len(kinds)][0],
                    options=kinds[i % len(kinds)][2],
                    interval_seconds=60,
                    timeout_seconds=10,
                    next_run_at=now,
                )
                for i in range(opts.probes)
            ],
            batch_size=500,
        )
        print(
            f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · {opts.probes} probes, {opts.concurrency} threads"
        )
        walls = []
        for r in range(opts.rounds):
            Probe.objects.update(next_run_at=timezone.now() - timedelta(seconds=1))
            t0 = time.perf_counter()
            summary = runtime.run_due()
            wall = time.perf_counter() - t0
            walls.append(wall)
            print(f"round {r + 1}: {wall:.2f} s wall · ran {summary.ran} · states {summary.states}")
        slow = Probe.objects.exclude(state=0).values_list("kind", "last_message")[:5]
        for kind, message in slow:
            print(f"  not OK: {kind}: {message}")
        print(f"results stored: {ProbeResult.objects.count()}")
        best = min(walls)
        print(f"best {best:.2f} s (target <= {TARGET_S:.0f} s): {'met' if best <= TARGET_S else 'NOT met'}")
        return 0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
