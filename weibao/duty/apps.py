from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "weibao.duty"
    label = "duty"
    verbose_name = "值班与应急"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.accounts.permissions import works_the_service
        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav
        from weibao.servicedesk.notify import register_on_duty_resolver

        from .selectors import on_duty_engineers

        # The service desk asks who is on duty when a 致命 or after-hours ticket arrives.
        register_on_duty_resolver(on_duty_engineers)
        register_action_labels(
            {
                "duty.plan": _("值班：生成节假日保障方案"),
                "duty.plan_edit": _("值班：修改节假日保障方案"),
                "duty.shift": _("值班：排班"),
                "duty.pattern": _("值班：设置每周排班"),
                "duty.generate": _("值班：按每周排班生成值班"),
                "duty.swap_request": _("值班：申请换班"),
                "duty.swap_decide": _("值班：审批换班"),
                "duty.feed_renew": _("值班：重置日历订阅地址"),
                "duty.emergency_plan": _("应急：保存应急预案新版本"),
                "duty.drill": _("应急：登记应急演练"),
                "duty.drill_update": _("应急：修改应急演练"),
                "duty.incident": _("应急：新建应急报告"),
                "duty.incident_edit": _("应急：修改应急报告"),
                "duty.incident_sign": _("应急：签字确认应急报告"),
                "duty.remote_request": _("远程运维：申请"),
                "duty.remote_decide": _("远程运维：审批"),
                "duty.remote_start": _("远程运维：开始"),
                "duty.remote_end": _("远程运维：结束"),
            }
        )
        register_nav(_("值班"), "duty:duty_home", group="operations", order=330, visible=works_the_service)
        register_nav(
            _("应急"), "duty:emergency_home", group="operations", order=331, visible=works_the_service
        )
        register_nav(
            _("远程运维"), "duty:remote_list", group="operations", order=332, visible=works_the_service
        )

        from weibao.documents.kinds import DocumentKind, register_kind

        from .incidents import KIND, default_template, sample_context

        register_kind(
            DocumentKind(
                code=KIND,
                label=_("应急报告"),
                default_template=default_template,
                sample_context=sample_context,
            )
        )
