"""States of a due deliverable."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliverableState(models.TextChoices):
    DUE = "due", _("待交付")
    PRODUCED = "produced", _("已生成")
    SIGNED = "signed", _("已签署")


class ServiceReportState(models.TextChoices):
    """A 服务报告 is written (draft) by the vendor's engineer, then signed by the user: frozen."""

    DRAFT = "draft", _("待用户签字")
    SIGNED = "signed", _("已签字")


class ServiceReportSource(models.TextChoices):
    TICKET = "ticket", _("工单")
    INSPECTION = "inspection", _("巡检")


class ServiceMode(models.TextChoices):
    ONSITE = "onsite", _("上门现场服务")
    REMOTE = "remote", _("远程服务")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIR = "fair", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
