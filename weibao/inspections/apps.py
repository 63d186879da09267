from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "weibao.inspections"
    label = "inspections"
    verbose_name = "巡检"

    def ready(self) -> None:
        from weibao.contracts.listeners import register_contract_listener

        from .services import inspections_plan

        register_contract_listener(inspections_plan)
