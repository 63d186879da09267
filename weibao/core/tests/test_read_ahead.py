"""read_ahead: the chunks come in order from a thread (on PostgreSQL, outside a transaction), an
error in the thread reaches the reader, a reader that stops early stops the thread; inside a
transaction the chunks are read in place, where the transaction's rows are visible."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from weibao.accounts.models import Organization
from weibao.core.db import read_ahead as module
from weibao.core.db.read_ahead import read_ahead
from weibao.testing.factories import HospitalFactory


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_chunks_come_in_order_from_a_thread(monkeypatch):
    monkeypatch.setattr(module, "can_read_ahead", lambda: True)
    made_in: list[str] = []

    def make():
        for i in range(7):
            made_in.append(threading.current_thread().name)
            yield i

    assert list(read_ahead(make, depth=2)) == list(range(7))
    assert set(made_in) == {"read-ahead"} and "read-ahead" not in _threads()


def test_an_error_in_the_thread_reaches_the_reader(monkeypatch):
    monkeypatch.setattr(module, "can_read_ahead", lambda: True)

    def make():
        yield 1
        raise LookupError("第二页读不到")

    got = []
    with pytest.raises(LookupError, match="第二页读不到"):
        for item in read_ahead(make):
            got.append(item)
    assert got == [1] and "read-ahead" not in _threads()


def test_a_reader_that_stops_early_stops_the_thread(monkeypatch):
    monkeypatch.setattr(module, "can_read_ahead", lambda: True)
    made = []

    def make():
        for i in range(1000):
            made.append(i)
            yield i

    items = read_ahead(make, depth=2)
    assert next(items) == 0
    items.close()
    assert "read-ahead" not in _threads() and len(made) < 10


@pytest.mark.django_db
def test_inside_a_transaction_the_chunks_are_read_in_place():
    with transaction.atomic():
        HospitalFactory(name="事务内的医院")
        assert not module.can_read_ahead()
        names = list(read_ahead(lambda: iter(Organization.objects.values_list("name", flat=True))))
    assert "事务内的医院" in names


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_thread_of_its_own_reads_the_committed_rows():
    if connection.vendor != "postgresql":
        pytest.skip("read ahead is for PostgreSQL: SQLite reads in place")
    HospitalFactory(name="已提交的医院")
    assert module.can_read_ahead()

    def make():
        yield threading.current_thread().name, list(Organization.objects.values_list("name", flat=True))

    [(thread, names)] = list(read_ahead(make))
    assert thread == "read-ahead" and "已提交的医院" in names
