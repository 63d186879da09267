"""The API: my inbox and preferences, robots for the owning organisation's admins, tenancy, and a
JSON error with a 4xx status for every kind of bad input."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.notifications.choices import Event
from weibao.notifications.models import Delivery, Notification, RobotWebhook
from weibao.notifications.services import notify
from weibao.testing.factories import DepartmentFactory, member

from .test_notify import make_contract

pytestmark = pytest.mark.django_db

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_SECRET = "SECb2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2"


def send(client, method: str, path: str, body=None):
    kwargs = {}
    if body is not None:
        kwargs = {
            "data": body if isinstance(body, str) else json.dumps(body),
            "content_type": "application/json",
        }
    return getattr(client, method.lower())(path, **kwargs)


def robot_body(org, receiver, **kw):
    return {
        "organization_id": org.pk,
        "kind": "wecom",
        "name": "PACS 维保群",
        "url": receiver.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"),
        "events": ["sla.breached", "ticket.fatal"],
        **kw,
    }


@pytest.fixture
def inbox(admin, hospital):
    """Three notifications for the admin, the middle one read."""
    made = [
        notify(
            event=Event.TICKET_ASSIGNED,
            recipients=[admin],
            title=f"指派给您：HZ-000{i}",
            body="",
            hospital=hospital,
        )[0]
        for i in range(3)
    ]
    Notification.objects.filter(pk=made[1].pk).update(read_at=made[1].created_at)
    return made


def test_my_notifications_unread_first(client_for, admin, inbox):
    c = client_for(admin)
    body = c.get("/api/v1/notifications").json()
    assert (body["unread"], body["next_cursor"]) == (2, None)
    assert [n["id"] for n in body["items"]] == [inbox[2].pk, inbox[0].pk, inbox[1].pk]
    first = body["items"][0]
    assert first["event"] == "ticket.assigned" and first["event_label"] == "工单指派给我"
    assert first["is_read"] is False and first["hospital_id"] == inbox[0].hospital_id

    unread = c.get("/api/v1/notifications?unread=true&limit=1").json()
    assert unread["unread"] == 2 and [n["id"] for n in unread["items"]] == [inbox[2].pk]
    unread = c.get(f"/api/v1/notifications?unread=true&limit=1&cursor={unread['next_cursor']}").json()
    assert [n["id"] for n in unread["items"]] == [inbox[0].pk] and unread["next_cursor"] is None
    # The pages go on from unread to read in the same order as one long page.
    first = c.get("/api/v1/notifications?limit=2").json()
    assert [n["id"] for n in first["items"]] == [inbox[2].pk, inbox[0].pk]
    rest = c.get(f"/api/v1/notifications?limit=2&cursor={first['next_cursor']}").json()
    assert [n["id"] for n in rest["items"]] == [inbox[1].pk] and rest["next_cursor"] is None


def test_mark_read_one_and_many(client_for, admin, inbox):
    c = client_for(admin)
    r = c.post(f"/api/v1/notifications/{inbox[0].pk}/read")
    assert r.status_code == 200 and r.json()["is_read"] is True and r.json()["read_at"]
    assert c.get(f"/api/v1/notifications/{inbox[0].pk}").json()["is_read"] is True

    r = send(c, "POST", "/api/v1/notifications/mark-read", {"ids": [inbox[2].pk]})
    assert r.json() == {"marked": 1, "unread": 0}
    r = send(c, "POST", "/api/v1/notifications/mark-read", {})
    assert r.json() == {"marked": 0, "unread": 0}


def test_others_notifications_are_404(client_for, admin, inbox, hospital, other_hospital):
    colleague = member(hospital, Role.HOSPITAL_ADMIN)
    foreign_admin = member(other_hospital, Role.HOSPITAL_ADMIN)
    n = inbox[0]
    for user in (colleague, foreign_admin):
        c = client_for(user)
        for method, path in (
            ("GET", f"/api/v1/notifications/{n.pk}"),
            ("POST", f"/api/v1/notifications/{n.pk}/read"),
        ):
            r = send(c, method, path)
            assert r.status_code == 404 and r.json()["code"] == "not_found", (method, path)
        assert c.get("/api/v1/notifications").json()["items"] == []
        assert send(c, "POST", "/api/v1/notifications/mark-read", {"ids": [n.pk]}).json()["marked"] == 0
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_preferences_get_and_put(client_for, admin, hospital):
    c = client_for(admin)
    prefs = c.get("/api/v1/notification-preferences").json()
    assert {p["event"] for p in prefs} >= {"ticket.assigned", "sla.warning", "sla.breached", "ticket.fatal"}
    assert all(p["in_app"] and p["email"] for p in prefs)

    r = send(
        c,
        "PUT",
        "/api/v1/notification-preferences",
        {
            "preferences": [
                {"event": "sla.warning", "email": False},
                {"event": "ticket.assigned", "in_app": False},
            ]
        },
    )
    assert r.status_code == 200
    by_event = {p["event"]: p for p in r.json()}
    assert (by_event["sla.warning"]["in_app"], by_event["sla.warning"]["email"]) == (True, False)
    assert (by_event["ticket.assigned"]["in_app"], by_event["ticket.assigned"]["email"]) == (False, True)
    assert AuditEvent.objects.filter(action="notification.preferences", actor=admin).exists()

    notify(event="sla.warning", recipients=[admin], title="预警", body="", hospital=hospital)
    notify(event="ticket.assigned", recipients=[admin], title="指派", body="", hospital=hospital)
    assert list(Notification.objects.values_list("event", flat=True)) == ["sla.warning"]
    assert list(Delivery.objects.values_list("event", flat=True)) == ["ticket.assigned"]


def test_robot_crud_never_returns_the_url_or_secret(client_for, admin, hospital, robot_receiver):
    c = client_for(admin)
    r = send(c, "POST", "/api/v1/robots", robot_body(hospital, robot_receiver))
    assert r.status_code == 201, r.content
    robot = r.json()
    assert WECOM_KEY not in r.content.decode()
    assert robot["url_masked"].startswith(robot_receiver.base_url + "/cgi-bin/webhook/send?key=693")
    assert robot["url_masked"].endswith("aaa") and "*" in robot["url_masked"]
    assert robot["events"] == ["sla.breached", "ticket.fatal"] and robot["is_active"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT url_encrypted FROM notifications_robotwebhook WHERE id = %s", [robot["id"]])
        (raw,) = cursor.fetchone()
    assert raw.startswith("gAAAA") and WECOM_KEY not in raw

    ding = send(
        c,
        "POST",
        "/api/v1/robots",
        robot_body(
            hospital,
            robot_receiver,
            kind="dingtalk",
            name="值班群",
            url=robot_receiver.url("/robot/send?access_token=abcdef0123456789abcdef"),
            secret=DING_SECRET,
        ),
    )
    assert ding.status_code == 201 and DING_SECRET not in ding.content.decode()
    assert ding.json()["has_secret"] is True and ding.json()["secret_masked"].startswith("SEC*")

    rid = robot["id"]
    for path in ("/api/v1/robots", f"/api/v1/robots/{rid}", f"/api/v1/robots/{ding.json()['id']}"):
        text = c.get(path).content.decode()
        assert WECOM_KEY not in text and DING_SECRET not in text and "abcdef0123456789abcdef" not in text

    r = send(c, "PATCH", f"/api/v1/robots/{rid}", {"name": "PACS 群（新）", "events": ["sla.warning"]})
    assert (
        r.status_code == 200 and r.json()["name"] == "PACS 群（新）" and r.json()["events"] == ["sla.warning"]
    )
    assert RobotWebhook.objects.get(pk=rid).get_url().endswith(WECOM_KEY)  # URL kept
    r = send(
        c,
        "PATCH",
        f"/api/v1/robots/{rid}",
        {"url": robot_receiver.url("/cgi-bin/webhook/send?key=new-key-0000000000")},
    )
    assert RobotWebhook.objects.get(pk=rid).get_url().endswith("new-key-0000000000")
    update = AuditEvent.objects.filter(action="robot.update").order_by("id").last()
    assert update.detail == {"changed": ["url"]} and "new-key" not in json.dumps(update.detail)

    r = send(c, "DELETE", f"/api/v1/robots/{rid}")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert RobotWebhook.objects.filter(pk=rid).exists()


def test_robot_test_message_reports_the_outcome(client_for, admin, hospital, robot_receiver):
    c = client_for(admin)
    rid = send(c, "POST", "/api/v1/robots", robot_body(hospital, robot_receiver)).json()["id"]

    ok = c.post(f"/api/v1/robots/{rid}/test")
    assert ok.status_code == 200 and ok.json()["status"] == "sent" and ok.json()["event"] == "robot.test"
    assert "测试消息" in robot_receiver.requests[0].body["markdown"]["content"]

    robot_receiver.reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    failed = c.post(f"/api/v1/robots/{rid}/test").json()
    # A test is tried once and reports why it failed; it is not retried later.
    assert (failed["status"], failed["attempts"], failed["last_error"]) == (
        "failed",
        1,
        "errcode 93000: invalid webhook url",
    )
    history = c.get(f"/api/v1/robots/{rid}/deliveries").json()["items"]
    assert [d["status"] for d in history] == ["failed", "sent"]


def test_vendor_manager_robot_for_one_contract(client_for, hospital, vendor, robot_receiver):
    manager = member(vendor, Role.VENDOR_MANAGER)
    contract = make_contract(hospital, vendor)
    c = client_for(manager)
    r = send(c, "POST", "/api/v1/robots", robot_body(vendor, robot_receiver, contract_id=contract.pk))
    assert r.status_code == 201 and r.json()["contract_id"] == contract.pk
    r = send(c, "PATCH", f"/api/v1/robots/{r.json()['id']}", {"contract_id": None})
    assert r.status_code == 200 and r.json()["contract_id"] is None


def test_robots_are_for_their_organisations_admins(
    client_for, admin, hospital, other_hospital, vendor, robot_receiver
):
    rid = send(client_for(admin), "POST", "/api/v1/robots", robot_body(hospital, robot_receiver)).json()["id"]
    foreign_admin = member(other_hospital, Role.HOSPITAL_ADMIN)
    vendor_manager = member(vendor, Role.VENDOR_MANAGER)
    colleague = member(hospital, Role.HOSPITAL_ADMIN)

    for user in (foreign_admin, vendor_manager):
        c = client_for(user)
        for method, path, body in (
            ("GET", f"/api/v1/robots/{rid}", None),
            ("PATCH", f"/api/v1/robots/{rid}", {"name": "改名"}),
            ("DELETE", f"/api/v1/robots/{rid}", None),
            ("POST", f"/api/v1/robots/{rid}/test", None),
            ("GET", f"/api/v1/robots/{rid}/deliveries", None),
        ):
            r = send(c, method, path, body)
            assert r.status_code == 404 and r.json() == {"detail": "未找到。", "code": "not_found"}, (
                method,
                path,
            )
        assert c.get("/api/v1/robots").json()["items"] == []
    assert robot_receiver.requests == []
    robot = RobotWebhook.objects.get(pk=rid)
    assert robot.name == "PACS 维保群" and robot.is_active

    # A colleague admin of the same hospital manages it; a department user may not.
    assert client_for(colleague).get(f"/api/v1/robots/{rid}").status_code == 200
    dept_user = member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    r = client_for(dept_user).get("/api/v1/robots")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = send(client_for(dept_user), "POST", "/api/v1/robots", robot_body(hospital, robot_receiver, name="x"))
    assert r.status_code == 403
    assert client_for(dept_user).get(f"/api/v1/robots/{rid}").status_code == 404


def test_robot_create_refuses_foreign_organisation_and_contract(
    client_for, admin, hospital, other_hospital, vendor, robot_receiver
):
    c = client_for(admin)
    r = send(c, "POST", "/api/v1/robots", robot_body(other_hospital, robot_receiver))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    foreign_contract = make_contract(other_hospital, vendor, code="C-B")
    r = send(
        c, "POST", "/api/v1/robots", robot_body(hospital, robot_receiver, contract_id=foreign_contract.pk)
    )
    assert r.status_code == 404
    # The vendor is visible to the hospital (it holds a contract with it) but not administered by it.
    make_contract(hospital, vendor, code="C-A")
    r = send(c, "POST", "/api/v1/robots", robot_body(vendor, robot_receiver))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert not RobotWebhook.objects.exists()


def test_unauthenticated_calls_are_401():
    c = Client()
    for method, path in (
        ("GET", "/api/v1/notifications"),
        ("GET", "/api/v1/notification-preferences"),
        ("GET", "/api/v1/robots"),
        ("POST", "/api/v1/robots/1/test"),
    ):
        r = send(c, method, path)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"


class Robot(dict):
    """A valid robot body (named "另一个群") with these fields changed."""


BAD_INPUT = [
    # (method, path, body, status, what)
    ("GET", "/api/v1/notifications?limit=0", None, 422, "limit too small"),
    ("GET", "/api/v1/notifications?limit=1000", None, 422, "limit too large"),
    ("GET", "/api/v1/notifications?cursor=garbage", None, 400, "not a cursor"),
    ("GET", "/api/v1/notifications?cursor=W3RydWUsMV0", None, 400, "a cursor of another list"),
    ("GET", "/api/v1/notifications?cursor=a%20b", None, 422, "not a cursor's characters"),
    ("GET", "/api/v1/notifications?unread=perhaps", None, 422, "not a boolean"),
    ("GET", "/api/v1/notifications/abc", None, 422, "id not a number"),
    ("GET", "/api/v1/notifications/999999", None, 404, "no such notification"),
    ("POST", "/api/v1/notifications/999999/read", None, 404, "no such notification"),
    ("POST", "/api/v1/notifications/abc/read", None, 422, "id not a number"),
    ("POST", "/api/v1/notifications/mark-read", {"ids": "all"}, 422, "ids not a list"),
    ("POST", "/api/v1/notifications/mark-read", {"ids": ["x"]}, 422, "ids not numbers"),
    ("POST", "/api/v1/notifications/mark-read", "{not json", 400, "malformed JSON"),
    ("PUT", "/api/v1/notification-preferences", {}, 422, "preferences missing"),
    ("PUT", "/api/v1/notification-preferences", {"preferences": []}, 422, "empty"),
    (
        "PUT",
        "/api/v1/notification-preferences",
        {"preferences": [{"event": "nope", "email": False}]},
        400,
        "unknown event",
    ),
    (
        "PUT",
        "/api/v1/notification-preferences",
        {"preferences": [{"event": "sla.warning", "email": "maybe"}]},
        422,
        "not a boolean",
    ),
    ("GET", "/api/v1/robots?organization_id=x", None, 422, "organization not a number"),
    ("POST", "/api/v1/robots", {"kind": "wecom"}, 422, "fields missing"),
    ("POST", "/api/v1/robots", Robot(kind="slack"), 422, "unknown kind"),
    ("POST", "/api/v1/robots", Robot(url="ftp://files.example/robot"), 400, "not an http URL"),
    ("POST", "/api/v1/robots", Robot(events=[]), 422, "no events"),
    ("POST", "/api/v1/robots", Robot(events=["ticket.nope"]), 400, "unknown event"),
    ("POST", "/api/v1/robots", Robot(secret="SECxyz"), 400, "WeCom has no secret"),
    ("POST", "/api/v1/robots", Robot(name="PACS 维保群"), 400, "duplicate name"),
    ("POST", "/api/v1/robots", Robot(organization_id=999999), 404, "no such organisation"),
    ("POST", "/api/v1/robots", Robot(contract_id=999999), 404, "no such contract"),
    ("GET", "/api/v1/robots/999999", None, 404, "no such robot"),
    ("PATCH", "/api/v1/robots/{rid}", {"url": "not a url"}, 400, "bad URL"),
    ("PATCH", "/api/v1/robots/{rid}", {"events": []}, 422, "no events"),
    ("PATCH", "/api/v1/robots/{rid}", {"name": ""}, 422, "empty name"),
    ("PATCH", "/api/v1/robots/{rid}", {"is_active": "yes please"}, 422, "not a boolean"),
    ("DELETE", "/api/v1/robots/999999", None, 404, "no such robot"),
    ("POST", "/api/v1/robots/999999/test", None, 404, "no such robot"),
    ("GET", "/api/v1/robots/{rid}/deliveries?limit=0", None, 422, "limit too small"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "what"),
    BAD_INPUT,
    ids=[f"{m} {p} {w}" for m, p, _b, _s, w in BAD_INPUT],
)
def test_bad_input_gets_a_json_error(
    client_for, admin, hospital, robot_receiver, method, path, body, status, what
):
    c = client_for(admin)
    existing = send(c, "POST", "/api/v1/robots", robot_body(hospital, robot_receiver))
    assert existing.status_code == 201
    path = path.replace("{rid}", str(existing.json()["id"]))
    if isinstance(body, Robot):
        body = robot_body(hospital, robot_receiver, **{"name": "另一个群", **body})
    r = send(c, method, path, body)
    assert r.status_code == status, (what, r.content)
    payload = r.json()
    assert set(payload) == {"detail", "code"} and payload["detail"], payload
    assert RobotWebhook.objects.count() == 1  # nothing half-saved
    robot = RobotWebhook.objects.get()
    assert (
        robot.name == "PACS 维保群"
        and robot.get_url().endswith(WECOM_KEY)
        and robot.events == ["sla.breached", "ticket.fatal"]
    )


def test_errors_name_the_field(client_for, admin, hospital, robot_receiver):
    r = send(
        client_for(admin), "POST", "/api/v1/robots", robot_body(hospital, robot_receiver, url="ftp://x/y")
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "url" in r.json()["detail"]
