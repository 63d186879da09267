"""Writes of the notifications app.

Other apps call :func:`notify`: it records the in-app notifications and the deliveries in the
caller's transaction and sends nothing until that transaction commits, so a rolled-back change
tells nobody. Sending happens in the job worker (:mod:`.tasks`), one delivery per job, each
attempt recorded on the delivery, failures retried with doubling delays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.choices import OrgKind
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record, save_audited
from weibao.core.tasks import JobRef

from . import senders
from .choices import TEST_EVENT, Channel, DeliveryStatus, PreferenceChannel, RobotKind
from .events import event_label, is_event
from .models import Delivery, Notification, NotificationPreference, RobotWebhook
from .selectors import robots_for_event

if TYPE_CHECKING:
    from weibao.accounts.models import Organization, User
    from weibao.contracts.models import Contract

log = logging.getLogger(__name__)

#: Attempts per delivery before it is marked failed.
MAX_ATTEMPTS = 5
#: Delay after the first failure; it doubles after each further one (30 s, 1, 2, 4 min).
RETRY_BASE_SECONDS = 30


def lease() -> timedelta:
    """How long an attempt holds its delivery (``WEIBAO_DELIVERY_LEASE_SECONDS``, 120 by default):
    longer than any attempt can take (the senders' timeouts are seconds). A worker that dies
    mid-send leaves its delivery to be sent again once this has passed."""
    return timedelta(seconds=settings.WEIBAO_DELIVERY_LEASE_SECONDS)


def retry_delay(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed attempts: 30, 60, 120, 240."""
    return int(RETRY_BASE_SECONDS * 2 ** (attempts - 1))


# --- notify ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One event to tell: see :func:`notify`."""

    event: str
    recipients: tuple[User, ...]
    title: str
    body: str
    url: str = ""
    hospital: Organization | None = None
    contract: Contract | None = None
    subject: str = ""


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    title: str,
    body: str,
    url: str = "",
    hospital: Organization | None = None,
    contract: Contract | None = None,
) -> list[Notification]:
    """Tell ``recipients`` (and the group robots that subscribe) that ``event`` happened.

    Creates an in-app notification for each active recipient who has not switched the event
    off, an email delivery for each who has an address and email on, and a delivery to every
    active robot subscribed to the event whose organisation is the hospital or a party to the
    contract (robots limited to a contract only hear that contract). ``hospital`` defaults to the
    contract's. Nothing is sent before the caller's transaction commits. A few queries, no
    network: safe inside a request. Returns the in-app notifications created.
    """
    return notify_many([Message(event, tuple(recipients), title, body, url, hospital, contract)])


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """:func:`notify` for many messages at once (the breach scan's batches): one query for the
    recipients' preferences, the robots looked up once per event and party, and one insert each
    for all notifications and all deliveries."""
    messages = list(messages)
    for m in messages:
        if not is_event(m.event):
            raise ValueError(f"unknown notification event {m.event!r}; register it first")
    prepared = []
    everyone: set[int] = set()
    for m in messages:
        users: dict[int, User] = {}
        for user in m.recipients:
            if user is not None and user.pk is not None and user.is_active:
                users.setdefault(user.pk, user)
        everyone |= set(users)
        hospital_id = (
            m.hospital.pk if m.hospital is not None else (m.contract.hospital_id if m.contract else None)
        )
        prepared.append((m, users, hospital_id))
    off: set[tuple[int, str, str]] = set()
    if everyone:
        off = set(
            NotificationPreference.objects.filter(
                user_id__in=sorted(everyone), event__in={m.event for m in messages}, enabled=False
            ).values_list("user_id", "event", "channel")
        )
    robots_of: dict[tuple[str, int | None, int | None], list[RobotWebhook]] = {}

    now = timezone.now()
    in_app_rows: list[Notification] = []
    plans = []
    for m, users, hospital_id in prepared:
        contract_id = m.contract.pk if m.contract is not None else None
        key = (m.event, hospital_id, contract_id)
        if key not in robots_of:
            robots_of[key] = robots_for_event(event=m.event, hospital_id=hospital_id, contract=m.contract)
        message = {
            "event": m.event,
            "title": (m.title or "").strip()[:200] or event_label(m.event),
            "body": m.body or "",
            "url": (m.url or "")[:500],
            "hospital_id": hospital_id,
        }
        mine = [
            Notification(recipient=user, created_at=now, subject=m.subject[:64], **message)
            for pk, user in users.items()
            if (pk, m.event, PreferenceChannel.IN_APP.value) not in off
        ]
        in_app_rows += mine
        plans.append((m, users, message, mine, robots_of[key]))
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(in_app_rows)
        deliveries: list[Delivery] = []
        for m, users, message, mine, robots in plans:
            in_app = {n.recipient_id: n for n in mine}
            deliveries += [
                Delivery(
                    channel=Channel.EMAIL,
                    target=user.email,
                    recipient=user,
                    notification=in_app.get(pk),
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                    **message,
                )
                for pk, user in users.items()
                if user.email and (pk, m.event, PreferenceChannel.EMAIL.value) not in off
            ]
            deliveries += [
                Delivery(
                    channel=robot.kind,
                    target=robot.name,
                    robot=robot,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                    **message,
                )
                for robot in robots
            ]
        deliveries = Delivery.objects.bulk_create(deliveries)
        if deliveries:
            # robust: an unreachable job broker must not fail the caller's committed change; the
            # periodic drain sends what could not be queued (see .outbox).
            transaction.on_commit(partial(_enqueue, [d.pk for d in deliveries]), robust=True)
    return notifications


