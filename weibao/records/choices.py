"""States of the maintained systems' backup records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckSource(models.TextChoices):
    MANUAL = "manual", _("人工检查")
    PROBE = "probe", _("备份新鲜度探针")


class RestoreResult(models.TextChoices):
    PASSED = "passed", _("恢复成功")
    PARTIAL = "partial", _("部分恢复")
    FAILED = "failed", _("恢复失败")
