from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "weibao.inspections"
    label = "inspections"
    verbose_name = "巡检"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.contracts.listeners import register_contract_listener
        from weibao.core.navigation import register_nav

        from .services import inspections_plan

        register_contract_listener(inspections_plan)

        from weibao.documents.kinds import register_kind

        from .report import DOCUMENT_KIND

        register_kind(DOCUMENT_KIND)

        from weibao.audit.labels import register_action_labels

        register_action_labels(
            {
                "inspection.plan": _("巡检：生成或调整巡检计划"),
                "inspection.start": _("巡检：开始巡检"),
                "inspection.item": _("巡检：填写检查项"),
                "inspection.ticket": _("巡检：异常项转工单"),
                "inspection.findings": _("巡检：填写发现与建议"),
                "inspection.sign": _("巡检：签字"),
                "inspection.done": _("巡检：双方签字完成"),
                "inspection.autofill": _("巡检：自动巡检填入探针结果"),
            }
        )

        from weibao.notifications.events import register_event

        register_event("inspection.due", _("巡检即将到期或今天到期"))
        register_nav(_("巡检"), "inspections:inspection_list", group="operations", order=320)
