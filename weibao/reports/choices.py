"""States of a due deliverable."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliverableState(models.TextChoices):
    DUE = "due", _("待交付")
    PRODUCED = "produced", _("已生成")
    SIGNED = "signed", _("已签署")
