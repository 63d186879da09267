from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "weibao.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.core.navigation import register_nav
        from weibao.core.scheduler import on_worker_start
        from weibao.core.status import register_backlog
        from weibao.core.views import register_home_panel

        from . import outbox, services, tasks
        from .views import InboxNavLabel, unread_panel

        # The jobs that the outbox and the services queue (and that call back into them).
        outbox.work_out_notice.bind(tasks.work_out_notice)
        services.send_delivery.bind(tasks.send_delivery)

        register_nav(InboxNavLabel(), "notifications:inbox", order=5)
        register_home_panel(unread_panel, order=5)
        on_worker_start(_drain_at_start)
        register_backlog("outbox", _("发件箱"), outbox.backlog, counts=outbox.BACKLOG_COUNTS)


def _drain_at_start() -> None:
    """A worker that starts drains the outbox at once, and again when the leases a dead worker
    may have held have run out."""
    from .services import lease
    from .tasks import drain_now

    drain_now()
    drain_now.schedule(delay=lease().total_seconds() + 1)
