"""The load subcommand: bulk inserts (SQLite executemany, PostgreSQL COPY), ANALYZE, and reading the database into the OS cache."""

from __future__ import annotations

import io
import json
import os
import time
from collections import Counter
from datetime import UTC
from pathlib import Path
from typing import Any

from .data import OPEN_STATE_WEIGHTS, Batch, Generator
from .env import BATCH, configure, django_setup, is_postgres, prepare_database, redacted


class Writer:
    """Raw inserts with explicit ids: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.meta: dict[Any, tuple] = {}

    def _prepare(self, model):
        if model in self.meta:
            return self.meta[model]
        fields = [f for f in model._meta.concrete_fields]
        names = [f.attname for f in fields]
        defaults = [None if f.primary_key else f.get_default() for f in fields]
        kinds = [f.get_internal_type() for f in fields]
        json_at = [i for i, k in enumerate(kinds) if k == "JSONField"]
        dt_at = [i for i, k in enumerate(kinds) if k == "DateTimeField"]
        columns = [f.column for f in fields]
        self.meta[model] = (names, defaults, json_at, dt_at, columns)
        return self.meta[model]

    def write(self, model, rows: list[dict]) -> None:
        names, defaults, json_at, dt_at, columns = self._prepare(model)
        table = model._meta.db_table
        prepared = []
        dumps = json.dumps
        for row in rows:
            values = [row.get(n, d) for n, d in zip(names, defaults, strict=True)]
            for i in json_at:
                values[i] = dumps(values[i], ensure_ascii=False)
            if not self.postgres:
                for i in dt_at:
                    v = values[i]
                    if v is not None:
                        values[i] = str(v.astimezone(UTC).replace(tzinfo=None))
            prepared.append(values)
        if self.postgres:
            from psycopg import sql

            self.connection.ensure_connection()
            raw = self.connection.connection
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
            )
            with raw.cursor() as cur, cur.copy(statement) as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            with self.connection.cursor() as cur:
                cur.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', prepared)


def insert_tickets(gen: Generator, count: int, *, overdue: bool = False, label: str = "tickets") -> dict:
    """Generate and insert ``count`` tickets in batches; returns row counts."""
    from django.db import connection, transaction

    writer = Writer()
    if writer.postgres:
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    done = 0
    totals = Counter()
    t0 = time.perf_counter()
    last_print = 0.0
    while done < count:
        n = min(BATCH, count - done)
        batch = Batch()
        for _ in range(n):
            gen.ticket(batch, overdue=overdue)
        with transaction.atomic():
            writer.write(gen.ticket_model, batch.tickets)
            writer.write(gen.clock_model, batch.clocks)
            writer.write(gen.event_model, batch.events)
        totals.update(tickets=len(batch.tickets), clocks=len(batch.clocks), events=len(batch.events))
        done += n
        elapsed = time.perf_counter() - t0
        if elapsed - last_print >= 10 or done == count:
            last_print = elapsed
            eta = elapsed / done * (count - done)
            print(
                f"  {label}: {done:,}/{count:,}  ({done / elapsed:,.0f}/s, "
                f"{totals['clocks']:,} clocks, {totals['events']:,} events, "
                f"{elapsed:,.0f} s, ~{eta:,.0f} s left)",
                flush=True,
            )
    finish_inserts(gen)
    return dict(totals)


def finish_inserts(gen: Generator) -> None:
    """Move the ticket number sequences and the id sequences past what was inserted."""
    from django.core.management.color import no_style
    from django.db import connection

    from weibao.servicedesk.models import TicketSequence

    for (hospital_id, year), last in gen.sequences().items():
        TicketSequence.objects.update_or_create(hospital_id=hospital_id, year=year, defaults={"last": last})
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [gen.ticket_model, gen.clock_model, gen.event_model]
            ):
                cur.execute(statement)


def analyze(vacuum: bool = True) -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            if vacuum:
                for table in ("servicedesk_ticket", "servicedesk_ticketclock", "servicedesk_ticketevent"):
                    cur.execute(f'VACUUM (ANALYZE) "{table}"')
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def prewarm() -> tuple[float, int]:
    """Read the database into the operating system's cache, as on a server that has been running:
    this machine gives back idle page cache within minutes, and a scenario measured right after
    would time the disk (the detail scenario's random tickets most). Returns seconds and bytes."""
    from django.db import connection

    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cur.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid, 'read') * current_setting('block_size')::bigint), 0) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't', 'm')"
            )
            size = int(cur.fetchone()[0])
    else:
        size = 0
        for path in (Path(connection.settings_dict["NAME"]), Path(f"{connection.settings_dict['NAME']}-wal")):
            if path.exists():
                with path.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        size += len(chunk)
    return time.perf_counter() - t0, size


def cmd_load(args) -> int:
    url = configure()
    prepare_database(url, args.fresh)
    django_setup()
    from django.core.management import call_command
    from django.utils import timezone

    from weibao.servicedesk.models import Ticket

    postgres = is_postgres(url)
    count = args.tickets or (1_000_000 if postgres else 100_000)
    print(f"database: {redacted(url)}  (WEIBAO_VAR_DIR={os.environ['WEIBAO_VAR_DIR']})")
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    existing = Ticket.objects.count()  # before the demo, which adds a few tickets of its own
    out = io.StringIO()  # the demo prints passwords; the bench logs in with a token instead
    call_command("demo", stdout=out)
    print(
        f"migrate + demo: {time.perf_counter() - t0:.1f} s ({Ticket.objects.count() - existing} demo tickets)"
    )
    if existing and not args.append:
        print(f"the database already holds {existing:,} tickets: use --fresh to start over or --append")
        return 1
    from .home import make_manager_contracts

    t_contracts = time.perf_counter()
    contracts = make_manager_contracts(args.manager_contracts)
    print(f"bench vendor: {contracts} contracts ({time.perf_counter() - t_contracts:.1f} s)", flush=True)
    gen = Generator(now=timezone.now(), seed=args.seed, open_fraction=args.open_fraction)
    t1 = time.perf_counter()
    totals = insert_tickets(gen, count)
    t2 = time.perf_counter()
    if postgres or args.analyze:
        print(f"ANALYZE: {analyze():.1f} s")
    t3 = time.perf_counter()
    open_count = Ticket.objects.filter(state__in=list(OPEN_STATE_WEIGHTS)).count()
    print(
        f"loaded {totals['tickets']:,} tickets, {totals['clocks']:,} clocks, {totals['events']:,} events "
        f"in {t2 - t1:,.0f} s ({totals['tickets'] / (t2 - t1):,.0f} tickets/s); "
        f"{open_count:,} open; total {t3 - t0:,.0f} s"
    )
    return 0
