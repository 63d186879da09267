"""The in-app inbox, the record of every send, group robots, and per-user preferences."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core import crypto
from weibao.core.tenancy import TenantModel, TenantQuerySet, user_scope, visibility_q

from .choices import Channel, DeliveryStatus, PreferenceChannel, RobotKind
from .events import event_label


def _mask_part(value: str) -> str:
    # crypto.mask, with the stars capped so a 64-character key does not fill the table cell.
    masked = crypto.mask(value, keep=3)
    return masked if len(value) <= 6 else value[:3] + "*" * min(len(value) - 6, 8) + value[-3:]


def mask_url(url: str) -> str:
    """A webhook URL one can recognise but not use: scheme, host and short path segments stay,
    every query value and every long path segment (where robot keys live) is masked."""
    if not url:
        return ""
    parts = urlsplit(url)
    path = "/".join(_mask_part(seg) if len(seg) >= 16 else seg for seg in parts.path.split("/"))
    query = "&".join(
        f"{key}={_mask_part(value)}" for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


class NotificationQuerySet(TenantQuerySet):
    def visible_to(self, user: Any) -> NotificationQuerySet:
        """A notification is its recipient's alone (not even platform admins read others' inboxes),
        and only while the recipient may still see the hospital it is about."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient_id=user.pk).filter(
            Q(hospital__isnull=True) | visibility_q(self.model, user_scope(user))
        )

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(TenantModel):
    """One message to one user in the in-app inbox (站内通知): what happened, and a link to it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    event = models.CharField(_("事件"), max_length=64)
    hospital = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("医院"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # What the notice is about, as the app that sent it names it ("servicedesk.ticket:42"), so
    # that app can mark its notices done when they no longer ask for anything (see
    # :func:`.services.notices_settle`).
    subject = models.CharField(_("对象"), max_length=64, blank=True, default="")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_inbox"),
            # Only the unread notices about a subject: the ones a move of the subject may settle.
            models.Index(
                fields=["subject"],
                name="notif_subject_unread",
                condition=models.Q(read_at__isnull=True) & ~models.Q(subject=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def event_label(self) -> str:
        return event_label(self.event)


class RobotQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RobotQuerySet:
        """A group robot is its organisation's configuration, like its memberships: the admins of
        the owning hospital or vendor (and platform admins) see it; nobody else does, because the
        URL reaches the group."""
        if user_scope(user).everything:
            return self
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(organization_id__in=user.admin_org_ids())


class RobotWebhook(models.Model):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot that receives the events it subscribes to.

    It belongs to a hospital or a vendor. Without a contract it receives the events of every
    contract (and hospital-level event) that organisation is party to; with one, only that
    contract's. The URL carries the robot's key and the DingTalk 加签 secret signs each message:
    both are encrypted at rest and only ever shown masked.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="robots", verbose_name=_("所属机构")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        # A robot scoped to a contract must not silently widen to the whole organisation.
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("仅限合同"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RobotKind.choices)
    name = models.CharField(_("名称"), max_length=64)
    url_encrypted = models.TextField(editable=False)
    url_hint = models.CharField(_("Webhook 地址"), max_length=500, editable=False)
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_hint = models.CharField(max_length=32, blank=True, editable=False)
    events = models.JSONField(_("接收的事件"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RobotQuerySet.as_manager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["organization_id", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="robot_unique_name")]

    def __str__(self) -> str:
        return self.name

    def set_url(self, url: str) -> None:
        self.url_encrypted = crypto.encrypt(url)
        self.url_hint = mask_url(url)[:500]

    def get_url(self) -> str:
        """Only the sender calls this."""
        return crypto.decrypt(self.url_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)
        self.secret_hint = _mask_part(secret)[:32]

    def get_secret(self) -> str:
        """Only the sender calls this."""
        return crypto.decrypt(self.secret_encrypted)

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def event_labels(self) -> list[str]:
        return [event_label(code) for code in self.events]


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> DeliveryQuerySet:
        """The deliveries of one's own messages, and those of the robots one administers."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if user_scope(user).everything:
            return self
        return self.filter(Q(recipient_id=user.pk) | Q(robot__in=RobotWebhook.objects.visible_to(user)))


class Delivery(models.Model):
    """One message sent through one channel (an email to one address, a post to one group robot),
    with every attempt's outcome: how many, the last error, when it was sent.

    The message itself is copied here so that it can be sent (and shown as sent) whatever happens
    to the in-app copy: a user may switch the inbox off for an event and keep email on.
    """

    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    target = models.CharField(_("目标"), max_length=254, help_text=_("邮箱地址或机器人名称"))
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    robot = models.ForeignKey(
        RobotWebhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.CharField(_("事件"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近一次失败原因"), blank=True)
    # When the next attempt is due; also a lease while an attempt runs, so that two workers (or
    # a retry and the periodic drain) never send the same message twice.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target}: {self.title}"


class NotificationPreference(models.Model):
    """A user's switch for one event on one channel (站内 or 邮件). No row means on: only the
    channels a user switched off are stored, so new events reach everyone by default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("事件"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=16, choices=PreferenceChannel.choices)
    enabled = models.BooleanField(_("接收"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "channel"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.event} {self.channel}: {'on' if self.enabled else 'off'}"


class PendingNotice(models.Model):
    """An event whose notices are still to be worked out: the outbox of the apps that notify.

    A service writes it in the same transaction as the change it tells of (a new ticket, a
    reply), so the change and the promise of its notices commit together or not at all. A worker
    turns it into notifications and deliveries (:mod:`weibao.notifications.outbox`) and deletes
    it, in one transaction: a worker or web process killed at any point loses no notice and
    makes none twice. The id is drawn by the writer, so a batch insert needs nothing back.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(_("类型"), max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    # When the next attempt is due; null once the attempts ran out (the status page shows those).
    due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("待处理通知")
        verbose_name_plural = _("待处理通知")
        indexes = [models.Index(fields=["due_at"], name="pending_notice_due")]

    def __str__(self) -> str:
        return f"{self.topic} {self.payload}"
