"""The append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import user_scope

from .labels import action_label


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> AuditEventQuerySet:
        """Platform admins see all; an organisation's admins and its auditors its events (and their
        own); a user who reads no organisation's trail (a department user, an engineer) nothing."""
        scope = user_scope(user)
        if scope.everything:
            return self
        if not scope.audit_org_ids:
            return self.none()
        return self.filter(Q(organization_id__in=scope.audit_org_ids) | Q(actor_id=user.pk))


def reads_audit_trail(user: Any) -> bool:
    """Whether ``user`` reads some organisation's audit trail (the audit pages are theirs)."""
    scope = user_scope(user)
    return scope.everything or bool(scope.audit_org_ids)


class AuditEvent(models.Model):
    """One thing that happened: who, when, from where, what, on which object, and whether it
    succeeded. Rows are never updated or deleted by the application; each row stores the hash of
    the previous row and its own (an HMAC under a key kept outside the database), so an edit made
    behind the application's back breaks the chain at that row (``weibao audit verify``)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # No database constraint and no cascade: deleting a user or an organisation must not
    # rewrite history (and so break the chain).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField(_("用户"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    success = models.BooleanField(_("成功"), default=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    # Which key signed the record (:mod:`weibao.audit.keys`): ``sha256`` for the records written
    # before the chain was keyed.
    key_id = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=64)
    # Not indexed: the chain is walked in id order, never searched by hash, and each index on a
    # random 64-character key costs every append.
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")

    @property
    def action_label(self) -> str:
        """The action in words (see :mod:`weibao.audit.labels`)."""
        return action_label(self.action)


class ChainHead(models.Model):
    """The end of the chain: the hash of the last record (and of the one before it). Every append
    updates this one row, in the appending transaction: on PostgreSQL its row lock is what orders
    concurrent appends (and lets the new hash be computed in the same statement as the insert),
    and ``weibao audit verify`` compares it with the last record, so records cut off the end of
    the log are found too."""

    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链尾")
        verbose_name_plural = _("审计链尾")

    def __str__(self) -> str:
        return self.hash
