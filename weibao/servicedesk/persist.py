"""How a new ticket reaches the database: the one place that knows how to write it fastest.

Why this exists: the service desk is sized for a million tickets (the bench loads 1,000,000 on
PostgreSQL and asks 250 reports a second of two cores; ``bench/RESULTS.md``). A report writes the
ticket, its first timeline rows, its clocks, its audit record and the outbox row of its notices.
Through the ORM that was nine round trips (the fourth round of the results: number, ticket,
timeline, clocks, the audit chain's lock, last hash and record, commit), each a few hundred
microseconds of driver, compiler and server time, and the create missed its target. Here, on PostgreSQL outside a transaction (every served request):

1. One round trip takes the hospital's next number and draws the ticket's id, in a transaction
   of its own committed without waiting for the disk: the sequence row stays locked for that
   statement only, not while the rest is written, so reports in one hospital do not queue behind
   each other. A create that fails after it leaves a gap in the numbers.
2. One round trip writes every row (inserts compiled once and sent without ``RETURNING``; the
   audit chain's head moved in the same query) as one simple query, which the server runs as one
   transaction and commits: no ``BEGIN`` and no ``COMMIT`` of its own
   (:mod:`weibao.core.db.batch`). A failing statement undoes all of them.

Elsewhere (SQLite, whose writers take turns anyway, or inside a caller's transaction) the same
rows are written inside ``transaction.atomic``. ``weibao/servicedesk/tests/test_numbering.py``
counts the round trips. The service builds the rows; this module only writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from weibao.audit.models import AuditEvent
from weibao.audit.services import chain_statements
from weibao.core.db.batch import Statement, batches_in_one_query, execute_batch, insert_statement

from .models import Ticket, TicketClock, TicketEvent, TicketSequence

#: Tries at a number before a create fails (each after the sequence is moved past taken numbers).
NUMBER_ATTEMPTS = 3


def insert_ticket(
    ticket: Ticket,
    *,
    events: list[TicketEvent],
    clocks: list[TicketClock],
    audit: Callable[[Ticket], AuditEvent],
    outbox: Callable[[Ticket], list[Any]],
) -> list[Any]:
    """Number the unsaved ``ticket`` and write it with its ``events``, ``clocks``, its audit record
    and its outbox rows, all or nothing. ``audit`` and ``outbox`` build those rows once the ticket
    has its number and id. Returns the outbox rows written: the caller kicks them (they are
    committed when this returns outside a transaction, with the caller's otherwise)."""
    year = timezone.localtime(ticket.created_at).year
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return _write(ticket, events, clocks, audit=audit, outbox=outbox, year=year)
        except IntegrityError:
            # A number already taken (data from before numbers were kept apart from imports, a
            # sequence row reset by hand): move the sequence past the taken ones and try again.
            if attempt == NUMBER_ATTEMPTS - 1 or not Ticket.objects.filter(number=ticket.number).exists():
                raise
            _skip_taken_numbers(ticket.hospital, year)
            ticket.number, ticket.pk = "", None
    raise AssertionError("unreachable")


def _write(
    ticket: Ticket,
    events: list[TicketEvent],
    clocks: list[TicketClock],
    *,
    audit: Callable[[Ticket], AuditEvent],
    outbox: Callable[[Ticket], list[Any]],
    year: int,
) -> list[Any]:
    if connection.vendor == "postgresql":
        # The number (and, outside a transaction, the id) before the rows: see the module's
        # docstring. SQLite has one writer at a time: there it is taken inside the transaction.
        _number(ticket, year)
    if ticket.pk is not None and not connection.in_atomic_block:
        # With its id drawn, the ticket and all its rows are one batch and one transaction of
        # their own, begun and committed by the server in the batch's round trip.
        statements, notices = _statements(ticket, events, clocks, audit, outbox, with_ticket=True)
        execute_batch(statements, commit=True)
        return notices
    with transaction.atomic():
        if not ticket.number:
            _number(ticket, year)
        ticket.save(force_insert=True)
        statements, notices = _statements(ticket, events, clocks, audit, outbox, with_ticket=False)
        execute_batch(statements)
    return notices


def _statements(
    ticket: Ticket,
    events: list[TicketEvent],
    clocks: list[TicketClock],
    audit: Callable[[Ticket], AuditEvent],
    outbox: Callable[[Ticket], list[Any]],
    *,
    with_ticket: bool,
) -> tuple[list[Statement], list[Any]]:
    """The inserts of the ticket (unless saved already), its timeline, clocks and outbox rows, then
    the audit record's. Nothing is read back: the caller answers with the rows at hand."""
    for event in events:
        event.ticket = ticket
    for clock in clocks:
        clock.ticket = ticket
    record = audit(ticket)
    notices = outbox(ticket)
    tables: list[list[Model]] = [[ticket] if with_ticket else [], [*events], [*clocks], notices]
    return [*(insert_statement(rows) for rows in tables if rows), *chain_statements(record)], notices


def _number(ticket: Ticket, year: int) -> None:
    """Give ``ticket`` the hospital's next number of the year, taken atomically in one statement.
    On PostgreSQL outside a transaction the same statement also draws the ticket's id."""
    hospital = ticket.hospital
    with connection.cursor() as cursor:
        row = _increment(cursor, int(hospital.pk), int(year))
        if row is None:
            TicketSequence.objects.get_or_create(hospital=hospital, year=year)
            row = _increment(cursor, int(hospital.pk), int(year))
    if row is None:
        raise RuntimeError(f"no ticket sequence for hospital {hospital.pk} in {year}")
    ticket.number = f"{hospital.short_code}-{year}-{row[0]:05d}"
    if len(row) > 1:
        ticket.pk = row[1]


def _increment(cursor: Any, hospital_id: int, year: int) -> tuple[int, ...] | None:
    quote = connection.ops.quote_name
    update = (
        f"UPDATE {quote(TicketSequence._meta.db_table)} SET last = last + 1 "
        "WHERE hospital_id = %s AND year = %s RETURNING last"
    )
    params: list[Any] = [hospital_id, year]
    if connection.vendor == "postgresql" and not connection.in_atomic_block and batches_in_one_query():
        # Its own transaction, committed without waiting for the disk: a ticket that commits
        # later flushes the log up to and past this increment, and one that never commits leaves
        # a gap either way. One round trip: both statements go as one simple query (the values
        # bound by the driver, as execute_batch binds them).
        update += ", nextval(pg_get_serial_sequence(%s, 'id'))"
        params.append(quote(Ticket._meta.db_table))
        cursor.execute("SET LOCAL synchronous_commit = off; " + cursor.cursor.mogrify(update, params))
        cursor.nextset()
    else:
        cursor.execute(update, params)
    row = cursor.fetchone()
    return tuple(row) if row is not None else None


def _skip_taken_numbers(hospital: Any, year: int) -> None:
    """Move the hospital's sequence of ``year`` past the numbers already taken after it."""
    prefix = f"{hospital.short_code}-{year}-"
    with transaction.atomic():
        sequence, _ = TicketSequence.objects.select_for_update().get_or_create(hospital=hospital, year=year)
        taken = {
            int(tail)
            for number in Ticket.objects.filter(number__startswith=prefix).values_list("number", flat=True)
            if (tail := number[len(prefix) :]).isdigit()
        }
        last = sequence.last
        while last + 1 in taken:
            last += 1
        if last != sequence.last:
            TicketSequence.objects.filter(pk=sequence.pk).update(last=last)
