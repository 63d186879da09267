from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "weibao.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.core.navigation import register_nav
        from weibao.core.refusals import register_refusal_recorder

        from .models import reads_audit_trail
        from .services import audit_refusal

        register_refusal_recorder(audit_refusal)
        register_nav(
            _("审计日志"),
            "audit:event_list",
            group="admin",
            order=950,
            visible=reads_audit_trail,
        )
