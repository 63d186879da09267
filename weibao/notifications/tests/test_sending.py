"""Sending for real: email through an SMTP server, markdown to WeCom and DingTalk robots (with
加签), failures recorded with their reason and retried with doubling delays, deliveries whose job was
lost drained, nothing sent for a rolled-back change."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.notifications import senders
from weibao.notifications.choices import DeliveryStatus, Event
from weibao.notifications.models import Delivery, Notification, RobotWebhook
from weibao.notifications.services import MAX_ATTEMPTS, notify, robot_create
from weibao.notifications.tasks import drain_outbox, send_delivery
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db

DING_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def wecom(admin, receiver, **kw) -> RobotWebhook:
    return robot_create(
        actor=admin,
        organization=kw.pop("organization", None) or admin.memberships.get().organization,
        kind="wecom",
        name=kw.pop("name", "PACS 维保群"),
        url=kw.pop("url_override", None)
        or receiver.url("/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"),
        events=kw.pop("events", [Event.SLA_BREACHED]),
        **kw,
    )


def dingtalk(admin, receiver, **kw) -> RobotWebhook:
    return robot_create(
        actor=admin,
        organization=admin.memberships.get().organization,
        kind="dingtalk",
        name=kw.pop("name", "信息科值班群"),
        url=receiver.url("/robot/send?access_token=0d9a7a4b3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a"),
        secret=DING_SECRET,
        events=kw.pop("events", [Event.SLA_BREACHED]),
        **kw,
    )


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def assert_signed(request, secret: str = DING_SECRET) -> None:
    (timestamp,) = request.query["timestamp"]
    (sign,) = request.query["sign"]  # parse_qs has undone the URL-encoding
    assert sign == expected_sign(secret, timestamp)
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    assert request.query["access_token"] == ["0d9a7a4b3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a"]


def time_passes(delivery: Delivery) -> None:
    """The retry is due: move the delivery's due time to now instead of waiting for it."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def scheduled_retry(huey, delivery: Delivery) -> float:
    """The one retry huey holds for this delivery, as seconds from now."""
    tasks = [t for t in huey.scheduled() if t.args == (delivery.pk,)]
    assert len(tasks) == 1, huey.scheduled()
    now = datetime.now(UTC).replace(tzinfo=None)
    return (tasks[0].eta - now).total_seconds()


def run_retry(huey, delivery: Delivery) -> None:
    """Run the retry huey scheduled, as its worker would once its time has come."""
    (task,) = [t for t in huey.scheduled() if t.args == (delivery.pk,)]
    huey.storage.flush_schedule()
    time_passes(delivery)
    huey.execute(task, timestamp=task.eta)


def test_email_goes_through_a_real_smtp_server(hospital, smtp_server, django_capture_on_commit_callbacks):
    user = member(hospital, Role.HOSPITAL_ADMIN, email="zhang.wei@hospital.test")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event=Event.SLA_WARNING,
            recipients=[user],
            title="HZ-0007 的响应时限已用 75%",
            body="到期：2026-03-02 10:00\nPACS 影像无法调阅 · 放射科",
            url="/tickets/7/",
            hospital=hospital,
        )

    (mail,) = smtp_server.received
    assert mail.rcpt_tos == ["zhang.wei@hospital.test"]
    assert mail.mail_from == "weibao@hospital.test"
    assert mail.subject == "【维保】HZ-0007 的响应时限已用 75%"
    assert "PACS 影像无法调阅 · 放射科" in mail.text and "到期：2026-03-02 10:00" in mail.text
    assert "查看详情：/tickets/7/" in mail.text
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None


def test_links_are_absolute_when_the_base_url_is_configured(
    hospital, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.WEIBAO_BASE_URL = "https://weibao.hospital.local/"
    user = member(hospital, Role.HOSPITAL_ADMIN, email="li@hospital.test")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event="ticket.assigned",
            recipients=[user],
            title="指派",
            body="请处理",
            url="/tickets/9/",
            hospital=hospital,
        )
    assert "https://weibao.hospital.local/tickets/9/" in smtp_server.received[0].text


