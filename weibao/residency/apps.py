from django.apps import AppConfig


class ResidencyConfig(AppConfig):
    name = "weibao.residency"
    label = "residency"
    verbose_name = "服务团队与驻场"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.accounts.permissions import works_the_service
        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav

        register_action_labels(
            {
                "residency.member_propose": _("服务团队：提出成员或更换"),
                "residency.member_leave": _("服务团队：申请撤换成员"),
                "residency.member_decide": _("服务团队：医院答复成员变更"),
                "residency.certificate_add": _("服务团队：登记资质证书"),
                "residency.check_in": _("驻场：签到"),
                "residency.check_out": _("驻场：签退"),
                "residency.leave_request": _("驻场：申请请假"),
                "residency.leave_decide": _("驻场：医院审批请假"),
                "residency.evaluate": _("驻场：医院考评"),
            }
        )
        register_nav(_("驻场"), "residency:home", group="operations", order=330, visible=works_the_service)
