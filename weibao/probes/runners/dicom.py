"""Shared by the DICOM probes: one association per run, bounded by the deadline.

An :class:`pynetdicom.AE` is made per call (it holds the association's settings), so probes can
run in many threads at once.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from pynetdicom import AE, evt
from pynetdicom.association import Association

from .base import ConfigError, Deadline, ProbeFailure, describe_os_error


def check_ae_title(title: str, what: str) -> str:
    title = title.strip()
    if not title or len(title) > 16 or not title.isascii() or "\\" in title:
        raise ConfigError(f"{what} AE title {title!r} must be 1-16 ASCII characters without a backslash")
    return title


@contextmanager
def association(
    host: str, port: int, *, calling: str, called: str, contexts: list[str], deadline: Deadline
) -> Iterator[Association]:
    """An established association, released on exit; a failure to establish it raises
    :class:`ProbeFailure` saying why (refused connection, rejection with its reason, abort)."""
    calling = check_ae_title(calling, "calling")
    called = check_ae_title(called, "called")
    ae = AE(ae_title=calling)
    for uid in contexts:
        ae.add_requested_context(uid)
    budget = deadline.remaining()
    ae.connection_timeout = ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = budget
    opened: list[bool] = []
    assoc = ae.associate(
        host, port, ae_title=called, evt_handlers=[(evt.EVT_CONN_OPEN, lambda event: opened.append(True))]
    )
    if not assoc.is_established:
        where = f"{host}:{port}"
        if assoc.is_rejected:
            primitive = assoc.acceptor.primitive
            reason = (
                f"{primitive.result_str}: {primitive.reason_str}" if primitive is not None else "rejected"
            )
            raise ProbeFailure(f"{where}: association {calling}->{called} rejected ({reason})")
        if not opened:
            # pynetdicom logs but does not return why the connection failed: ask the socket.
            try:
                with socket.create_connection((host, port), timeout=min(deadline.remaining(), 5)):
                    pass
            except OSError as exc:
                raise ProbeFailure(describe_os_error(exc, host, port)) from exc
            raise ProbeFailure(f"{where}: could not connect")
        if deadline.expired():
            raise ProbeFailure(
                f"{where}: association {calling}->{called} timed out after {deadline.timeout:g}s"
            )
        raise ProbeFailure(f"{where}: association {calling}->{called} aborted by the peer")
    try:
        # what is left of the budget bounds each message of the exchange
        assoc.dimse_timeout = assoc.network_timeout = deadline.remaining()
        yield assoc
    finally:
        if assoc.is_established:
            assoc.release()
