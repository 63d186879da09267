"""Jobs of the notifications app: work out a notice, send a delivery, drain the outbox."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from weibao.core.tasks import periodic

from . import outbox, services


@db_task()
def work_out_notice(notice_id: str) -> bool:
    """Queued after the commit that wrote the notice: work it out now rather than at the next drain."""
    return outbox.work_out(notice_id=notice_id)


@db_task()
def send_delivery(delivery_id: int) -> str | None:
    """One attempt at one delivery; a failure with attempts left is queued again after a delay
    that doubles each time (the delivery records every attempt)."""
    attempt = services.delivery_send(delivery_id=delivery_id)
    if attempt is None:
        return None
    if attempt.retry_in:
        send_delivery.schedule(args=(delivery_id,), delay=attempt.retry_in)
    return attempt.status


@db_task()
def drain_now() -> dict[str, int]:
    """The drain, queued when a worker starts and once a lease later (what a dead worker held)."""
    return outbox.drain()


@periodic(
    crontab(minute="*"), description="处理发件箱：生成待发通知、发送到期的邮件和群消息（含进程中断后遗留的）"
)
def drain_outbox() -> dict[str, int]:
    """Every minute: whatever is due in the outbox, whatever became of the jobs queued for it."""
    return outbox.drain()


@periodic(crontab(hour="3", minute="40"), description="删除超过保留期的站内通知和发送记录")
def prune_notifications() -> dict[str, int]:
    """Keep the inbox and the delivery record to their retention period."""
    return services.prune_old()
