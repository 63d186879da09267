"""Named choices of the service desk."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketState(models.TextChoices):
    """The ticket states and their labels (a word that is also a button, 挂起 or 重新打开, carries the
    context "ticket state"; the button is "ticket action" in :mod:`.workflow`, so another language
    can tell "On hold" from "Put on hold"): the one vocabulary (pages, ledger, notices and the
    contract templates' clock rules all name states by these codes and show these labels).
    ``resolved`` is 待确认: the vendor has fixed it and the reporter is asked to confirm."""

    NEW = "new", _("新建")
    RESPONDED = "responded", _("已响应")
    IN_PROGRESS = "in_progress", _("处理中")
    ONSITE_REQUIRED = "onsite_required", _("需到场")
    ONSITE = "onsite", pgettext_lazy("ticket state", "已到场")
    ON_HOLD = "on_hold", pgettext_lazy("ticket state", "挂起")
    WAITING_HOSPITAL = "waiting_hospital", pgettext_lazy("ticket state", "等待医院")
    RESOLVED = "resolved", _("待确认")
    REOPENED = "reopened", pgettext_lazy("ticket state", "重新打开")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATES = frozenset(
    {
        TicketState.NEW,
        TicketState.RESPONDED,
        TicketState.IN_PROGRESS,
        TicketState.ONSITE_REQUIRED,
        TicketState.ONSITE,
        TicketState.ON_HOLD,
        TicketState.WAITING_HOSPITAL,
        TicketState.REOPENED,
    }
)
DONE_STATES = frozenset({TicketState.RESOLVED, TicketState.CLOSED, TicketState.CANCELLED})


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")
    REMOTE = "remote_desktop", _("远程")
    QQ = "qq", _("QQ")
    WECHAT = "wechat", _("微信")
    ONSITE = "onsite", _("现场")
    BASTION = "bastion_host", _("堡垒机")
    QR_FORM = "qr_form", _("扫码报修")
    WEB = "web", _("网页")
    API = "api", _("API")
    PROBE = "probe", _("自动探测")


class ClockKind(models.TextChoices):
    RESPONSE = "response", pgettext_lazy("clock", "响应")
    ONSITE = "onsite", _("到场")
    RESOLUTION = "resolution", _("解决")


class ClockStatus(models.TextChoices):
    PENDING = "pending", _("未开始")
    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("暂停")
    MET = "met", _("达标")
    BREACHED = "breached", _("超时")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class EventKind(models.TextChoices):
    CREATED = "created", _("创建")
    TRANSITION = "transition", _("状态变更")
    REPLY = "reply", _("回复")
    NOTE = "note", _("内部备注")
    CHANGE = "change", _("修改")
    ASSIGN = "assign", _("指派")
    FLAG = "flag", _("标记")
    ATTACHMENT = "attachment", _("附件")
    SLA = "sla", _("时限")
    REQUEST = "request", _("申请")


class DataChangeKind(models.TextChoices):
    RECOVERY = "recovery", _("数据恢复")
    ADJUSTMENT = "adjustment", _("数据调整")


class DataChangeState(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    EXECUTED = "executed", _("已执行")
    VERIFIED = "verified", _("已核验")


class ChangeRequestState(models.TextChoices):
    SUBMITTED = "submitted", _("已提出")
    ASSESSED = "assessed", _("已评估")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    DEVELOPMENT = "development", _("开发中")
    TESTING = "testing", _("测试中")
    DEPLOYED = "deployed", _("已上线")
