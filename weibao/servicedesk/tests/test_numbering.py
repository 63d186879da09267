"""Ticket numbers outside a test transaction, as a served request takes them: per hospital and
year, consecutive, never repeated under concurrent reports."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from weibao.audit.services import audit_verify
from weibao.servicedesk import services

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
