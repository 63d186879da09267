from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "weibao.notifications"
    label = "notifications"
    verbose_name = "通知"
