"""Read the next chunk of a long export while the caller writes this one.

A quarter's 记录单 reads 100,000 tickets in a hundred pages; each page waits on the database while
the writer's core sits idle, and then the other way round. :func:`read_ahead` runs the reading
generator in a thread of its own (its own database connection), a few chunks ahead, so the waits
overlap. The thread cannot see an open transaction's uncommitted rows, so inside one (a test's, or a
caller's ``atomic`` block) and on SQLite (one writer, little to gain) the chunks are read in place.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import connection, connections

T = TypeVar("T")

_DONE = object()


def can_read_ahead() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def read_ahead(make: Callable[[], Iterator[T]], *, depth: int = 2) -> Iterator[T]:
    """The items of ``make()``, produced in a thread up to ``depth`` ahead when
    :func:`can_read_ahead`, else in place. An error in the thread is raised here."""
    if not can_read_ahead():
        yield from make()
        return
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in make():
                if not put(item):
                    return
            put(_DONE)
        except BaseException as e:  # handed to the reader, raised there
            put(e)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
