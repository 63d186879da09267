"""The kinds of training a contract asks for, and how a trainee signed in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingKind(models.TextChoices):
    MANAGEMENT = "management", _("管理培训")
    MAINTENANCE = "maintenance", _("维护培训")
    OPERATION = "operation", _("操作培训")


class SignInChannel(models.TextChoices):
    QR = "qr", _("扫码签到")
    MANUAL = "manual", _("代签到")