#: :func:`.tasks.send_delivery`, queued for each delivery once its transaction commits.
send_delivery: JobRef[[int]] = JobRef("notifications.send_delivery")


def _enqueue(delivery_ids: list[int]) -> None:
    for pk in delivery_ids:
        send_delivery(pk)


def notices_settle(*, subject: str, events: Iterable[str]) -> int:
    """The hook an app above calls when its ``subject`` moves on: mark done (read) the unread
    notices about it whose ``events`` no longer ask the recipient for anything (a "请确认…已解决"
    after the ticket was confirmed or reopened). Runs in the caller's transaction; returns how
    many changed. No permission question: it only retires what the system itself sent."""
    codes = sorted(set(events))
    if not subject or not codes:
        return 0
    return Notification.objects.filter(subject=subject, read_at__isnull=True, event__in=codes).update(
        read_at=timezone.now()
    )


def mark_read(*, user: User, notification_ids: Iterable[int] | None) -> int:
    """Mark the user's own unread notifications read (others' ids are ignored); ``None`` marks
    all of them. Returns how many changed."""
    qs = Notification.objects.visible_to(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


# --- preferences ----------------------------------------------------------------------------------


def preferences_update(
    *, user: User, preferences: Mapping[str, Mapping[str, bool]], context: AuditContext | None = None
) -> None:
    """Switch channels per event: ``{"sla.warning": {"in_app": True, "email": False}}``. Events
    and channels not named keep their setting."""
    channels = set(PreferenceChannel.values)
    errors = [code for code in preferences if not is_event(code)]
    if errors:
        raise ValidationError({"event": _("未知的事件：%(e)s") % {"e": ", ".join(sorted(errors))}})
    bad = sorted({ch for switches in preferences.values() for ch in switches if ch not in channels})
    if bad:
        raise ValidationError({"channel": _("未知的渠道：%(c)s") % {"c": ", ".join(bad)}})
    now = timezone.now()
    changes = [
        (event, ch, bool(on)) for event, switches in preferences.items() for ch, on in switches.items()
    ]
    with transaction.atomic():
        for event, channel, _on in changes:
            NotificationPreference.objects.filter(user=user, event=event, channel=channel).delete()
        # Only "off" is stored: no row means on, so events added later reach everyone.
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(user=user, event=event, channel=channel, enabled=False, updated_at=now)
                for event, channel, on in changes
                if not on
            ]
        )
        audit_record(
            action="notification.preferences",
            actor=user,
            context=context,
            detail={"changes": [{"event": e, "channel": c, "enabled": on} for e, c, on in changes]},
        )


# --- group robots ---------------------------------------------------------------------------------


def can_manage_robots(user: User, organization_id: int) -> bool:
    """Robots are their organisation's: its admins (hospital admin, vendor manager) manage them."""
    return permissions.can_manage_robots(user, organization_id)


def _require_robot_admin(actor: User, organization_id: int) -> None:
    if not can_manage_robots(actor, organization_id):
        raise PermissionDenied(_("只有本机构的管理员可以管理群机器人。"))


def _check_url(url: str) -> str | None:
    try:
        senders.robot_url(url)
    except senders.RobotURLError as exc:
        if exc.reason != "host" or not urlsplit(url).hostname:
            return str(exc)
        return _(
            "不允许向主机 %(h)s 发送：群机器人只能使用 %(allowed)s。"
            "如需经内网代理转发，请系统管理员在 WEIBAO_ROBOT_HOSTS 中加入代理的主机名。"
        ) % {"h": urlsplit(url).hostname, "allowed": "、".join(settings.WEIBAO_ROBOT_HOSTS) or "—"}
    return None