def test_a_refused_recipient_is_recorded_and_retried(
    hospital, smtp_server, huey_queue, django_capture_on_commit_callbacks
):
    user = member(hospital, Role.HOSPITAL_ADMIN, email="gone@hospital.test")
    smtp_server.refuse.add("gone@hospital.test")
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="ticket.assigned", recipients=[user], title="指派", body="", hospital=hospital)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "550" in delivery.last_error and "mailbox unavailable" in delivery.last_error
    assert 25 <= scheduled_retry(huey_queue, delivery) <= 31

    smtp_server.refuse.clear()
    run_retry(huey_queue, delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert [m.rcpt_tos for m in smtp_server.received] == [["gone@hospital.test"]]


def test_an_unreachable_smtp_server_is_recorded(
    hospital, settings, huey_queue, django_capture_on_commit_callbacks
):
    from .conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    user = member(hospital, Role.HOSPITAL_ADMIN, email="x@hospital.test")
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="ticket.assigned", recipients=[user], title="指派", body="", hospital=hospital)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "邮件服务器不可用" in delivery.last_error


def test_wecom_robot_receives_markdown(admin, hospital, robot_receiver, django_capture_on_commit_callbacks):
    wecom(admin, robot_receiver)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event=Event.SLA_BREACHED,
            recipients=[],
            title="【超时】HZ-0007 的响应时限已超",
            body="PACS 影像无法调阅 · 致命",
            url="/tickets/7/",
            hospital=hospital,
        )

    (request,) = robot_receiver.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": ["693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"]}
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.body["msgtype"] == "markdown"
    content = request.body["markdown"]["content"]
    assert content.startswith("**【超时】HZ-0007 的响应时限已超**")
    assert "PACS 影像无法调阅 · 致命" in content and "(/tickets/7/)" in content and "维保平台" in content
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_dingtalk_robot_is_signed(admin, hospital, robot_receiver, django_capture_on_commit_callbacks):
    dingtalk(admin, robot_receiver)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event=Event.SLA_BREACHED,
            recipients=[],
            title="【超时】HZ-0008",
            body="HIS 接口中断",
            hospital=hospital,
        )

    (request,) = robot_receiver.requests
    assert request.path == "/robot/send"
    assert_signed(request)
    assert request.body["msgtype"] == "markdown"
    assert request.body["markdown"]["title"] == "【超时】HZ-0008"
    assert "HIS 接口中断" in request.body["markdown"]["text"]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_dingtalk_signed_url_appends_timestamp_and_url_encoded_sign():
    # HMAC-SHA256 over "timestamp\nsecret" keyed by the secret, base64, then URL-encoded.
    sign = senders.dingtalk_sign("SECabc", 1700000000000)
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    from urllib.parse import quote_plus

    assert sign == quote_plus(base64.b64encode(digest).decode())
    url = senders.dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc", 1700000000000
    )
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign={sign}"


def test_robot_failures_are_recorded_and_retried_with_growing_delays(
    admin, hospital, robot_receiver, huey_queue, django_capture_on_commit_callbacks
):
    dingtalk(admin, robot_receiver)
    robot_receiver.reply(200, {"errcode": 310000, "errmsg": "sign not match"})
    robot_receiver.reply(500, b"upstream down")
    robot_receiver.reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"})

    with django_capture_on_commit_callbacks(execute=True):
        notify(event=Event.SLA_BREACHED, recipients=[], title="【超时】HZ-0009", body="", hospital=hospital)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "errcode 310000: sign not match"
    delays = [scheduled_retry(huey_queue, delivery)]

    run_retry(huey_queue, delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 2)
    assert delivery.last_error == "HTTP 500: upstream down"
    delays.append(scheduled_retry(huey_queue, delivery))

    run_retry(huey_queue, delivery)
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_error == "errcode 45009: api freq out of limit"
    delays.append(scheduled_retry(huey_queue, delivery))

    run_retry(huey_queue, delivery)  # the receiver answers errcode 0 from now on
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 4)
    assert huey_queue.scheduled() == []

    # 30 s, 60 s, 120 s (allowing a second or two for the test itself)
    assert [round(d / 10) * 10 for d in delays] == [30, 60, 120], delays
    assert len(robot_receiver.requests) == 4
    for request in robot_receiver.requests:
        assert_signed(request)  # each attempt is signed afresh


