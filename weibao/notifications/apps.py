from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "weibao.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from weibao.core.navigation import register_nav
        from weibao.core.views import register_home_panel

        from .views import InboxNavLabel, unread_panel

        register_nav(InboxNavLabel(), "notifications:inbox", order=5)
        register_home_panel(unread_panel, order=5)
