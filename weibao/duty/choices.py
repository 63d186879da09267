"""The duty rosters' vocabulary: who stands which shift, where a shift came from, a swap's state."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DutyRole(models.TextChoices):
    """An engineer's place in a duty group. Ordered so that ``order_by("-role")`` puts the primary
    engineer first (p > b), which :func:`weibao.duty.selectors.on_duty` relies on."""

    PRIMARY = "primary", _("主值班")
    BACKUP = "backup", _("备班")


class ShiftSource(models.TextChoices):
    MANUAL = "manual", _("手工排班")
    PATTERN = "pattern", _("每周排班")
    HOLIDAY = "holiday", _("节假日保障")


class SwapState(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")


WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class IncidentState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SIGNED = "signed", _("已签字")


#: The milestones of an incident's timeline, in order, and the ticket fact each is read from.
MILESTONES = [
    ("detected", _("发现")),
    ("responded", _("响应")),
    ("escalated", _("升级到场")),
    ("onsite", _("到场")),
    ("restored", _("恢复")),
]


class RemoteState(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")
    ACTIVE = "active", _("进行中")
    ENDED = "ended", _("已结束")
