"""The states and modes of an inspection, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionState(models.TextChoices):
    """The stored state: planned, started (its checklist is out and being filled), done (signed by
    both sides, frozen). 逾期 (overdue) is not stored: it is a planned inspection whose due date has
    passed, which depends on today, so it is computed when read (``selectors.with_status``) and
    never goes stale waiting for a job to flip it."""

    PLANNED = "planned", _("待巡检")
    STARTED = "started", _("进行中")
    DONE = "done", _("已完成")


class InspectionStatus(models.TextChoices):
    """What a reader sees: the stored state, with 逾期 for a planned one past its due date."""

    PLANNED = "planned", _("待巡检")
    STARTED = "started", _("进行中")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("逾期")


class InspectionMode(models.TextChoices):
    """On site or remote, as the contract's obligation says."""

    ONSITE = "onsite", _("现场")
    REMOTE = "remote", _("远程")
    BOTH = "both", _("现场或远程")


class ItemResult(models.TextChoices):
    """An item's result; blank until someone (or a probe) fills it."""

    OK = "ok", _("正常")
    ABNORMAL = "abnormal", _("异常")
    NOT_APPLICABLE = "na", _("不适用")


class ItemKind(models.TextChoices):
    """What an item asks for (the checklist's ``kind``)."""

    PASS_FAIL = "pass_fail", _("正常/异常")
    NUMBER = "number", _("数值")
    TEXT = "text", _("文字")
    PHOTO = "photo", _("照片")


class ItemSource(models.TextChoices):
    """Who filled an item: a person, or a probe's latest result (自动巡检)."""

    PERSON = "person", _("人工")
    PROBE = "probe", _("自动巡检")


class SignSide(models.TextChoices):
    """The two sides that sign an inspection."""

    VENDOR = "vendor", _("厂商工程师")
    HOSPITAL = "hospital", _("医院信息科")


#: The modes an engineer chooses from when starting an inspection.
START_MODES = (InspectionMode.ONSITE, InspectionMode.REMOTE)
