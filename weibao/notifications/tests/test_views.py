"""The pages: inbox, preferences, group robots; the nav badge and the home panel; tenancy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.notifications.choices import Event
from weibao.notifications.events import all_events
from weibao.notifications.models import Delivery, Notification, NotificationPreference, RobotWebhook
from weibao.notifications.services import notify
from weibao.testing.factories import DepartmentFactory, member

pytestmark = pytest.mark.django_db

WECOM_KEY = "5f2b7c1e-8d3a-4e6f-9b0c-1a2d3e4f5a6b"


def tell(user, hospital, n=1, **kw):
    made = []
    for i in range(n):
        made += notify(
            event=kw.get("event", Event.TICKET_ASSIGNED),
            recipients=[user],
            title=kw.get("title", f"指派给您：HZ-{i:04d}"),
            body=kw.get("body", "PACS 影像无法调阅"),
            url=kw.get("url", f"/tickets/{i}/"),
            hospital=hospital,
        )
    return made


def test_inbox_lists_unread_first_and_marks_read(client_for, admin, hospital):
    first, second = tell(admin, hospital, 2)
    Notification.objects.filter(pk=second.pk).update(read_at=second.created_at)
    c = client_for(admin)
    page = c.get(reverse("notifications:inbox")).content.decode()
    assert page.index(f'id="notification-{first.pk}"') < page.index(f'id="notification-{second.pk}"')
    assert "1 条未读" in page and "PACS 影像无法调阅" in page

    r = c.post(
        reverse("notifications:notification_read", args=[first.pk]), {"next": "/notifications/?unread=1"}
    )
    assert r.status_code == 302 and r["Location"] == "/notifications/?unread=1"
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert "没有未读通知" in c.get(reverse("notifications:inbox") + "?unread=1").content.decode()


def test_open_marks_read_and_follows_only_local_links(client_for, admin, hospital):
    (local,) = tell(admin, hospital, url="/tickets/42/")
    (evil,) = tell(admin, hospital, url="https://evil.example/phish")
    c = client_for(admin)
    r = c.post(reverse("notifications:notification_open", args=[local.pk]))
    assert r.status_code == 302 and r["Location"] == "/tickets/42/"
    r = c.post(reverse("notifications:notification_open", args=[evil.pk]))
    assert r["Location"] == reverse("notifications:inbox")
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert c.get(reverse("notifications:notification_open", args=[local.pk])).status_code == 405


def test_inbox_pagination_empty_state_and_mark_all(client_for, admin, hospital):
    c = client_for(admin)
    assert "还没有通知" in c.get(reverse("notifications:inbox")).content.decode()
    tell(admin, hospital, 25)
    first = c.get(reverse("notifications:inbox")).content.decode()
    assert first.count('id="notification-') == 20 and "第 1 / 2 页" in first
    assert c.get(reverse("notifications:inbox") + "?page=2").content.decode().count('id="notification-') == 5
    r = c.post(reverse("notifications:mark_all_read"), follow=True)
    assert "已将 25 条通知标为已读" in r.content.decode()
    assert not Notification.objects.filter(recipient=admin, read_at__isnull=True).exists()


def test_nav_badge_and_home_panel(client_for, admin, hospital):
    c = client_for(admin)
    home = c.get(reverse("core:home")).content.decode()
    assert 'hx-get="/notifications/badge/"' in home and "未读通知" not in home  # no panel without unread
    assert c.get(reverse("notifications:badge")).content.decode() == '<span id="notifications-unread"></span>'

    tell(admin, hospital, 3, title="HZ-0099 的响应时限已超")
    badge = c.get(reverse("notifications:badge")).content.decode()
    assert 'class="badge danger"' in badge and ">3<" in badge
    home = c.get(reverse("core:home")).content.decode()
    assert 'id="home-unread"' in home and "HZ-0099 的响应时限已超" in home and "全部 3 条未读通知" in home
    # Someone else's badge is their own.
    assert (
        ">3<"
        not in client_for(member(hospital, Role.HOSPITAL_ADMIN))
        .get(reverse("notifications:badge"))
        .content.decode()
    )


def test_badge_for_anonymous_is_empty_not_a_login_page(client):
    r = client.get(reverse("notifications:badge"))
    assert r.status_code == 200 and r.content.decode() == '<span id="notifications-unread"></span>'


def test_preferences_page_switches_channels(client_for, admin):
    c = client_for(admin)
    page = c.get(reverse("notifications:preferences")).content.decode()
    assert 'name="email:sla.warning"' in page and "时限预警" in page
    assert page.count("checked") == 2 * page.count('name="in_app:')
    # Submit everything on except email for SLA warnings and in-app for new tickets.
    data = {f"{ch}:{info.code}": "on" for info in all_events() for ch in ("in_app", "email")}
    del data["email:sla.warning"], data["in_app:ticket.created"]
    r = c.post(reverse("notifications:preferences"), data, follow=True)
    assert "通知设置已保存" in r.content.decode()
    assert set(
        NotificationPreference.objects.filter(user=admin).values_list("event", "channel", "enabled")
    ) == {
        ("sla.warning", "email", False),
        ("ticket.created", "in_app", False),
    }
    page = c.get(reverse("notifications:preferences")).content.decode()
    assert 'name="email:sla.warning" id="email-sla.warning" aria-label="邮件 时限预警（已用 75%）">' in page


def test_admin_manages_robots_in_the_ui(client_for, admin, hospital, robot_receiver):
    c = client_for(admin)
    assert "还没有群机器人" in c.get(reverse("notifications:robot_list")).content.decode()
    url = robot_receiver.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
    r = c.post(
        reverse("notifications:robot_create"),
        {
            "organization": hospital.pk,
            "kind": "wecom",
            "name": "放射科 PACS 群",
            "url": url,
            "events": ["sla.breached", "ticket.fatal"],
            "is_active": "on",
        },
    )
    robot = RobotWebhook.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("notifications:robot_edit", args=[robot.pk])
    assert robot.get_url() == url and robot.events == ["sla.breached", "ticket.fatal"]

    for page in (reverse("notifications:robot_list"), reverse("notifications:robot_edit", args=[robot.pk])):
        html = c.get(page).content.decode()
        assert "放射科 PACS 群" in html and WECOM_KEY not in html and "5f2***" in html

    # Saving with the URL left empty keeps it.
    r = c.post(
        reverse("notifications:robot_edit", args=[robot.pk]),
        {"name": "放射科 PACS 群", "events": ["sla.breached"], "is_active": "on", "url": ""},
    )
    assert r.status_code == 302
    robot.refresh_from_db()
    assert robot.get_url() == url and robot.events == ["sla.breached"]

    r = c.post(reverse("notifications:robot_test", args=[robot.pk]), follow=True)
    assert "测试消息已发送" in r.content.decode()
    assert "测试消息" in robot_receiver.requests[-1].body["markdown"]["content"]
    robot_receiver.reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    r = c.post(reverse("notifications:robot_test", args=[robot.pk]), follow=True)
    html = r.content.decode()
    assert "测试消息发送失败：errcode 93000: invalid webhook url" in html
    assert html.count("errcode 93000") >= 2  # the message, and the delivery history on the page

    r = c.post(reverse("notifications:robot_deactivate", args=[robot.pk]), follow=True)
    assert "已停用" in r.content.decode()
    robot.refresh_from_db()
    assert not robot.is_active


def test_robot_form_shows_errors_in_chinese_and_saves_nothing(client_for, admin, hospital):
    c = client_for(admin)
    r = c.post(
        reverse("notifications:robot_create"),
        {
            "organization": hospital.pk,
            "kind": "wecom",
            "name": "x",
            "url": "ftp://x/y",
            "events": ["sla.breached"],
            "secret": "SECabc",
        },
    )
    html = r.content.decode()
    assert (
        r.status_code == 200
        and "请填写完整的 Webhook 地址" in html
        and "企业微信群机器人没有加签密钥" in html
    )
    r = c.post(
        reverse("notifications:robot_create"),
        {
            "organization": hospital.pk,
            "kind": "wecom",
            "name": "x",
            "url": "https://qyapi.weixin.qq.com/x?key=y",
        },
    )
    assert r.status_code == 200 and "这个字段是必填项" in r.content.decode()
    assert not RobotWebhook.objects.exists()


def test_robot_pages_are_for_admins_of_the_organisation(
    client_for, admin, hospital, other_hospital, robot_receiver
):
    from weibao.notifications.services import robot_create

    robot = robot_create(
        actor=admin,
        organization=hospital,
        kind="wecom",
        name="群",
        url=robot_receiver.url("/send?key=k"),
        events=["sla.breached"],
    )
    (mine,) = tell(admin, hospital)
    foreign = client_for(member(other_hospital, Role.HOSPITAL_ADMIN))
    for name in ("robot_edit", "robot_test", "robot_deactivate"):
        url = reverse(f"notifications:{name}", args=[robot.pk])
        r = foreign.post(url) if name != "robot_edit" else foreign.get(url)
        assert r.status_code == 404, name
    for name in ("notification_open", "notification_read"):
        assert foreign.post(reverse(f"notifications:{name}", args=[mine.pk])).status_code == 404
    robot.refresh_from_db()
    assert (
        robot.is_active
        and robot_receiver.requests == []
        and not Delivery.objects.filter(robot=robot).exists()
    )
    assert Notification.objects.get(pk=mine.pk).read_at is None
    assert "还没有群机器人" in foreign.get(reverse("notifications:robot_list")).content.decode()

    dept_user = client_for(
        member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    )
    assert dept_user.get(reverse("notifications:robot_list")).status_code == 403
    assert dept_user.get(reverse("notifications:robot_create")).status_code == 403
    assert dept_user.get(reverse("notifications:robot_edit", args=[robot.pk])).status_code == 404
    assert "群机器人" not in dept_user.get(reverse("notifications:inbox")).content.decode().split("<main")[1]