def _validate_robot(robot: RobotWebhook, *, url: str | None, secret: str | None) -> None:
    errors: dict[str, Any] = {}
    if robot.organization.kind not in (OrgKind.HOSPITAL, OrgKind.VENDOR):
        errors["organization"] = _("只有医院和厂商可以配置群机器人。")
    if robot.kind not in RobotKind.values:
        errors["kind"] = _("未知的机器人类型。")
    if not (robot.name or "").strip():
        errors["name"] = _("请填写名称。")
    elif (
        RobotWebhook.objects.filter(organization_id=robot.organization_id, name=robot.name.strip())
        .exclude(pk=robot.pk)
        .exists()
    ):
        errors["name"] = _("本机构已有同名的群机器人。")
    if url is not None and (problem := _check_url(url.strip())):
        errors["url"] = problem
    if robot.kind == RobotKind.WECOM and secret:
        errors["secret"] = _("企业微信群机器人没有加签密钥，请留空。")
    events = robot.events
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        errors["events"] = _("请至少选择一个事件。")
    elif unknown := sorted({e for e in events if not is_event(e)}):
        errors["events"] = _("未知的事件：%(e)s") % {"e": ", ".join(unknown)}
    contract = robot.contract
    if contract is not None and robot.organization_id not in (contract.hospital_id, contract.vendor_id):
        errors["contract"] = _("该合同不属于本机构。")
    if errors:
        raise ValidationError(errors)


def robot_create(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    name: str,
    url: str,
    events: list[str],
    secret: str = "",
    contract: Contract | None = None,
    is_active: bool = True,
    context: AuditContext | None = None,
) -> RobotWebhook:
    """Add a group robot for an organisation (its admins only)."""
    _require_robot_admin(actor, organization.pk)
    robot = RobotWebhook(
        organization=organization,
        contract=contract,
        kind=kind,
        name=(name or "").strip(),
        events=list(dict.fromkeys(events or [])),
        is_active=is_active,
        created_by=actor,
    )
    _validate_robot(robot, url=url or "", secret=secret)
    robot.set_url(url.strip())
    if secret:
        robot.set_secret(secret.strip())
    save_audited(
        robot,
        action="robot.create",
        actor=actor,
        context=context,
        organization=organization,
        detail={"kind": kind, "events": robot.events, "contract": contract.pk if contract else None},
    )
    return robot


_ROBOT_FIELDS = {"name", "url", "secret", "events", "contract", "is_active"}


def robot_update(
    *, actor: User, robot: RobotWebhook, context: AuditContext | None = None, **fields: Any
) -> RobotWebhook:
    """Change a robot. ``url``/``secret`` of ``None`` keep the stored value; a ``secret`` of ``""``
    removes it (the DingTalk robot no longer uses 加签)."""
    _require_robot_admin(actor, robot.organization_id)
    unknown = set(fields) - _ROBOT_FIELDS
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    url = fields.pop("url", None)
    secret = fields.pop("secret", None)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    if "events" in fields:
        fields["events"] = list(dict.fromkeys(fields["events"] or []))
    for key, value in fields.items():
        setattr(robot, key, value)
    _validate_robot(robot, url=url, secret=secret)
    changed = sorted(fields)
    if url is not None:
        robot.set_url(url.strip())
        changed.append("url")
    if secret is not None:
        if secret:
            robot.set_secret(secret.strip())
        else:
            robot.secret_encrypted, robot.secret_hint = "", ""
        changed.append("secret")
    robot.updated_at = timezone.now()
    # The URL and the secret are never written to the audit log, only that they changed.
    save_audited(
        robot,
        action="robot.update",
        actor=actor,
        context=context,
        organization=robot.organization,
        detail={"changed": changed},
    )
    return robot


def robot_deactivate(
    *, actor: User, robot: RobotWebhook, context: AuditContext | None = None
) -> RobotWebhook:
    """Stop a robot; it keeps its history and can be switched on again."""
    return robot_update(actor=actor, robot=robot, context=context, is_active=False)


def robot_send_test(*, actor: User, robot: RobotWebhook, context: AuditContext | None = None) -> Delivery:
    """Send a test message now, once, and return the delivery with its outcome: the admin who
    pressed the button wants to know at once whether the URL and secret work."""
    _require_robot_admin(actor, robot.organization_id)
    now = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.create(
            channel=robot.kind,
            target=robot.name,
            robot=robot,
            hospital=robot.organization if robot.organization.kind == OrgKind.HOSPITAL else None,
            event=TEST_EVENT,
            title=_("维保平台测试消息"),
            body=_("群机器人“%(name)s”已连通，%(who)s 于 %(at)s 发送了这条测试消息。")
            % {"name": robot.name, "who": actor, "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")},
            next_attempt_at=now,
        )
        audit_record(
            action="robot.test", actor=actor, context=context, obj=robot, organization=robot.organization
        )
    delivery_send(delivery_id=delivery.pk, retry=False)
    delivery.refresh_from_db()
    return delivery


# --- sending --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt: the delivery's status, and when to try again if at all."""

    status: str
    retry_in: int | None = None
    error: str = ""


