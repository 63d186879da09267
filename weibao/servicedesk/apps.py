from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "weibao.servicedesk"
    label = "servicedesk"
    verbose_name = "服务台"

    def ready(self) -> None:
        from django.utils.text import format_lazy
        from django.utils.translation import gettext_lazy as _

        from weibao.accounts import permissions
        from weibao.audit.labels import register_action_labels
        from weibao.calendars.changes import on_calendar_change, on_statutory_change
        from weibao.core.demo import register_demo_step
        from weibao.core.navigation import register_nav
        from weibao.core.views import register_home_panel
        from weibao.notifications.events import register_event
        from weibao.notifications.outbox import register_handler

        from . import escalation, notify, tasks
        from .demo import demo_tickets
        from .sla import recompute_for_calendars, recompute_for_years
        from .views import home as home_views
        from .workflow import REQUEST_LABELS, TRANSITIONS

        # The jobs that notices and the scan queue (and that call back into them).
        notify.check_ticket.bind(tasks.check_ticket)
        escalation.check_tickets.bind(tasks.check_tickets)
        register_demo_step("tickets", demo_tickets, order=30)
        register_action_labels(
            {
                **{
                    f"ticket.{t.action}": format_lazy("{}：{}", _("工单"), t.label)
                    for t in TRANSITIONS.values()
                },
                **{
                    f"ticket.request.{action}": format_lazy("{}：{}", _("工单"), label)
                    for action, label in REQUEST_LABELS.items()
                },
                "ticket.severity": _("工单：更改故障等级"),
                "ticket.flag.vendor_caused": _("工单：标记乙方原因"),
                "ticket.flag.adverse_event": _("工单：标记恶性事件"),
                "ticket.move": _("工单：转至其他合同"),
                "ticket.remote_started": _("工单：开始远程服务"),
            }
        )
        register_event("ticket.moved", _("工单转入或转出合同"))
        register_event("ticket.request", _("厂商申请取消或暂停计时，待医院确认"))
        register_handler(notify.TOPIC, notify.handle_notice)
        on_statutory_change(recompute_for_years)
        on_calendar_change(recompute_for_calendars)
        register_nav(_("工单"), "servicedesk:ticket_list", order=10)
        register_nav(_("SLA 风险"), "servicedesk:risk_board", order=20)
        register_nav(
            _("数据变更"),
            "servicedesk:data_change_list",
            group="desk",
            order=30,
            visible=lambda user: permissions.department_only(user) is None,
        )
        register_nav(
            _("需求变更"),
            "servicedesk:change_request_list",
            group="desk",
            order=40,
            visible=lambda user: permissions.department_only(user) is None,
        )
        register_home_panel(home_views.report_panel, order=3)
        register_home_panel(home_views.engineer_panel, order=8)
        register_home_panel(home_views.hospital_panel, order=10)
        register_home_panel(home_views.vendor_panel, order=10)
        register_home_panel(home_views.auditor_panel, order=10)
        register_home_panel(home_views.home_panel, order=12)