def test_a_delivery_fails_for_good_after_the_last_attempt(
    admin, hospital, robot_receiver, huey_queue, django_capture_on_commit_callbacks
):
    wecom(admin, robot_receiver)
    for _ in range(MAX_ATTEMPTS):
        robot_receiver.reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=Event.SLA_BREACHED, recipients=[], title="超时", body="", hospital=hospital)
    delivery = Delivery.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        run_retry(huey_queue, delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert delivery.last_error == "errcode 93000: invalid webhook url" and delivery.next_attempt_at is None
    assert huey_queue.scheduled() == [] and len(robot_receiver.requests) == MAX_ATTEMPTS


def test_a_deactivated_robot_is_not_retried(admin, hospital, robot_receiver, huey_queue):
    robot = wecom(admin, robot_receiver)
    notify(event=Event.SLA_BREACHED, recipients=[], title="超时", body="", hospital=hospital)
    robot.is_active = False
    robot.save()
    delivery = Delivery.objects.get()
    send_delivery.call_local(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "停用" in delivery.last_error
    assert robot_receiver.requests == [] and huey_queue.scheduled() == []


def test_robots_post_only_to_the_allowed_hosts(admin, hospital, robot_receiver, huey_queue, settings):
    """A robot aimed at any other host is refused when saved; one whose host has left the list
    since is not posted to (failed for good, no retry); a reply redirecting elsewhere is not
    followed."""
    from django.core.exceptions import ValidationError

    for url in (
        "https://10.0.0.5:8080/cgi-bin/webhook/send?key=abc",  # an internal service
        "https://qyapi.weixin.qq.com.evil.test/cgi-bin/webhook/send?key=abc",
        "https://oapi.dingtalk.com:99999/robot/send",  # no such port
    ):
        with pytest.raises(ValidationError) as info:
            robot_create(
                actor=admin,
                organization=hospital,
                kind="wecom",
                name="内网",
                url=url,
                events=[Event.SLA_BREACHED],
            )
        assert "不允许向主机" in info.value.message_dict["url"][0], url
    assert not RobotWebhook.objects.exists()
    wecom(
        admin,
        robot_receiver,
        name="官方地址",
        url_override="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    )

    robot = wecom(admin, robot_receiver)
    robot_receiver.reply(302, b"", {"Location": "http://10.0.0.5:8080/steal"})
    notify(event=Event.SLA_BREACHED, recipients=[], title="超时", body="", hospital=hospital)
    delivery = Delivery.objects.get(robot=robot)
    send_delivery.call_local(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("HTTP 302") and len(robot_receiver.requests) == 1

    settings.WEIBAO_ROBOT_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]  # the relay is gone
    time_passes(delivery)
    huey_queue.flush()
    send_delivery.call_local(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "不在允许的列表中" in delivery.last_error
    assert len(robot_receiver.requests) == 1 and huey_queue.scheduled() == []


def test_sent_deliveries_are_never_sent_twice(
    admin, hospital, robot_receiver, django_capture_on_commit_callbacks
):
    wecom(admin, robot_receiver)
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=Event.SLA_BREACHED, recipients=[], title="超时", body="", hospital=hospital)
    delivery = Delivery.objects.get()
    assert send_delivery.call_local(delivery.pk) is None
    assert len(robot_receiver.requests) == 1


def test_the_drain_sends_what_is_due_and_leaves_what_another_worker_holds(
    admin, hospital, robot_receiver, smtp_server
):
    """Deliveries queued while no worker ran (or whose job was lost) are sent by the drain; one
    held by a live attempt's lease is left to it until the lease runs out."""
    wecom(admin, robot_receiver)
    user = member(hospital, Role.HOSPITAL_ADMIN, email="wang@hospital.test")
    notify(event=Event.SLA_BREACHED, recipients=[user], title="超时", body="", hospital=hospital)
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2
    held = Delivery.objects.get(channel="email")
    Delivery.objects.filter(pk=held.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=60))
    assert drain_outbox.call_local() == {"notices": 0, "deliveries": 1}
    assert len(robot_receiver.requests) == 1 and not smtp_server.received

    Delivery.objects.filter(pk=held.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert drain_outbox.call_local() == {"notices": 0, "deliveries": 1}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(robot_receiver.requests) == 1 and smtp_server.received[0].rcpt_tos == ["wang@hospital.test"]
    assert drain_outbox.call_local() == {"notices": 0, "deliveries": 0}


def test_the_drain_is_a_registered_periodic_task():
    from weibao.core.tasks import PERIODIC_TASKS

    assert "drain_outbox" in PERIODIC_TASKS


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(smtp_server, robot_receiver):
    from weibao.testing.factories import HospitalFactory

    hospital = HospitalFactory()
    admin = member(hospital, Role.HOSPITAL_ADMIN, email="rollback@hospital.test")
    wecom(admin, robot_receiver)

    with pytest.raises(RuntimeError), transaction.atomic():
        notify(event=Event.SLA_BREACHED, recipients=[admin], title="不该发出", body="", hospital=hospital)
        raise RuntimeError("the ticket change failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert smtp_server.received == [] and robot_receiver.requests == []

    # The same call, committed, does reach both: the silence above is the rollback's doing.
    with transaction.atomic():
        notify(event=Event.SLA_BREACHED, recipients=[admin], title="应当发出", body="", hospital=hospital)
    assert [m.subject for m in smtp_server.received] == ["【维保】应当发出"]
    assert len(robot_receiver.requests) == 1


def test_the_configured_backend_is_used(hospital, mailoutbox, django_capture_on_commit_callbacks):
    """Whatever EMAIL_BACKEND is configured (here the test suite's in-memory one) sends the mail."""
    user = member(hospital, Role.HOSPITAL_ADMIN, email="outbox@hospital.test")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event="ticket.resolved",
            recipients=[user],
            title="请确认：HZ-0010 已解决",
            body="已重启服务",
            hospital=hospital,
        )
    (mail,) = mailoutbox
    assert mail.to == ["outbox@hospital.test"] and mail.subject == "【维保】请确认：HZ-0010 已解决"
    assert "已重启服务" in mail.body


def test_old_notifications_and_delivery_records_are_pruned(admin, hospital, settings):
    """Past the retention period the inbox and the record of finished deliveries go, in batches;
    a pending delivery stays whatever its age, and so does everything younger."""
    from weibao.core.tasks import PERIODIC_TASKS
    from weibao.notifications.services import prune_old

    settings.WEIBAO_NOTIFICATION_RETENTION_DAYS = 90
    now = timezone.now()
    old, young = now - timedelta(days=91), now - timedelta(days=89)
    for at in (old, old, old, young):
        note = Notification.objects.create(
            recipient=admin, event=Event.SLA_BREACHED, title="超时", created_at=at
        )
        for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING):
            Delivery.objects.create(
                channel="email",
                target="a@b.test",
                notification=note,
                event=Event.SLA_BREACHED,
                title="超时",
                status=status,
                created_at=at,
            )
    assert prune_old(now=now, batch=2) == {"notifications": 3, "deliveries": 6}
    assert list(Notification.objects.values_list("created_at", flat=True)) == [young]
    left = sorted((d.status, d.created_at == old, d.notification_id is None) for d in Delivery.objects.all())
    assert left == sorted(
        [
            (DeliveryStatus.PENDING, True, True),
            (DeliveryStatus.PENDING, True, True),
            (DeliveryStatus.PENDING, True, True),
            (DeliveryStatus.FAILED, False, False),
            (DeliveryStatus.PENDING, False, False),
            (DeliveryStatus.SENT, False, False),
        ]
    )
    assert prune_old(now=now) == {"notifications": 0, "deliveries": 0}
    assert "prune_notifications" in PERIODIC_TASKS
