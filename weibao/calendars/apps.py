from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "weibao.calendars"
    label = "calendars"
    verbose_name = "工作日历"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.core.navigation import register_nav
        from weibao.core.views import register_home_panel

        from .views import holiday_warning_panel

        register_nav(_("工作日历"), "calendars:calendar_list", group="admin", order=800)
        register_home_panel(holiday_warning_panel, order=1)
