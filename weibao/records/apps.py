from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "weibao.records"
    label = "records"
    verbose_name = "维保记录"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.accounts.permissions import works_the_service
        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav
        from weibao.notifications.events import register_event

        register_action_labels(
            {
                "records.backup_policy_create": _("备份：登记备份策略"),
                "records.backup_check": _("备份：备份检查"),
                "records.restore_test": _("备份：恢复测试"),
                "records.minutes": _("记录：需求沟通会议纪要"),
                "records.action_to_change_request": _("记录：会议待办转为需求变更"),
                "records.tuning": _("记录：系统调优"),
            }
        )
        register_event("backup.overdue", _("系统备份或恢复测试逾期"))
        register_nav(
            _("备份"), "records:policy_list", group="operations", order=350, visible=works_the_service
        )
