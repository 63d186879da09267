"""The states of an assessment, a sample row and a payment, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentState(models.TextChoices):
    """draft → submitted (the vendor's self-assessment) → reviewed (the hospital) → signed
    (frozen). A hospital admin may reopen a signed assessment; the history keeps every move."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("厂商已自评")
    REVIEWED = "reviewed", _("医院已评价")
    SIGNED = "signed", _("已签署")


class SampleResult(models.TextChoices):
    PENDING = "pending", _("待评价")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class PaymentStatus(models.TextChoices):
    WAITING = "waiting", _("未满足条件")
    PAYABLE = "payable", _("可支付")
    PAID = "paid", _("已支付")
    FORFEITED = "forfeited", _("已扣除")


class TerminationState(models.TextChoices):
    NONE = "", _("无")
    PROPOSED = "proposed", _("待确认终止")
    CONFIRMED = "confirmed", _("已确认终止")
    DISMISSED = "dismissed", _("不终止")


#: How each move of an assessment's history reads.
EVENT_LABELS = {
    "open": _("创建"),
    "refresh": _("重新计算"),
    "submit": _("厂商提交自评"),
    "review": _("医院评价"),
    "sign": _("签署"),
    "reopen": _("重新打开"),
    "sample": _("抽取样本"),
    "waive": _("免除扣款"),
    "unwaive": _("恢复扣款"),
    "termination": _("终止合同决定"),
}
