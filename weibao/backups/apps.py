from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "weibao.backups"
    label = "backups"
    verbose_name = "备份与恢复"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.notifications.events import register_event

        register_event("backup.failed", _("备份失败或缺失"))

        from weibao.audit.services import register_chain_start
        from weibao.core.status import register_status_section

        from .selectors import backup_status, last_audit_prune

        register_status_section(_("备份与恢复测试"), "backups/status_section.html", backup_status)
        register_chain_start(last_audit_prune)
