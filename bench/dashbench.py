"""The vendor manager's dashboard over many contracts (issue 16: p95 ≤ 300 ms at 200 contracts).

``load-contracts`` gives the demo vendor (DEMOPACS) contracts in force up to ``--contracts`` from
the shipped templates, through :func:`weibao.contracts.services.contract_create_from_template`
(so each has its template's terms, assessments, deliverables and payment milestones), ten to a
hospital, and a few generated tickets each. ``dashboard`` times ``GET /`` (我的工作台 with the
合同款项 panel) and ``GET /money/`` for the vendor manager; see :mod:`reports_bench`.
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import time
from datetime import date
from decimal import Decimal

from sdbench.env import configure, django_setup, redacted

DEMO_VENDOR = "DEMOPACS"
#: The shipped templates, in turn: start months chosen so every contract is in force in Dec 2026.
TEMPLATES = ("pacs-huizhou", "pacs-guangxi", "drg-wuhan", "his-3y", "regional-zhenhai")
#: What each page must show for the vendor manager (the preflight).
MARKS = {"/": "合同款项", "/money/": "合同款项"}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def make_vendor_contracts(count: int, *, per_hospital: int) -> list[int]:
    """Contracts of the demo vendor up to ``count`` in all (idempotent); returns the new ones' ids."""
    from django.db import transaction

    from weibao.accounts.choices import OrgKind
    from weibao.accounts.models import Organization
    from weibao.contracts.models import Contract
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template

    vendor = Organization.objects.get(short_code=DEMO_VENDOR)
    templates = [get_template(code) for code in TEMPLATES]
    made: list[int] = []
    n = Contract.objects.filter(vendor=vendor, code__startswith="DASH-").count()
    have = Contract.objects.filter(vendor=vendor).count()
    while have < count:
        h = n // per_hospital + 1
        with transaction.atomic():
            hospital, _ = Organization.objects.get_or_create(
                short_code=f"DH{h:03d}", defaults={"name": f"看板压测医院{h:03d}", "kind": OrgKind.HOSPITAL}
            )
            template = templates[n % len(templates)]
            contract = contract_create_from_template(
                actor=None,
                template=template,
                hospital=hospital,
                vendor=vendor,
                start=date(2026, 1 + n % 11, 1),
                amount=template.amount or Decimal("300000"),
                code=f"DASH-{n + 1:04d}",
                title=f"看板压测合同 {n + 1:04d}（{TEMPLATES[n % len(TEMPLATES)]}）",
            )
        made.append(contract.pk)
        n += 1
        have += 1
    return made


def cmd_load_contracts(args) -> int:
    url = configure()
    django_setup()
    from django.utils import timezone
    from sdbench.data import Generator
    from sdbench.load import insert_tickets

    from weibao.contracts.models import Contract

    print(f"database: {redacted(url)}")
    t0 = time.perf_counter()
    made = make_vendor_contracts(args.contracts, per_hospital=args.per_hospital)
    in_force = Contract.objects.filter(vendor__short_code=DEMO_VENDOR).in_force().count()
    print(
        f"{len(made)} new contracts in {time.perf_counter() - t0:,.0f} s; {in_force} of {DEMO_VENDOR} in force"
    )
    if made and args.tickets > 0:
        t0 = time.perf_counter()
        gen = Generator(now=timezone.now(), seed=args.seed, open_fraction=0.1)
        gen.sites = [s for s in gen.sites if s.contract_id in set(made)]
        totals = insert_tickets(gen, args.tickets * len(made))
        print(f"{totals['tickets']:,} tickets on the new contracts in {time.perf_counter() - t0:,.0f} s")
    return 0


def _client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from weibao.accounts.mfa import has_device, mfa_required
    from weibao.testing.mfa import totp_device

    client = Client()
    client.force_login(user)
    if mfa_required(user) or has_device(user):  # a vendor manager needs none; a device is honoured
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def _summary(label: str, samples: list[tuple[float, float, int]]) -> str:
    walls = sorted(s[0] * 1000 for s in samples)
    cpus = [s[1] * 1000 for s in samples]
    queries = sorted({s[2] for s in samples})
    p95 = walls[max(0, math.ceil(0.95 * len(walls)) - 1)]  # nearest rank
    return (
        f"{label}: n={len(walls)} p50 {statistics.median(walls):.0f} ms, p95 {p95:.0f} ms, "
        f"max {walls[-1]:.0f} ms; CPU of the process median {statistics.median(cpus):.0f} ms; "
        f"queries {queries[0]}–{queries[-1]}"
    )


