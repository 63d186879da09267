"""What the backups app keeps in the database: where the audit chain starts once its oldest
records were archived and pruned."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditPrune(models.Model):
    """One pruning of the audit log: records up to ``through_id`` were exported to ``archive``
    (a signed file that verifies on its own) and deleted. ``weibao audit verify`` starts the
    chain after the latest one, from ``through_hash``, so the remaining records still verify and
    a record deleted without an archive is still found."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    first_id = models.BigIntegerField(_("首条记录ID"))
    through_id = models.BigIntegerField(_("末条记录ID"), unique=True)
    through_hash = models.CharField(max_length=64)
    count = models.PositiveIntegerField(_("记录数"))
    archive = models.CharField(_("归档文件"), max_length=255)
    archive_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计归档")
        verbose_name_plural = _("审计归档")
        ordering = ["-through_id"]

    def __str__(self) -> str:
        return f"{self.archive} ({self.first_id}–{self.through_id})"
