from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "weibao.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from .navigation import register_nav

        register_nav(
            _("运行状态"),
            "core:status",
            group="admin",
            order=990,
            visible=lambda user: user.is_platform_admin,
        )
