"""The residency app's states and kinds, with their Chinese labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberState(models.TextChoices):
    """A team member's place in the team: every change waits for the hospital's consent."""

    PROPOSED = "proposed", _("待医院同意")
    ACTIVE = "active", _("在岗")
    LEAVING = "leaving", _("申请撤换")
    REMOVED = "removed", _("已撤换")
    REFUSED = "refused", _("医院未同意")


class LeaveState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class Channel(models.TextChoices):
    """Where a check-in or check-out was made."""

    WEB = "web", _("网页")
    PHONE = "phone", _("手机")


class DayStatus(models.TextChoices):
    """One resident engineer's workday, as the monthly attendance reads it."""

    PRESENT = "present", _("出勤")
    SHORT = "short", _("工时不足")
    LEAVE = "leave", _("请假（已批准）")
    ABSENT = "absent", _("缺勤")
