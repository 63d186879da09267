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
                "records.backup_policy_edit": _("备份：修改备份策略"),
                "records.minutes_edit": _("记录：修改需求沟通会议纪要"),
                "records.tuning_edit": _("记录：修改系统调优记录"),
                "records.switchover": _("切换：新建切换方案"),
                "records.switchover_edit": _("切换：修改切换方案"),
                "records.switchover_item": _("切换：添加检查项"),
                "records.switchover_item_edit": _("切换：更新检查项"),
                "records.switchover_check": _("切换：数据同步核对"),
                "records.switchover_sign": _("切换：签字确认切换方案"),
            }
        )
        register_event("backup.overdue", _("系统备份或恢复测试逾期"))
        register_nav(
            _("备份"), "records:policy_list", group="operations", order=350, visible=works_the_service
        )
        register_nav(
            _("切换方案"), "records:switchover_list", group="operations", order=360, visible=works_the_service
        )

        from weibao.documents.kinds import DocumentKind, register_kind

        from .switchover import KIND, default_template, sample_context

        register_kind(
            DocumentKind(
                code=KIND,
                label=_("切换方案"),
                default_template=default_template,
                sample_context=sample_context,
            )
        )
