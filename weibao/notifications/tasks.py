"""Jobs of the notifications app: send one delivery; resend what got stuck."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from weibao.core.tasks import periodic

from . import services


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


@periodic(crontab(minute="*/5"), description="重新投递滞留的通知（排队时无后台进程、进程中断、队列不可用）")
def resend_stuck_deliveries() -> int:
    """Queue again the pending deliveries whose job was lost."""
    ids = services.deliveries_stuck()
    for pk in ids:
        send_delivery(pk)
    return len(ids)


@periodic(crontab(hour="3", minute="40"), description="删除超过保留期的站内通知和发送记录")
def prune_notifications() -> dict[str, int]:
    """Keep the inbox and the delivery record to their retention period."""
    return services.prune_old()
