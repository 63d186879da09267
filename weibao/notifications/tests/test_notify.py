"""notify(): who gets what, preferences, robots chosen by organisation and contract, nothing sent
before commit, and cheap enough to call inside a request."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from weibao.accounts.choices import Role
from weibao.contracts.models import Contract
from weibao.notifications import services
from weibao.notifications.choices import Channel, DeliveryStatus, Event
from weibao.notifications.models import Delivery, Notification, NotificationPreference, RobotWebhook
from weibao.notifications.services import mark_read, notify, preferences_update
from weibao.testing.factories import HospitalFactory, VendorFactory, member

pytestmark = pytest.mark.django_db


def make_contract(hospital, vendor, code="C-1") -> Contract:
    return Contract.objects.create(
        code=code,
        title="PACS 维保",
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        amount=100000,
    )


def robot(org, *, events=None, contract=None, kind="wecom", active=True, name=None) -> RobotWebhook:
    r = RobotWebhook(
        organization=org,
        contract=contract,
        kind=kind,
        name=name or f"群{RobotWebhook.objects.count() + 1}",
        events=events or [Event.SLA_BREACHED],
        is_active=active,
    )
    r.set_url("http://127.0.0.1:9/never-called")
    r.save()
    return r


def test_notify_creates_inbox_entries_and_email_deliveries(hospital):
    with_mail = member(hospital, Role.HOSPITAL_ADMIN, email="a@hospital.test")
    without_mail = member(hospital, Role.HOSPITAL_ADMIN, email="")
    inactive = member(hospital, Role.HOSPITAL_ADMIN, email="c@hospital.test", is_active=False)

    created = notify(
        event=Event.TICKET_ASSIGNED,
        recipients=[with_mail, without_mail, inactive, with_mail],
        title="指派给您：HZ-0001",
        body="PACS 影像无法调阅 · 放射科",
        url="/tickets/1/",
        hospital=hospital,
    )

    assert sorted(n.recipient_id for n in created) == sorted([with_mail.pk, without_mail.pk])
    n = Notification.objects.get(recipient=with_mail)
    assert (n.event, n.title, n.hospital_id, n.url, n.read_at) == (
        "ticket.assigned",
        "指派给您：HZ-0001",
        hospital.pk,
        "/tickets/1/",
        None,
    )
    (delivery,) = Delivery.objects.all()
    assert (delivery.channel, delivery.target, delivery.notification_id, delivery.status) == (
        Channel.EMAIL,
        "a@hospital.test",
        n.pk,
        DeliveryStatus.PENDING,
    )


def test_unknown_event_is_a_programming_error(hospital):
    with pytest.raises(ValueError, match="unknown notification event"):
        notify(event="ticket.typo", recipients=[], title="x", body="", hospital=hospital)


def test_preferences_switch_channels_off(hospital):
    user = member(hospital, Role.HOSPITAL_ADMIN, email="p@hospital.test")
    preferences_update(
        user=user, preferences={"sla.warning": {"email": False}, "sla.breached": {"in_app": False}}
    )

    notify(event="sla.warning", recipients=[user], title="预警", body="", hospital=hospital)
    assert Notification.objects.filter(event="sla.warning").count() == 1
    assert not Delivery.objects.filter(event="sla.warning").exists()

    # In-app off, email on: the email still goes, carrying the message itself.
    notify(event="sla.breached", recipients=[user], title="超时", body="响应超时", hospital=hospital)
    assert not Notification.objects.filter(event="sla.breached").exists()
    delivery = Delivery.objects.get(event="sla.breached")
    assert (delivery.notification_id, delivery.title, delivery.body) == (None, "超时", "响应超时")

    # Other events stay on; switching back on removes the stored "off".
    notify(event="ticket.assigned", recipients=[user], title="指派", body="", hospital=hospital)
    assert Notification.objects.filter(event="ticket.assigned").count() == 1
    assert Delivery.objects.filter(event="ticket.assigned").count() == 1
    preferences_update(user=user, preferences={"sla.warning": {"email": True}})
    assert list(NotificationPreference.objects.filter(user=user).values_list("event", "channel")) == [
        ("sla.breached", "in_app")
    ]


def test_preferences_reject_unknown_events_and_channels(hospital):
    from django.core.exceptions import ValidationError

    user = member(hospital, Role.HOSPITAL_ADMIN)
    with pytest.raises(ValidationError) as exc:
        preferences_update(user=user, preferences={"nope": {"email": False}})
    assert "event" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        preferences_update(user=user, preferences={"sla.warning": {"sms": False}})
    assert "channel" in exc.value.message_dict


def test_robots_are_chosen_by_event_organisation_and_contract(hospital, vendor):
    other_vendor = VendorFactory()
    contract = make_contract(hospital, vendor)
    other_contract = make_contract(hospital, other_vendor, code="C-2")
    hospital_group = robot(hospital, events=["sla.breached", "ticket.fatal"])
    vendor_group = robot(vendor, kind="dingtalk")
    contract_group = robot(hospital, contract=contract)
    robot(hospital, contract=other_contract)  # another contract of the same hospital
    robot(other_vendor)  # not a party
    robot(hospital, events=["ticket.assigned"])  # not subscribed
    robot(hospital, active=False)  # switched off
    robot(HospitalFactory())  # another hospital

    notify(event="sla.breached", recipients=[], title="超时", body="", contract=contract)
    reached = set(Delivery.objects.values_list("robot_id", flat=True))
    assert reached == {hospital_group.pk, vendor_group.pk, contract_group.pk}
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"wecom", "dingtalk"}
    assert set(Delivery.objects.values_list("hospital_id", flat=True)) == {hospital.pk}

    # A hospital-level event (no contract) reaches only the hospital's contract-wide robots.
    Delivery.objects.all().delete()
    notify(event="sla.breached", recipients=[], title="超时", body="", hospital=hospital)
    assert set(Delivery.objects.values_list("robot_id", flat=True)) == {hospital_group.pk}


def test_notify_is_cheap_and_sends_nothing_before_commit(hospital, vendor, django_assert_max_num_queries):
    contract = make_contract(hospital, vendor)
    robot(hospital)
    robot(vendor, kind="dingtalk")
    few = [member(hospital, Role.HOSPITAL_ADMIN, email=f"few{i}@h.test") for i in range(2)]
    many = [member(hospital, Role.HOSPITAL_ADMIN, email=f"many{i}@h.test") for i in range(20)]

    for people in (few, many):
        # preferences, robots, savepoint, two inserts, release: the same for 2 people as for 20
        with django_assert_max_num_queries(6):
            notify(event="sla.breached", recipients=people, title="超时", body="", contract=contract)
    assert Delivery.objects.filter(channel="email").count() == 22
    # The test's transaction never commits, so nothing was sent: every delivery is still pending.
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}


def test_deliveries_are_queued_on_commit(hospital, django_capture_on_commit_callbacks, monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    user = member(hospital, Role.HOSPITAL_ADMIN, email="q@hospital.test")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(event="ticket.assigned", recipients=[user], title="指派", body="", hospital=hospital)
    assert len(callbacks) == 1 and queued == []
    callbacks[0]()
    assert queued == [list(Delivery.objects.values_list("pk", flat=True))]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                notify(event="ticket.assigned", recipients=[user], title="回滚", body="", hospital=hospital)
                raise RuntimeError("the caller's change fails")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.filter(title="回滚").exists()


def test_mark_read_only_touches_own_notifications(hospital, other_hospital):
    me = member(hospital, Role.HOSPITAL_ADMIN)
    colleague = member(hospital, Role.HOSPITAL_ADMIN)
    mine = notify(event="ticket.assigned", recipients=[me], title="1", body="", hospital=hospital)
    mine += notify(event="ticket.assigned", recipients=[me], title="2", body="", hospital=hospital)
    theirs = notify(event="ticket.assigned", recipients=[colleague], title="3", body="", hospital=hospital)

    assert mark_read(user=me, notification_ids=[mine[0].pk, theirs[0].pk]) == 1
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
    assert mark_read(user=me, notification_ids=None) == 1
    assert not Notification.objects.visible_to(me).unread().exists()
    assert Notification.objects.visible_to(colleague).unread().count() == 1


def test_notifications_are_visible_only_to_their_recipient(hospital, platform_admin):
    me = member(hospital, Role.HOSPITAL_ADMIN)
    (n,) = notify(event="ticket.assigned", recipients=[me], title="1", body="", hospital=hospital)
    assert list(Notification.objects.visible_to(me)) == [n]
    assert not Notification.objects.visible_to(platform_admin).exists()
    assert not Notification.objects.visible_to(member(hospital, Role.HOSPITAL_ADMIN)).exists()

    # A user who has left the hospital no longer reads what was said about it.
    me.memberships.update(is_active=False)
    me = type(me).objects.get(pk=me.pk)
    assert not Notification.objects.visible_to(me).exists()


def test_apps_can_register_their_own_events(hospital, monkeypatch):
    from weibao.notifications import events
    from weibao.notifications.selectors import preference_matrix

    monkeypatch.setattr(events, "_registry", dict(events._registry))
    events._registry.pop("inspection.due", None)  # the inspections app registers it with its own label
    events.register_event("inspection.due", "巡检到期")
    user = member(hospital, Role.HOSPITAL_ADMIN)
    (n,) = notify(event="inspection.due", recipients=[user], title="3 月巡检到期", body="", hospital=hospital)
    assert n.event_label == "巡检到期"
    assert {
        "event": "inspection.due",
        "label": "巡检到期",
        "in_app": True,
        "email": True,
    } in preference_matrix(user=user)
