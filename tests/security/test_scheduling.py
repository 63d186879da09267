"""Several workers, several hosts: the periodic jobs run once per tick, and the status page shows
the workers, the queue, the outbox and the periodic runs (issue 12)."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time

import pytest

ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))


# --- 7. Several workers, several hosts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "wait"),
    [(0.0, 1.0), (0.5, 0.5), (1.0, 60.0), (30.0, 31.0), (59.99, 1.01)],
)
def test_the_periodic_check_is_at_a_fixed_second_of_each_minute(wall, wait):
    from weibao.core.scheduler import next_check

    assert next_check(1_800_000_000 + wall, 100.0) == pytest.approx(100.0 + wait)


@pytest.mark.django_db
def test_two_schedulers_enqueue_each_periodic_job_once_per_tick(monkeypatch):
    """huey runs a scheduler in every consumer and each enqueued every periodic job: two workers,
    every job twice. The first scheduler to claim (job, tick) enqueues it; the other skips it."""
    import threading
    from datetime import UTC, datetime

    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    from weibao.core.models import PeriodicRun
    from weibao.core.scheduler import Scheduler

    autodiscover_modules("tasks")  # as the worker does: every app's periodic jobs
    # A scheduler runs in its own thread and closes its stale connections; here it shares the test's.
    monkeypatch.setattr("weibao.core.scheduler._close_old_connections", lambda: None)
    HUEY.immediate = False
    HUEY.flush()
    try:
        one, two = (Scheduler(HUEY, threading.Event(), 1, True) for _ in range(2))
        minute = datetime(2026, 12, 3, 3, 40, tzinfo=UTC).timestamp()  # the nightly jobs are due too
        one.wall = two.wall = lambda: minute + 1.2
        one.enqueue_periodic_tasks(None)
        two.enqueue_periodic_tasks(None)
        due = {t.name for t in HUEY.read_periodic(datetime(2026, 12, 3, 3, 40))}
        assert len(due) >= 4 and HUEY.pending_count() == len(due)
        assert sorted(HUEY.dequeue().name for _ in due) == sorted(due)
        assert set(PeriodicRun.objects.values_list("task", flat=True)) == due
        # The next minute is a new tick.
        two.wall = lambda: minute + 61.5
        two.enqueue_periodic_tasks(None)
        assert HUEY.pending_count() >= 3 and PeriodicRun.objects.count() == len(due) + HUEY.pending_count()
    finally:
        HUEY.flush()
        HUEY.immediate = True


@pytest.mark.django_db
def test_a_periodic_run_records_who_ran_it_and_when():
    from datetime import UTC, datetime

    from huey.contrib.djhuey import HUEY

    from weibao.core.models import PeriodicRun
    from weibao.core.scheduler import claim_tick
    from weibao.core.tasks import heartbeat

    task = heartbeat.s()
    tick = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert claim_tick(task.name, tick, task.id) and not claim_tick(task.name, tick, "another")
    HUEY.execute(task)
    run = PeriodicRun.objects.get()
    assert run.started_at and run.finished_at and run.ran_by and not run.error


@pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
    reason="two workers on PostgreSQL and Redis (make test-pg)",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_periodic_job_once_per_tick(tmp_path):
    """Issue 12: the README says any number of worker hosts may run, yet every worker's
    scheduler enqueued every periodic job. Two `weibao worker` processes on PostgreSQL and Redis
    for three minutes: each periodic job ran once per tick, every-minute jobs on every minute."""
    import uuid
    from collections import Counter, defaultdict
    from datetime import datetime

    from django.db import connection

    from weibao.core.models import Heartbeat, PeriodicRun

    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        database_url = database_url.replace("@", f":{db['PASSWORD']}@", 1)
    queue = f"weibao-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WEIBAO_HUEY_NAME": queue,
        "WEIBAO_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
    }
    env.pop("WEIBAO_HUEY_IMMEDIATE", None)
    logs = [(tmp_path / f"worker-{i}.log").open("w") for i in range(2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "weibao.cli", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for log in logs
    ]

    def check_alive() -> None:
        for i, w in enumerate(workers):
            assert w.poll() is None, "a worker stopped: " + (tmp_path / f"worker-{i}.log").read_text()[-2000:]

    try:
        # Three minutes from the moment both schedulers run (each has written its heartbeat),
        # and a few seconds more for the third tick's jobs to finish.
        deadline = time.monotonic() + 120
        while Heartbeat.objects.filter(name__startswith="worker:").count() < 2:
            check_alive()
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.5)
        started = time.monotonic()
        while time.monotonic() - started < 190:
            check_alive()
            time.sleep(1)
    finally:
        for w in workers:
            w.send_signal(signal.SIGINT)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        for log in logs:
            log.close()
        from huey import RedisHuey

        RedisHuey(queue, url=os.environ["REDIS_URL"]).storage.flush_all()

    line = re.compile(r"periodic run task=(\S+) tick=(\S+) by=(\S+)")
    runs = [m.groups() for i in range(2) for m in line.finditer((tmp_path / f"worker-{i}.log").read_text())]
    assert runs, (tmp_path / "worker-0.log").read_text()[-3000:]
    per_tick = Counter((task, tick) for task, tick, _ in runs)
    assert set(per_tick.values()) == {1}, [k for k, v in per_tick.items() if v > 1]
    assert "-" not in {tick for _, tick in per_tick}
    ticks: dict[str, list[datetime]] = defaultdict(list)
    for task, tick in per_tick:
        ticks[task].append(datetime.strptime(tick, "%Y-%m-%dT%H:%MZ"))
    for every_minute in ("heartbeat", "sla_scan", "drain_outbox"):
        minutes = sorted(ticks[every_minute])
        assert len(minutes) >= 3, (every_minute, minutes)
        assert all((b - a).total_seconds() == 60 for a, b in itertools.pairwise(minutes))
    # Both workers were alive and checking (each writes its own heartbeat), and every run claimed
    # in the database finished once.
    assert Heartbeat.objects.filter(name__startswith="worker:").count() == 2
    assert PeriodicRun.objects.count() == len(per_tick)
    assert not PeriodicRun.objects.filter(finished_at__isnull=True).exists()


# --- 5 (cont.). The status page ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_status_page_shows_workers_queue_outbox_and_periodic_runs(client_for, platform_admin, contract):
    from datetime import timedelta

    from django.utils import timezone

    from weibao.core.models import Heartbeat, PeriodicRun
    from weibao.core.scheduler import beat
    from weibao.servicedesk.services import ticket_create

    client = client_for(platform_admin)
    status = client.get("/api/v1/status").json()
    assert status["status"] == "degraded" and set(status["problems"]) >= {"no_worker", "queue_silent"}
    page = client.get("/status/").content.decode()
    assert "运行状态" in page and "没有运行中的后台进程" in page and "最近一小时没有后台进程的心跳" in page

    beat(started_at=timezone.now())
    Heartbeat.objects.create(name="worker:old-host:42", at=timezone.now() - timedelta(minutes=5))
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})
    PeriodicRun.objects.create(
        task="weibao.servicedesk.tasks.sla_scan",
        tick=timezone.now().replace(second=0, microsecond=0),
        ran_by="host:1",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    ticket_create(actor=None, contract=contract, term=contract.terms.get(number=1), title="待通知")
    status = client.get("/api/v1/status").json()
    assert status["status"] == "ok" and status["problems"] == []
    assert [w["alive"] for w in status["workers"]] == [True, False]
    assert status["backlog"]["outbox"]["notices_due"] == 1
    assert status["queue"]["pending"] is not None
    (run,) = status["periodic"]
    assert run["task"] == "sla_scan" and run["ran_by"] == "host:1" and not run["error"]
    page = client.get("/status/").content.decode()
    assert "已停止" in page and "运行中" in page and "待生成的通知" in page and "sla_scan" in page
