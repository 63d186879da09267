from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "weibao.contracts"
    label = "contracts"
    verbose_name = "维保合同"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.accounts.visibility import register_contract_source
        from weibao.core.cache.generation import watch_scope_models
        from weibao.core.demo import register_demo_step
        from weibao.core.navigation import register_nav

        from .demo import demo_contracts
        from .models import (
            Contract,
            ContractGrant,
            Interface,
            MaintainedSystem,
            Module,
            ServiceTerm,
            Severity,
        )
        from .selectors import contracts_visible_to

        register_contract_source(contracts_visible_to)
        # Terms, severities and the inventory a report names are cached for ticket creation
        # (core.tenancy.get_visible_reference) at the same generation.
        watch_scope_models(
            Contract, ContractGrant, ServiceTerm, Severity, MaintainedSystem, Module, Interface
        )
        register_demo_step("contracts", demo_contracts, order=20)
        register_nav(_("合同"), "contracts:contract_list", group="contracts", order=300)
        register_nav(_("维保范围"), "contracts:system_list", group="contracts", order=310)
