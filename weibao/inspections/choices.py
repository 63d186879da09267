"""The states and modes of an inspection, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionState(models.TextChoices):
    """The stored state. 逾期 (overdue) is not stored: it is a planned inspection whose due date has
    passed, which depends on today, so it is computed when read (``selectors.with_status``) and
    never goes stale waiting for a job to flip it."""

    PLANNED = "planned", _("待巡检")
    DONE = "done", _("已完成")


class InspectionStatus(models.TextChoices):
    """What a reader sees: the stored state, with 逾期 for a planned one past its due date."""

    PLANNED = "planned", _("待巡检")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("逾期")


class InspectionMode(models.TextChoices):
    """On site or remote, as the contract's obligation says."""

    ONSITE = "onsite", _("现场")
    REMOTE = "remote", _("远程")
    BOTH = "both", _("现场或远程")
