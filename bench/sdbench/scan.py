"""The breach scan over open overdue tickets, timed in-process."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timedelta

from .cpu import CpuWatch, wait_quiet
from .data import OPEN_STATE_WEIGHTS, Generator
from .load import analyze, insert_tickets


class QueryLog:
    """Every statement with its time (execute only: rows fetched later are not counted)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - t0))

    @contextlib.contextmanager
    def capture(self):
        from django.db import connection

        with connection.execute_wrapper(self):
            yield self


def scan_candidates(now: datetime, limit: int | None = None) -> list[int]:
    """Open tickets with a clock past its due that has not been met (running or already marked)."""
    from weibao.servicedesk.models import TicketClock

    qs = (
        TicketClock.objects.filter(
            ticket__state__in=list(OPEN_STATE_WEIGHTS),
            met_at__isnull=True,
            due_at__lt=now - timedelta(minutes=1),
            status__in=["running", "breached"],
        )
        .values_list("ticket_id", flat=True)
        .distinct()
        .order_by("ticket_id")
    )
    return list(qs[:limit] if limit else qs)


def scan_prepare(target: int, seed: int) -> dict:
    """Put ``target`` open tickets in the state the scan exists for: clocks running past their due,
    not yet marked nor notified (as after the job worker was down). Tops up with overdue open
    tickets when the data set has fewer; repeatable (it undoes what an earlier scan marked)."""
    from django.db import transaction
    from django.utils import timezone

    from weibao.servicedesk.models import Ticket, TicketClock

    now = timezone.now()
    ids = scan_candidates(now, target)
    added = 0
    first_added = None
    if len(ids) < target:
        gen = Generator(now=now, seed=seed + 1, open_fraction=1.0)
        first_added = gen.next_ids[gen.ticket_model]
        added = target - len(ids)
        print(
            f"  scan: {len(ids):,} open tickets are overdue; adding {added:,} overdue open tickets",
            flush=True,
        )
        insert_tickets(gen, added, overdue=True, label="overdue tickets")
        analyze(vacuum=False)
        ids = scan_candidates(now, target)
    t0 = time.perf_counter()
    clocks = 0
    with transaction.atomic():
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            clocks += TicketClock.objects.filter(
                ticket_id__in=chunk,
                met_at__isnull=True,
                due_at__lt=now - timedelta(minutes=1),
                status__in=["running", "breached"],
            ).update(status="running", breached_at=None, breach_notified_at=None, warned_at=None)
            Ticket.objects.filter(pk__in=chunk).update(sla_breached=False)
    return {
        "tickets": len(ids),
        "clocks": clocks,
        "added": added,
        "first_added_id": first_added,
        "prepare_s": time.perf_counter() - t0,
    }


def scan_cleanup(first_id: int | None) -> None:
    """Delete the overdue tickets the preparation added, so the next run sees the loaded data set."""
    from django.db import connection, transaction

    from weibao.servicedesk.models import Ticket, TicketClock, TicketEvent

    if first_id is None:
        return
    watchers = Ticket.watchers.through._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        for table in (TicketEvent._meta.db_table, TicketClock._meta.db_table, watchers):
            cur.execute(f'DELETE FROM "{table}" WHERE ticket_id >= %s', [first_id])
        cur.execute(f'DELETE FROM "{Ticket._meta.db_table}" WHERE id >= %s', [first_id])


def run_scan(
    target: int, seed: int, drain_batches: int, quiet: tuple[float, float, int], keep: bool = False
) -> dict:

    prep = scan_prepare(target, seed)
    try:
        return _run_scan(prep, target, seed, drain_batches, quiet)
    finally:
        if not keep:
            scan_cleanup(prep["first_added_id"])


def _run_scan(
    prep: dict, target: int, seed: int, drain_batches: int, quiet: tuple[float, float, int]
) -> dict:
    from weibao.servicedesk import escalation

    print(f"  scan: {prep['tickets']:,} tickets with {prep['clocks']:,} overdue running clocks", flush=True)
    forget_queued = getattr(escalation, "_QUEUED_KEY", None)
    if forget_queued:  # a fresh start: no earlier scan's batches are waiting
        from django.core.cache import cache

        cache.delete(forget_queued)
    wait_quiet(quiet[0], quiet[1], None)
    with CpuWatch(None) as watch:
        t0 = time.perf_counter()
        totals = escalation.scan()
        full = time.perf_counter() - t0
    print(f"  scan(): {full:.2f} s {totals} (others used {watch.foreign:.2f} cores)", flush=True)

    # The same again with every statement timed, to see where the time goes.
    scan_prepare(target, seed)
    if forget_queued:
        cache.delete(forget_queued)
    with QueryLog().capture() as log:
        t0 = time.perf_counter()
        totals2 = escalation.scan()
        full2 = time.perf_counter() - t0
    queries = log.queries
    mark = next(
        (t for s, t in queries if s.startswith("UPDATE") and "ticketclock" in s.split("SET")[0]), None
    )
    flag = next(
        (t for s, t in queries if s.startswith("UPDATE") and '"servicedesk_ticket"' in s.split("SET")[0]),
        None,
    )
    pick = next(
        (t for s, t in queries if s.startswith("SELECT") and "ticketclock" in s.split("WHERE")[0]), None
    )
    rest = max(0.0, full2 - sum(t for t in (mark, flag, pick) if t))
    breakdown = {
        "total_s": full2,
        "queries": len(queries),
        "mark_update_s": mark,
        "flag_tickets_update_s": flag,
        "select_due_tickets_s": pick,
        # notices sent in the call (older scan) or batches handed to the job queue (newer scan)
        "rest_s": rest,
        "rest_queries": max(0, len(queries) - 3),
        "totals": totals2,
    }
    worker = None
    if hasattr(escalation, "check_many"):
        # The scan hands the notices to the workers: time one batch as a worker runs it.
        ids = scan_due_ids(200)
        with QueryLog().capture() as log:
            t0 = time.perf_counter()
            sent = escalation.check_many(ids)
            seconds = time.perf_counter() - t0
        worker = {
            "tickets": len(ids),
            "seconds": seconds,
            "queries": len(log.queries),
            "sent": sent,
            "per_ticket_ms": seconds / max(1, len(ids)) * 1000,
        }
        print(f"  one worker batch (check_many, {len(ids)} tickets): {seconds:.2f} s {sent}", flush=True)
    again = []
    for _ in range(drain_batches):
        t0 = time.perf_counter()
        escalation.scan()
        again.append(time.perf_counter() - t0)
    return {
        "prepare": prep,
        "seconds": full,
        "totals": totals,
        "foreign_cores": watch.foreign,
        "breakdown": breakdown,
        "worker_batch": worker,
        "drain_s": again,
    }


def scan_due_ids(limit: int) -> list[int]:
    """Tickets with a clock past its due whose notice has not gone out (what the scan queues)."""
    from django.db.models import Q
    from django.utils import timezone

    from weibao.servicedesk.models import TicketClock

    return list(
        TicketClock.objects.filter(
            Q(status="breached", breach_notified_at__isnull=True)
            | Q(status="running", due_at__lt=timezone.now())
        )
        .order_by("ticket_id")
        .values_list("ticket_id", flat=True)
        .distinct()[:limit]
    )
