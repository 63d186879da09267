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

        from weibao.audit.labels import register_action_labels

        register_action_labels({"inspection.plan": _("巡检：生成或调整巡检计划")})

        from weibao.notifications.events import register_event

        register_event("inspection.due", _("巡检即将到期或今天到期"))
        register_nav(_("巡检"), "inspections:inspection_list", order=320)
