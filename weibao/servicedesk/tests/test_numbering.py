"""Ticket numbers outside a test transaction, as a served request takes them: per hospital and
year, consecutive, never repeated under concurrent reports."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from weibao.audit.services import audit_verify
from weibao.servicedesk import persist, services

pytestmark = pytest.mark.django_db(transaction=True)


def _create(contract, title):
    return services.ticket_create(
        actor=None, contract=contract, term=contract.terms.get(number=1), title=title
    )


def test_numbers_are_consecutive_when_taken_outside_a_transaction(seed):
    contract = seed("drg-wuhan")
    assert not connection.in_atomic_block
    numbers = [_create(contract, f"第 {i} 个").number for i in range(3)]
    code = contract.hospital.short_code
    assert [n.split("-")[0] for n in numbers] == [code] * 3
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need a server")
def test_concurrent_reports_never_share_a_number(seed):
    contract = seed("drg-wuhan")
    numbers: list[str] = []
    errors: list[BaseException] = []

    def report(k: int) -> None:
        try:
            for i in range(10):
                numbers.append(_create(contract, f"{k}-{i}").number)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=report, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 41))
    # The creates' audit records, appended concurrently, form one unbroken chain.
    result = audit_verify()
    assert result.ok and result.checked >= 40


def _messages_to_server(run) -> list[str]:
    """The messages the client sent the server while ``run()`` ran (libpq's own trace), one per
    round trip: a simple query, or an extended query's Sync."""
    import tempfile

    from psycopg import pq

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            run()
        finally:
            pgconn.untrace()
        trace.seek(0)
        sent = [line.split("\t") for line in trace.read().splitlines() if line.startswith("F\t")]
    return [
        fields[3] if fields[2] == "Query" else fields[2] for fields in sent if fields[2] in ("Query", "Sync")
    ]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL round trips")
def test_a_report_takes_two_round_trips_and_commits_all_or_nothing(seed, monkeypatch):
    """Outside a transaction, as a served request runs it: one round trip takes the number and
    the id, one writes the ticket, timeline, clocks and audit record and commits them (no BEGIN,
    no COMMIT of their own). A write failing there leaves none of its rows."""
    from weibao.notifications.models import PendingNotice
    from weibao.servicedesk.models import Ticket, TicketClock, TicketEvent

    contract = seed("drg-wuhan")
    term = contract.terms.get(number=1)
    _create(contract, "预热")  # the sequence row exists
    queued = []
    # The notice is a row of the same batch (the outbox); its job is queued once committed.
    monkeypatch.setattr(
        services.notify, "kick", lambda notices: queued.append((connection.in_atomic_block, len(notices)))
    )
    sent = _messages_to_server(
        lambda: services.ticket_create(actor=None, contract=contract, term=term, title="往返")
    )
    assert len(sent) == 2, sent
    assert queued == [(False, 1)]  # queued once committed
    assert 'UPDATE "servicedesk_ticketsequence"' in sent[0] and 'INSERT INTO "servicedesk_ticket"' in sent[1]
    assert not [m for m in sent if m.strip('" ').upper() in ("BEGIN", "COMMIT")]
    ticket = Ticket.objects.get(title="往返")
    assert ticket.events.count() == 1 and ticket.clocks.count() >= 1
    # Its notice was written in those two round trips too (libpq's trace abbreviates long ones).
    assert PendingNotice.objects.filter(payload__ticket_id=ticket.pk).count() == 1

    monkeypatch.setattr(persist, "chain_statements", lambda record: [("INSERT INTO nowhere VALUES (1)", [])])
    before = (Ticket.objects.count(), TicketEvent.objects.count(), TicketClock.objects.count())
    notices = PendingNotice.objects.count()
    with pytest.raises(Exception, match="nowhere"):
        _create(contract, "失败")
    assert (Ticket.objects.count(), TicketEvent.objects.count(), TicketClock.objects.count()) == before
    assert PendingNotice.objects.count() == notices
    assert not connection.in_atomic_block
    monkeypatch.undo()
    assert _create(contract, "之后").number.endswith("-00004")  # the failed one's number is a gap


def test_a_taken_number_is_skipped_outside_a_transaction(seed):
    """The create that finds its number taken (by data from before imports kept their numbers
    apart) moves the sequence past it and succeeds, with its whole write retried."""
    from weibao.servicedesk.models import Ticket, TicketSequence

    contract = seed("drg-wuhan")
    code = contract.hospital.short_code
    first = _create(contract, "一")
    Ticket.objects.filter(pk=first.pk).update(number=f"{code}-2026-00002")
    TicketSequence.objects.update(last=1)
    assert not connection.in_atomic_block
    again = _create(contract, "二")
    assert again.number == f"{code}-2026-00003"
    assert Ticket.objects.get(pk=again.pk).title == "二" and again.events.count() == 1
    assert audit_verify().ok