def delivery_send(*, delivery_id: int, retry: bool = True) -> Attempt | None:
    """Make one attempt at a pending delivery that is due, and record it.

    The delivery is claimed first (its due time moves forward by a lease), so a retry and the
    periodic drain never send the same message twice. On failure the reason is kept and, while
    attempts remain and ``retry`` is set, the next attempt is due after :func:`retry_delay`.
    Returns ``None`` when there was nothing to do (already sent, failed, not due, or claimed).
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + lease(), updated_at=now)
    if not claimed:
        return None
    return delivery_attempt(
        Delivery.objects.select_related("robot", "recipient").get(pk=delivery_id), retry=retry
    )


def delivery_claim_next() -> Delivery | None:
    """Claim the oldest due delivery nobody else holds (see :mod:`.outbox`), or ``None``."""
    now = timezone.now()
    with transaction.atomic():
        delivery: Delivery | None = (
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("robot", "recipient")
            .first()
        )
        if delivery is None:
            return None
        delivery.next_attempt_at = now + lease()
        delivery.updated_at = now
        delivery.save(update_fields=["next_attempt_at", "updated_at"])
    return delivery


def delivery_attempt(delivery: Delivery, *, retry: bool = True) -> Attempt:
    """Send a delivery this process has claimed, and record the outcome at once."""
    delivery.attempts += 1
    try:
        _dispatch(delivery)
    except senders.SendError as exc:
        return _record_failure(delivery, exc.reason, permanent=exc.permanent or not retry)
    except Exception as exc:  # a bug or an undecryptable secret: record it rather than lose it
        log.exception("delivery %s failed unexpectedly", delivery.pk)
        return _record_failure(delivery, f"{type(exc).__name__}: {exc}", permanent=not retry)
    # Marked sent in the very next statement: a crash between the send and this is the only
    # way a message can go out twice (see the outbox's docstring).
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = delivery.updated_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at", "updated_at"])
    return Attempt(DeliveryStatus.SENT)


def message_id(delivery: Delivery) -> str:
    """The email's Message-ID, the same for every attempt at one delivery."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("<> ") or "weibao"
    return f"<weibao.delivery.{delivery.pk}.{delivery.created_at:%Y%m%d%H%M%S}@{domain}>"


def _record_failure(delivery: Delivery, reason: str, *, permanent: bool) -> Attempt:
    now = timezone.now()
    delivery.last_error = reason[:2000]
    delivery.updated_at = now
    retry_in = None
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        retry_in = retry_delay(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=retry_in)
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])
    log.warning(
        "delivery %s (%s) attempt %s failed: %s", delivery.pk, delivery.channel, delivery.attempts, reason
    )
    return Attempt(delivery.status, retry_in, reason)


def _dispatch(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        if delivery.recipient is not None and not delivery.recipient.is_active:
            raise senders.SendError(_("用户已停用，不再发送。"), permanent=True)
        senders.send_email(
            to=delivery.target,
            subject=_("【维保】%(t)s") % {"t": delivery.title},
            body=senders.email_text(body=delivery.body, url=delivery.url),
            message_id=message_id(delivery),
        )
        return
    robot = delivery.robot
    if robot is None:
        raise senders.SendError(_("群机器人已删除。"), permanent=True)
    if not robot.is_active and delivery.event != TEST_EVENT:
        raise senders.SendError(_("群机器人已停用，不再发送。"), permanent=True)
    text = senders.markdown_message(title=delivery.title, body=delivery.body, url=delivery.url)
    if delivery.channel == Channel.WECOM:
        senders.post_wecom(url=robot.get_url(), content=text)
    elif delivery.channel == Channel.DINGTALK:
        senders.post_dingtalk(url=robot.get_url(), secret=robot.get_secret(), title=delivery.title, text=text)
    else:
        raise senders.SendError(f"unknown channel {delivery.channel}", permanent=True)


def prune_old(*, now: datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Delete in-app notifications, and the records of deliveries sent or failed for good, older
    than ``settings.WEIBAO_NOTIFICATION_RETENTION_DAYS``; a delivery still pending is kept
    whatever its age. Deleted in batches, each its own short transaction."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEIBAO_NOTIFICATION_RETENTION_DAYS)
    done = {"notifications": 0, "deliveries": 0}
    old = {
        "deliveries": Delivery.objects.filter(
            created_at__lt=cutoff, status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED]
        ),
        "notifications": Notification.objects.filter(created_at__lt=cutoff),
    }
    for what, queryset in old.items():
        while ids := list(queryset.order_by("pk").values_list("pk", flat=True)[:batch]):
            done[what] += (
                queryset.model.objects.filter(pk__in=ids).delete()[1].get(queryset.model._meta.label, 0)
            )
    return done
