"""The HTTP scenarios: wrk's Lua scripts, the gunicorn server, the preflight, the measured runs."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from .cpu import CpuWatch, free_port, wait_quiet
from .env import REPO

LUA_COMMON = r"""
local threads = {}
local counter = 1
function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end
function init(args)
   nonok = 0
   codes = ""
   seen = {}
   math.randomseed(os.time() * 100 + tid)
end
function response(status, headers, body)
   if status < 200 or status > 299 then
      nonok = nonok + 1
      if not seen[status] then
         seen[status] = true
         codes = codes .. status .. " "
      end
   end
end
function done(summary, latency, requests)
   local bad, all_codes = 0, ""
   for _, t in ipairs(threads) do
      bad = bad + t:get("nonok")
      all_codes = all_codes .. t:get("codes")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"codes":"%s","connect":%d,"read":%d,' ..
      '"write":%d,"timeout":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
      summary.requests, summary.duration, bad, all_codes, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean))
end
"""


LUA_LIST = """
request = function()
   return wrk.format("GET", "__PATH__")
end
"""
LUA_DETAIL = """
local ids = {__IDS__}
request = function()
   return wrk.format("GET", "/api/v1/tickets/" .. ids[math.random(#ids)])
end
"""
LUA_CREATE = """
wrk.headers["Content-Type"] = "application/json"
local terms = {__TERMS__}
local departments = {__DEPARTMENTS__}
local n = 0
request = function()
   n = n + 1
   local dept = ""
   if #departments > 0 and math.random() < 0.5 then
      dept = string.format(',"department_id":%d', departments[math.random(#departments)])
   end
   local body = string.format('{"contract_id":__CONTRACT__,"term_id":%d,"title":"压测工单 %d-%d",' ..
      '"description":"基准测试：影像调阅缓慢","caller_name":"张伟","caller_phone":"0752-2288000",' ..
      '"location":"3 号工作站"%s}', terms[math.random(#terms)], tid, n, dept)
   return wrk.format("POST", "/api/v1/tickets", wrk.headers, body)
end
"""


LUA_HOME = """
wrk.headers["Cookie"] = "__COOKIE__"
request = function()
   return wrk.format("GET", "/")
end
"""


def lua_script(scenario: str, info: dict) -> str:
    """The wrk script of a scenario. Each defines ``request`` (wrk's own ``init`` is replaced)."""
    head = f'wrk.headers["Authorization"] = "Bearer {info["token"]}"\n'
    if scenario.startswith("home-"):
        return LUA_HOME.replace("__COOKIE__", info["home_cookies"][scenario]) + LUA_COMMON
    if scenario == "list":
        body = LUA_LIST.replace("__PATH__", info["list_path"])
    elif scenario == "detail":
        body = LUA_DETAIL.replace("__IDS__", ",".join(str(i) for i in info["detail_ids"]))
    elif scenario == "create":
        body = (
            LUA_CREATE.replace("__TERMS__", ",".join(str(i) for i in info["create_terms"]))
            .replace("__DEPARTMENTS__", ",".join(str(i) for i in info["create_departments"]))
            .replace("__CONTRACT__", str(info["create_contract"]))
        )
    else:
        raise ValueError(scenario)
    return head + body + LUA_COMMON


class Server:
    def __init__(self, workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "weibao.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "--error-logfile",
            str(log),
        ]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, cwd=REPO, env=dict(os.environ), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def http(url: str, token: str, *, method: str = "GET", body: dict | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:500]


def http_info(user_name: str, sample: int) -> dict:
    """A token for the bench user and what the scenarios need: the list URL, ticket ids, bodies."""
    from weibao.accounts.models import Department, User
    from weibao.accounts.services import api_token_create
    from weibao.contracts.models import Contract
    from weibao.servicedesk.models import Ticket

    user = User.objects.get(username=user_name)
    _token, raw = api_token_create(user=user, name=f"bench {datetime.now():%Y-%m-%d %H:%M:%S}")
    hospital = next(m.organization for m in user.active_memberships() if m.organization.kind == "hospital")
    contract = Contract.objects.filter(hospital=hospital).order_by("pk").first()
    terms = [
        t.pk
        for t in contract.terms.order_by("pk")
        if any(getattr(t, k) for k in ("response", "onsite", "resolution"))
    ]
    ids = list(Ticket.objects.filter(hospital=hospital).values_list("pk", flat=True))
    rng = random.Random(7)
    from .home import home_cookies

    return {
        "home_cookies": home_cookies(),
        "token": raw,
        "user": user_name,
        "hospital": hospital.short_code,
        "hospital_id": hospital.pk,
        "tickets_of_hospital": len(ids),
        "list_path": f"/api/v1/tickets?hospital={hospital.pk}&open=true&sort=risk&limit=25",
        "detail_ids": rng.sample(ids, min(sample, len(ids))),
        "create_contract": contract.pk,
        "create_terms": terms,
        "create_departments": list(Department.objects.filter(hospital=hospital).values_list("pk", flat=True)),
    }


def preflight(base: str, info: dict) -> dict:
    """One request of each kind, checked, before any load: a bench of errors measures nothing."""
    notes = {}
    status, page = http(base + info["list_path"], info["token"])
    assert status == 200, (status, page)
    items = page["items"]
    dues = [i["next_due_at"] for i in items]
    assert dues == sorted(dues), "list not sorted by next_due_at"
    assert all(i["hospital_id"] == info["hospital_id"] for i in items)
    notes["list_rows"] = len(items)
    notes["list_first_due"] = dues[0] if dues else None
    status, detail = http(f"{base}/api/v1/tickets/{info['detail_ids'][0]}", info["token"])
    assert status == 200 and "timeline" in detail, (status, detail)
    status, created = http(
        base + "/api/v1/tickets",
        info["token"],
        method="POST",
        body={
            "contract_id": info["create_contract"],
            "term_id": info["create_terms"][0],
            "title": "bench preflight",
        },
    )
    assert status == 201 and created["clocks"], (status, created)
    notes["create_clocks"] = len(created["clocks"])
    return notes


def run_wrk(
    scenario: str,
    info: dict,
    server: Server,
    *,
    duration: int,
    warmup: int,
    connections: int,
    quiet: tuple[float, float, int],
) -> dict:
    """Warm up, then measure; measured again (up to ``retries`` times) when other processes used
    more than the threshold of CPU during the measurement."""
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    script = tmp / f"{scenario}.lua"
    script.write_text(lua_script(scenario, info), encoding="utf-8")
    wrk_threads = min(2, connections)
    limit, threshold, retries = quiet

    def once(seconds: int) -> tuple[dict, float, CpuWatch]:
        cmd = ["wrk", "-t", str(wrk_threads), "-c", str(connections), "-d", f"{seconds}s"]
        cmd += ["--timeout", "30s", "-s", str(script), server.url]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with CpuWatch(server.proc.pid if server.proc else None) as watch:
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
        result = json.loads(line[len("BENCHJSON ") :])
        client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return result, client_cpu, watch

    attempts = []
    for attempt in range(retries + 1):
        waited = wait_quiet(limit, threshold, server.proc.pid if server.proc else None)
        if warmup:
            once(warmup)
        r, client_cpu, watch = once(duration)
        seconds = r["duration_us"] / 1e6
        errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
        result = {
            "scenario": scenario,
            "requests": r["requests"],
            "seconds": seconds,
            "rps": r["requests"] / seconds,
            "p50": r["p50"] / 1000,
            "p90": r["p90"] / 1000,
            "p95": r["p95"] / 1000,
            "p99": r["p99"] / 1000,
            "max": r["max"] / 1000,
            "errors": errors,
            "non2xx": r["non2xx"],
            "codes": r["codes"].strip(),
            "socket_errors": {k: r[k] for k in ("connect", "read", "write", "timeout")},
            "client_cpu_cores": client_cpu / seconds,
            "machine_busy_cores": watch.busy,
            "bench_cores": watch.ours,
            "foreign_cores": watch.foreign,
            "foreign_top": watch.top_foreign,
            "steal_cores": watch.steal,
            "worker_cores": watch.workers,
            "waited_s": waited,
            "attempt": attempt + 1,
        }
        attempts.append(result)
        if watch.foreign <= threshold:
            break
        print(
            f"    {scenario}: others used {watch.foreign:.2f} cores during the measurement "
            f"{watch.top_foreign}; {'again' if attempt < retries else 'keeping the least disturbed'}",
            flush=True,
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return min(attempts, key=lambda a: a["foreign_cores"])