def _minute_expirer():
    """A function that drops the figures kept a minute (``WEIBAO_DASHBOARD_SECONDS``: the money
    rows, the workload, the breaches of the month) and keeps the 12-week ones (ten minutes): the
    page as a manager finds it coming back after a few minutes. None without Redis."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url)

    def expire() -> None:
        for pattern in ("*wb:home:v1:money:*", "*wb:home:v1:workload:*", "*wb:home:v1:breached-*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)

    return expire


def _panels_cold(user) -> None:
    """Each home panel's cost on an empty cache: where a cold page's time goes."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from weibao.core.views import _home_panels

    cache.clear()
    request = RequestFactory().get("/")
    request.user = user
    for _order, fn in _home_panels:
        t0, c0 = time.perf_counter(), _cpu()
        with CaptureQueriesContext(connection) as q:
            panel = fn(request)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        if panel is not None:
            print(
                f"  panel {fn.__module__}.{fn.__name__}: {wall * 1000:.0f} ms wall, "
                f"{cpu * 1000:.0f} ms CPU, {len(q)} queries"
            )


def cmd_dashboard(args) -> int:
    url = configure()
    django_setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.accounts.models import User
    from weibao.contracts.models import Contract
    from weibao.reports.money import money_contracts
    from weibao.servicedesk.models import Ticket

    user = User.objects.get(username=args.user)
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    contracts = money_contracts(user).count()
    print(
        f"database: {redacted(url)}; {args.user}: {contracts} contracts in force "
        f"({Contract.objects.visible_to(user).count()} visible), "
        f"{Ticket.objects.visible_to(user).count():,} tickets visible"
    )
    client = _client(user)

    def get(path: str) -> tuple[tuple[float, float, int], bytes]:
        t0, c0 = time.perf_counter(), _cpu()
        with CaptureQueriesContext(connection) as q:
            r = client.get(path)
        assert r.status_code == 200 and MARKS[path] in r.content.decode(), (path, r.status_code)
        return (time.perf_counter() - t0, _cpu() - c0, len(q)), r.content

    expire = _minute_expirer()
    for path in ("/", "/money/"):
        cache.clear()  # this bench's Redis db only: the first request computes every figure
        first, _body = get(path)  # the process's first request of the page (templates, imports)
        cache.clear()
        cold, body = get(path)  # the cache empty, the process warm
        samples = [get(path)[0] for _ in range(args.requests)]
        print(
            f"GET {path} in-process ({len(body):,} bytes): first of the process {first[0] * 1000:.0f} ms; "
            f"cache empty {cold[0] * 1000:.0f} ms wall, {cold[1] * 1000:.0f} ms CPU, {cold[2]} queries; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print("  " + _summary("warm", samples), flush=True)
        if expire is not None:
            revisits = []
            for _ in range(max(5, args.requests // 5)):
                expire()
                revisits.append(get(path)[0])
            print("  " + _summary("one-minute figures expired", revisits), flush=True)
    print("cold home panels, one by one:")
    _panels_cold(user)
    if args.base:
        _over_http(args, client)
    return 0


def _over_http(args, client) -> None:
    """The same pages through the server: the first request after the cache is emptied, then
    ``--warmup`` requests (each worker process's first page costs its templates and imports, so
    they are reported apart), then ``--requests`` measured ones."""
    import urllib.request

    from django.conf import settings
    from django.core.cache import cache

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def get(path: str) -> float:
        request = urllib.request.Request(args.base.rstrip("/") + path, headers={"Cookie": cookie})
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as r:
            body = r.read().decode()
        assert r.status == 200 and MARKS[path] in body and r.url.endswith(path), (path, r.status, r.url)
        return time.perf_counter() - t0

    for path in ("/", "/money/"):
        cache.clear()
        cold = get(path)
        warmup = [get(path) for _ in range(args.warmup)]
        walls = [get(path) for _ in range(args.requests)]
        print(
            f"GET {path} over HTTP ({args.base}): cache empty {cold * 1000:.0f} ms; "
            f"{len(warmup)} warm-up requests max {max(warmup, default=0) * 1000:.0f} ms; "
            + _summary("measured", [(w, 0.0, 0) for w in walls]).split("; CPU")[0]
            + f"; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
