"""The outbox: what must be told is written with the change that causes it, and workers drain it.

Two kinds of rows, in two stages:

1. :class:`~.models.PendingNotice`, an event whose recipients are still to be worked out. A
   service writes it in its own transaction (:func:`record`, or :func:`notice` for a batch
   insert). A worker runs the topic's handler, which records the in-app notifications and the
   deliveries through :func:`~.services.notify`, and deletes the row, all in one transaction:
   the effects are rows committed together with the delete, so each notice is worked out
   exactly once whatever process dies when.
2. :class:`~.models.Delivery`, one message to send over the network. It is claimed with a lease
   (its ``next_attempt_at`` moves forward by :func:`lease`) in a short transaction, sent, and
   marked sent in the statement right after. A worker killed before or during the send leaves
   the lease to run out, and the next drain sends it. The one window for a duplicate is a worker
   dying after the mail server or robot accepted the message and before that statement commits
   (a few milliseconds); an email then carries the same ``Message-ID`` both times
   (:func:`~.services.message_id`), so the receiving side can drop the copy.

Claiming: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``, so workers take different rows
without waiting for each other; on SQLite every transaction begins ``IMMEDIATE`` (one writer at a
time), which makes the read-then-claim of one transaction atomic.

Draining: each change queues a job for its own rows after commit (the notice is out within a
second), and :func:`drain` takes whatever is due, whatever became of those jobs: every minute,
when a worker starts, and once more a lease after that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tasks import JobRef

from .choices import DeliveryStatus
from .models import Delivery, PendingNotice
from .services import delivery_attempt, delivery_claim_next, retry_delay

log = logging.getLogger(__name__)

#: Attempts at working out a notice before it is set aside (the status page lists those).
MAX_NOTICE_ATTEMPTS = 5

_handlers: dict[str, Callable[[dict[str, Any]], None]] = {}

#: :func:`.tasks.work_out_notice`, queued for each notice once its transaction commits.
work_out_notice: JobRef[[str]] = JobRef("notifications.work_out_notice")


def register_handler(topic: str, handler: Callable[[dict[str, Any]], None]) -> None:
    """``handler(payload)`` works out and records the notices of ``topic`` (in a worker)."""
    _handlers[topic] = handler


def notice(*, topic: str, payload: dict[str, Any]) -> PendingNotice:
    """An unsaved notice, for a service that inserts its rows in one batch; it must then call
    :func:`kick` with it."""
    now = timezone.now()
    return PendingNotice(topic=topic, payload=payload, created_at=now, due_at=now)


def record(*, topic: str, payload: dict[str, Any]) -> PendingNotice:
    """Write a notice in the caller's transaction; a worker works it out after the commit."""
    row = notice(topic=topic, payload=payload)
    row.save(force_insert=True)
    kick([row])
    return row


def kick(rows: Iterable[PendingNotice]) -> None:
    """Queue a job for each notice once the caller's transaction commits (at once outside one).
    ``robust``: an unreachable job broker must not fail a committed change; the drain will do."""
    ids = [str(row.pk) for row in rows]
    if ids:
        transaction.on_commit(partial(_enqueue, ids), robust=True)


def _enqueue(ids: list[str]) -> None:
    for pk in ids:
        work_out_notice(pk)


def work_out(*, notice_id: str | None = None) -> bool:
    """Work out one due notice (``notice_id``, or the oldest due one) and delete it, in one
    transaction. Returns whether there was one to do (taken by nobody else)."""
    now = timezone.now()
    with transaction.atomic():
        due = PendingNotice.objects.filter(due_at__lte=now)
        if notice_id is not None:
            due = due.filter(pk=notice_id)
        row = due.order_by("due_at").select_for_update(skip_locked=True).first()
        if row is None:
            return False
        try:
            with transaction.atomic():  # a failing handler leaves nothing half written
                handler = _handlers.get(row.topic)
                if handler is None:
                    raise LookupError(f"no handler for notices of topic {row.topic!r}")
                handler(row.payload)
        except Exception as exc:
            log.exception("notice %s (%s) failed", row.pk, row.topic)
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.due_at = (
                now + timedelta(seconds=retry_delay(row.attempts))
                if row.attempts < MAX_NOTICE_ATTEMPTS
                else None
            )
            row.save(update_fields=["attempts", "last_error", "due_at"])
        else:
            row.delete()
    return True


def drain(*, budget: float = 50.0) -> dict[str, int]:
    """Work out every due notice, then send every due delivery, for at most ``budget`` seconds
    (the periodic drain runs every minute; what is left waits for the next one)."""
    deadline = time.monotonic() + budget
    done = {"notices": 0, "deliveries": 0}
    while time.monotonic() < deadline and work_out():
        done["notices"] += 1
    while time.monotonic() < deadline and (delivery := delivery_claim_next()) is not None:
        delivery_attempt(delivery)
        done["deliveries"] += 1
    return done


#: The status page's labels of :func:`backlog`'s counts.
BACKLOG_COUNTS = {
    "notices_due": _("待生成的通知"),
    "notices_waiting": _("等待重试的通知"),
    "notices_failed": _("多次失败已搁置的通知"),
    "deliveries_pending": _("待发送的邮件和群消息"),
    "deliveries_failed": _("发送失败的邮件和群消息"),
}


def backlog() -> dict[str, int]:
    """What waits in the outbox: notices and deliveries due or pending, and notices set aside."""
    now = timezone.now()
    return {
        "notices_due": PendingNotice.objects.filter(due_at__lte=now).count(),
        "notices_waiting": PendingNotice.objects.filter(due_at__gt=now).count(),
        "notices_failed": PendingNotice.objects.filter(due_at__isnull=True).count(),
        "deliveries_pending": Delivery.objects.filter(status=DeliveryStatus.PENDING).count(),
        "deliveries_failed": Delivery.objects.filter(status=DeliveryStatus.FAILED).count(),
    }
