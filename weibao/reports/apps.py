from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "weibao.reports"
    label = "reports"
    verbose_name = "交付物"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav
        from weibao.core.views import register_home_panel

        from .kinds import register_kinds
        from .permissions_nav import sees_deliverables, sees_service_reports

        register_kinds()

        from .sources import register_sources

        register_sources()
        register_action_labels(
            {
                "deliverable.produce": _("交付物：生成本期文档"),
                "deliverable.sign": _("交付物：登记签署"),
                "service_report.create": _("服务报告：填写"),
                "service_report.update": _("服务报告：修改"),
                "service_report.sign": _("服务报告：用户签字确认"),
            }
        )
        register_nav(
            _("交付物"), "reports:deliverable_list", group="contracts", order=330, visible=sees_deliverables
        )

        from weibao.accounts.permissions import sees_contract_money

        from .views_money import money_panel

        register_nav(
            _("合同款项"), "reports:money", group="contracts", order=345, visible=sees_contract_money
        )

        register_home_panel(money_panel, order=11)
        register_nav(
            _("服务报告"),
            "reports:service_report_list",
            group="operations",
            order=325,
            visible=sees_service_reports,
        )

        from weibao.core.panels import register_object_panel

        from .service_report_views import contract_panel, source_panel

        register_object_panel("servicedesk.ticket", source_panel, order=50)
        register_object_panel("inspections.inspection", source_panel, order=50)
        register_object_panel("contracts.contract", contract_panel, order=50)
