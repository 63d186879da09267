"""Named choices of the notifications app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """The events other apps pass to :func:`weibao.notifications.services.notify`.

    Apps that need more register them with :func:`weibao.notifications.events.register_event`;
    the codes are stored as plain strings, so adding one needs no migration.
    """

    TICKET_CREATED = "ticket.created", _("新报修")
    TICKET_ASSIGNED = "ticket.assigned", _("工单指派给我")
    TICKET_URGENT = "ticket.urgent", _("紧急报修（致命故障或非工作时间）")
    TICKET_FATAL = "ticket.fatal", _("致命故障")
    TICKET_AFTER_HOURS = "ticket.after_hours", _("非工作时间报修")
    SLA_WARNING = "sla.warning", _("时限预警（已用 75%）")
    SLA_BREACHED = "sla.breached", _("时限超时")
    TICKET_RESOLVED = "ticket.resolved", _("已修复，待确认")
    TICKET_REOPEN = "ticket.reopen", _("工单被重新打开")
    TICKET_CONFIRM = "ticket.confirm", _("工单已确认关闭")
    TICKET_REPLY = "ticket.reply", _("工单有新回复")


#: The event of a robot's test message; not subscribable and never sent to users.
TEST_EVENT = "robot.test"


class Channel(models.TextChoices):
    """Where a delivery goes."""

    EMAIL = "email", _("邮件")
    WECOM = "wecom", _("企业微信群")
    DINGTALK = "dingtalk", _("钉钉群")


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class PreferenceChannel(models.TextChoices):
    """The channels a user can switch per event; group robots are configured per group."""

    IN_APP = "in_app", _("站内")
    EMAIL = "email", _("邮件")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")
