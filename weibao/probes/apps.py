from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "weibao.probes"
    label = "probes"
    verbose_name = "探针"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.accounts.choices import Role
        from weibao.audit.labels import register_action_labels
        from weibao.core.demo import register_demo_step
        from weibao.core.navigation import register_nav

        from .demo import demo_probes

        register_demo_step("probes", demo_probes, order=40)

        register_action_labels(
            {
                "monitoring.token_create": _("监控接入：创建令牌"),
                "monitoring.token_revoke": _("监控接入：吊销令牌"),
                "monitoring.mapping_create": _("监控接入：添加映射"),
                "monitoring.mapping_delete": _("监控接入：删除映射"),
                "probe.create": _("探针：添加"),
                "probe.update": _("探针：修改"),
                "probe.delete": _("探针：删除"),
            }
        )
        from weibao.accounts.permissions import works_the_service

        register_nav(
            _("探针"),
            "probes:probe_list",
            group="operations",
            order=330,
            visible=works_the_service,
        )
        register_nav(
            _("监控接入"),
            "probes:monitoring",
            group="operations",
            order=320,
            visible=lambda user: (
                getattr(user, "is_authenticated", False)
                and any(m.role == Role.HOSPITAL_ADMIN for m in user.active_memberships())
            ),
        )
