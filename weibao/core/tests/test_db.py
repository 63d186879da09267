"""The embedded database and queue: write transactions queue on a file lock, not on SQLite's
sleeping retries."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db.utils import ConnectionHandler

from weibao.core.db.writer_lock import WriterLock


def _held(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    """These tests open their own database files, outside the test database."""
    with django_db_blocker.unblock():
        yield


def _file_database(tmp_path, *, timeout: float = 20, engine: str = "weibao.core.db.sqlite3"):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": engine,
                "NAME": str(tmp_path / "db.sqlite3"),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
                "TEST": {},
            }
        }
    )
    return handler["default"]


def test_a_write_transaction_holds_the_writer_lock_until_commit_or_rollback(tmp_path):
    conn = _file_database(tmp_path)
    lock = str(tmp_path / "db.sqlite3.writer-lock")
    with conn.cursor() as c:
        c.execute("CREATE TABLE t (x INTEGER)")
    assert not _held(lock)
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with conn.cursor() as c:
        c.execute("INSERT INTO t VALUES (1)")
    assert _held(lock)
    conn.commit()
    conn.set_autocommit(True)
    assert not _held(lock)
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert _held(lock)
    conn.rollback()
    conn.set_autocommit(True)
    assert not _held(lock)
    conn.close()


@pytest.mark.parametrize(
    ("engine", "waits_in_the_kernel"),
    [("weibao.core.db.sqlite3", True), ("django.db.backends.sqlite3", False)],
)
def test_a_second_writer_waits_in_the_kernel_and_goes_on_after_the_commit(
    tmp_path, engine, waits_in_the_kernel
):
    """The second writer has no busy timeout at all, so SQLite's own retries cannot make it wait:
    with the writer lock it blocks until the first writer commits and then writes; Django's stock
    backend (the control) fails at once with "database is locked"."""
    first = _file_database(tmp_path, engine=engine)
    with first.cursor() as c:
        c.execute("CREATE TABLE t (x INTEGER)")
    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with first.cursor() as c:
        c.execute("INSERT INTO t VALUES (1)")
    finished: list[float] = []
    errors: list[Exception] = []

    def write() -> None:
        second = _file_database(tmp_path, engine=engine, timeout=0)  # connections belong to their thread
        try:
            second.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            with second.cursor() as c:
                c.execute("INSERT INTO t VALUES (2)")
            second.commit()
            finished.append(time.monotonic())
        except Exception as exc:
            errors.append(exc)
        finally:
            second.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(0.3)
    committed = time.monotonic()
    first.commit()
    first.set_autocommit(True)
    thread.join(5)
    with first.cursor() as c:
        c.execute("SELECT x FROM t ORDER BY x")
        rows = c.fetchall()
    first.close()
    if waits_in_the_kernel:
        assert errors == [] and len(finished) == 1 and finished[0] >= committed
        assert rows == [(1,), (2,)]
    else:
        assert finished == [] and "locked" in str(errors[0])
        assert rows == [(1,)]


def test_the_writer_lock_is_per_descriptor(tmp_path):
    path = str(tmp_path / "q.writer-lock")
    a, b = WriterLock(str(tmp_path / "q")), WriterLock(str(tmp_path / "q"))
    a.acquire()
    assert _held(path)
    got = threading.Event()
    thread = threading.Thread(target=lambda: (b.acquire(), got.set()))
    thread.start()
    assert not got.wait(0.2)
    a.release()
    assert got.wait(2)
    b.release()
    thread.join(2)
    assert not _held(path)


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the embedded queue is used without Redis")
def test_the_embedded_queue_takes_the_writer_lock_and_keeps_jobs(tmp_path):
    from weibao.core.db.queue import EmbeddedHuey

    huey = EmbeddedHuey("t", filename=str(tmp_path / "q.sqlite3"))

    @huey.task()
    def add(a, b):
        return a + b

    add(1, 2)
    with huey.storage.db(commit=True) as cursor:
        assert _held(str(tmp_path / "q.sqlite3.writer-lock"))
        assert cursor.execute("pragma synchronous").fetchone() == (1,)  # NORMAL
    assert not _held(str(tmp_path / "q.sqlite3.writer-lock"))
    assert huey.pending_count() == 1 and huey.execute(huey.dequeue()) == 3
