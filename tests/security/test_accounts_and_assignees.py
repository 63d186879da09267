"""The account takeover, the cross-tenant assignee, the forced password change bypass and the
smaller account gaps of issue 12, each reproduced with the requests as they were found, now refused."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from weibao.accounts import services as account_services
from weibao.accounts.choices import Role
from weibao.accounts.models import AccessGrant, Membership, User
from weibao.audit.models import AuditEvent
from weibao.contracts.inventory import endpoint_save
from weibao.contracts.models import Endpoint, MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.notifications.models import Notification
from weibao.servicedesk import services as sd_services
from weibao.servicedesk.models import Ticket
from weibao.testing.factories import AuditorOrgFactory, PlatformOrgFactory, VendorFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Many accounts per test: a fast hasher (what is tested here is who may do what, not hashing)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post(client, path, payload, **extra):
    return client.post(path, json.dumps(payload), content_type="application/json", **extra)


def missing_user_id() -> int:
    return (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.fixture
def world(hospital, other_hospital):
    vendor = VendorFactory()
    contract = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
    )
    platform = member(PlatformOrgFactory(), Role.PLATFORM_ADMIN, username="root-admin")
    return {
        "contract": contract,
        "term": contract.terms.get(number=10),
        "vendor": vendor,
        "platform": platform,
        "manager": member(vendor, Role.VENDOR_MANAGER),
        "engineer": member(vendor, Role.VENDOR_ENGINEER),
        "admin": member(hospital, Role.HOSPITAL_ADMIN),
        "doctor": member(hospital, Role.DEPARTMENT_USER),
        "other_admin": member(other_hospital, Role.HOSPITAL_ADMIN, username="other-admin"),
        "hospital": hospital,
        "other_hospital": other_hospital,
    }


# --- 1. account takeover -------------------------------------------------------------------------


def test_a_vendor_manager_cannot_take_the_platform_admins_account(client_for, world, password):
    """Found: POST /api/v1/memberships with the platform admin's id (201, naming the user), then
    POST /users/1/reset-password/ showed a password that logged in as the platform admin."""
    manager = client_for(world["manager"])
    victim = world["platform"]
    response = post(
        manager,
        "/api/v1/memberships",
        {"organization_id": world["vendor"].pk, "role": "vendor_engineer", "user_id": victim.pk},
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert victim.username not in response.content.decode()
    # The same answer as for an id that matches nobody: the id tells nothing.
    nobody = post(
        manager,
        "/api/v1/memberships",
        {"organization_id": world["vendor"].pk, "role": "vendor_engineer", "user_id": missing_user_id()},
    )
    assert (nobody.status_code, nobody.json()) == (response.status_code, response.json())
    assert not Membership.objects.filter(user=victim, organization=world["vendor"]).exists()

    for action in ("reset-password", "deactivate", "unlock"):
        page = manager.post(f"/users/{victim.pk}/{action}/")
        assert page.status_code == 404, action
        assert victim.username not in page.content.decode()
    assert manager.get(f"/users/{victim.pk}/").status_code == 404
    victim.refresh_from_db()
    assert victim.is_active and victim.check_password(password) and not victim.must_change_password


def test_a_hospital_admin_cannot_reset_or_deactivate_another_organisations_user(client_for, world, password):
    admin = client_for(world["admin"])
    other = world["other_admin"]
    response = post(
        admin,
        "/api/v1/memberships",
        {"organization_id": world["hospital"].pk, "role": "hospital_admin", "user_id": other.pk},
    )
    assert response.status_code == 404 and "other-admin" not in response.content.decode()
    assert admin.post(f"/users/{other.pk}/reset-password/").status_code == 404
    assert admin.post(f"/users/{other.pk}/deactivate/").status_code == 404
    other.refresh_from_db()
    assert other.is_active and other.check_password(password)


def test_a_user_of_two_organisations_is_administered_only_by_an_admin_of_both(client_for, world):
    shared = world["doctor"]
    Membership.objects.create(user=shared, organization=world["vendor"], role=Role.VENDOR_ENGINEER)
    admin = client_for(world["admin"])  # administers the hospital, not the vendor
    assert admin.get(f"/users/{shared.pk}/").status_code == 404
    assert admin.post(f"/users/{shared.pk}/reset-password/").status_code == 404
    with pytest.raises(PermissionDenied):
        account_services.user_reset_password(actor=world["admin"], user=shared)
    # The platform admin administers everyone.
    assert client_for(world["platform"]).post(f"/users/{shared.pk}/reset-password/").status_code == 200


def test_an_admin_still_administers_their_own_organisations_users(client_for, world, password):
    admin = client_for(world["admin"])
    doctor = world["doctor"]
    page = admin.post(f"/users/{doctor.pk}/reset-password/")
    assert page.status_code == 200
    doctor.refresh_from_db()
    assert not doctor.check_password(password) and doctor.must_change_password
    # A second role in the same organisation, for a user of that organisation only: allowed.
    added = post(
        admin,
        "/api/v1/memberships",
        {"organization_id": world["hospital"].pk, "role": "hospital_admin", "user_id": doctor.pk},
    )
    assert added.status_code == 201 and added.json()["username"] == doctor.username
    # A new person gets a new account.
    created = post(
        admin,
        "/api/v1/memberships",
        {"organization_id": world["hospital"].pk, "role": "hospital_admin", "username": "new-it-staff"},
    )
    assert created.status_code == 201 and created.json()["initial_password"]


# --- 2. cross-tenant assignee ------------------------------------------------------------------


def test_a_ticket_cannot_be_created_with_another_organisations_assignee(client_for, world):
    """Found: POST /api/v1/tickets accepted assignee_id of any user of any organisation, and
    "未找到处理人" versus success told whether a user id exists."""
    client = client_for(world["admin"])
    body = {"contract_id": world["contract"].pk, "term_id": world["term"].pk, "title": "PACS 无法登录"}
    foreign = post(client, "/api/v1/tickets", {**body, "assignee_id": world["other_admin"].pk})
    missing = post(client, "/api/v1/tickets", {**body, "assignee_id": missing_user_id()})
    platform = post(client, "/api/v1/tickets", {**body, "assignee_id": world["platform"].pk})
    assert foreign.status_code == 400 and "assignee" in foreign.json()["detail"]
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert (platform.status_code, platform.json()) == (missing.status_code, missing.json())
    assert "other-admin" not in foreign.content.decode()
    assert not Ticket.objects.exists()
    ok = post(client, "/api/v1/tickets", {**body, "assignee_id": world["engineer"].pk})
    assert ok.status_code == 201 and ok.json()["assignee_id"] == world["engineer"].pk


def test_a_department_user_cannot_assign_others_on_create_or_update(client_for, world):
    client = client_for(world["doctor"])
    body = {"contract_id": world["contract"].pk, "term_id": world["term"].pk, "title": "打印机"}
    refused = post(client, "/api/v1/tickets", {**body, "assignee_id": world["engineer"].pk})
    missing = post(client, "/api/v1/tickets", {**body, "assignee_id": missing_user_id()})
    assert refused.status_code == 400 and refused.json() == missing.json()
    ticket = sd_services.ticket_create(
        actor=world["admin"], contract=world["contract"], term=world["term"], title="工单"
    )
    manager = client_for(world["manager"])
    patch = manager.patch(
        f"/api/v1/tickets/{ticket.pk}",
        json.dumps({"version": ticket.version, "assignee_id": world["other_admin"].pk}),
        content_type="application/json",
    )
    assert patch.status_code == 400 and patch.json() == missing.json()
    form = manager.post(
        reverse("servicedesk:ticket_assign", args=[ticket.pk]),
        {"assignee": str(world["other_admin"].pk), "version": str(ticket.version)},
        follow=True,
    )
    assert "other-admin" not in form.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_public_replies_reach_only_people_who_may_see_the_ticket(world, django_capture_on_commit_callbacks):
    """Found: the cross-tenant assignee was then e-mailed the ticket's public replies. Now the
    assignee cannot be of another organisation; and someone who left (membership ended) hears
    nothing more of the tickets they were assigned or watched."""
    engineer, doctor = world["engineer"], world["doctor"]
    ticket = sd_services.ticket_create(
        actor=world["admin"],
        reporter=doctor,
        contract=world["contract"],
        term=world["term"],
        title="报告打印失败",
        assignee=engineer,
    )
    sd_services.ticket_watch(actor=world["manager"], ticket=ticket)
    for membership in Membership.objects.filter(user__in=[engineer, world["manager"]]):
        account_services.membership_deactivate(actor=world["platform"], membership=membership)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        sd_services.ticket_comment(
            actor=world["admin"], ticket=Ticket.objects.get(pk=ticket.pk), body="已联系厂商"
        )
    recipients = set(Notification.objects.filter(event="ticket.reply").values_list("recipient_id", flat=True))
    assert recipients == {doctor.pk}


# --- 9. forced password change ----------------------------------------------------------------


def test_a_user_who_must_change_the_password_can_do_nothing_else_through_the_api(client_for, world, password):
    """Found: a user who must change the initial password could still call /api/v1 with the
    browser session and mint a bearer token that worked indefinitely."""
    user = world["engineer"]
    _token, raw = account_services.api_token_create(user=user, name="脚本")
    account_services.user_reset_password(actor=world["manager"], user=user)  # must change now
    user.set_password(password)
    user.save(update_fields=["password"])
    session = client_for(User.objects.get(pk=user.pk))
    for response in (session.get("/api/v1/me"), post(session, "/api/v1/tokens", {"name": "新令牌"})):
        assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    assert session.get("/api/v1/tickets").json()["code"] == "password_change_required"
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    from django.test import Client

    response = Client().get("/api/v1/me", **bearer)
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    assert user.api_tokens.count() == 1
    # The page path still leads to the password form, and once changed the API answers.
    assert session.get("/").url == reverse("accounts:password_change")
    changed = session.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password": "Nq7!wolfram-22", "new_password2": "Nq7!wolfram-22"},
    )
    assert changed.status_code == 302
    assert session.get("/api/v1/me").status_code == 200
    assert Client().get("/api/v1/me", **bearer).status_code == 200


# --- 10. lockout per (username, client address), admin unlock ------------------------------------


def _login(client, username, password, address, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(client, world, password, settings):
    """Found: username-only lockout let anyone keep an admin locked out with one request per
    30 minutes. Now the pair (username, client address) is locked."""
    admin = world["admin"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # A client cannot escape its own lock by writing another address into X-Forwarded-For.
        _login(
            client, admin.username, "wrong-Passw0rd", "203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}"
        )
    locked = _login(client, admin.username, password, "203.0.113.9")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    from django.test import Client

    elsewhere = Client()
    assert _login(elsewhere, admin.username, password, "198.51.100.7").status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(admin.pk)


def test_an_admin_unlocks_their_user_and_only_theirs(client, client_for, world, password, settings):
    doctor, other = world["doctor"], world["other_admin"]
    for user in (doctor, other):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, user.username, "wrong-Passw0rd", "203.0.113.9")
        assert _login(client, user.username, password, "203.0.113.9").status_code == 429
    admin = client_for(world["admin"])
    assert "解除登录锁定" in admin.get(f"/users/{doctor.pk}/").content.decode()
    refused = post(admin, f"/api/v1/users/{other.pk}/unlock", {})
    assert refused.status_code == 404 and "other-admin" not in refused.content.decode()
    assert admin.post(f"/users/{other.pk}/unlock/").status_code == 404
    assert _login(client, other.username, password, "203.0.113.9").status_code == 429

    unlocked = post(admin, f"/api/v1/users/{doctor.pk}/unlock", {})
    assert unlocked.status_code == 200 and unlocked.json()["cleared"] >= 1
    event = AuditEvent.objects.get(action="user.unlock")
    assert event.actor_id == world["admin"].pk and event.object_id == str(doctor.pk)
    assert _login(client, doctor.username, password, "203.0.113.9").status_code == 302


# --- 10. auditors read only; grants only to auditors; credential hints ------------------------------


@pytest.fixture
def auditor(world):
    user = member(AuditorOrgFactory(), Role.AUDITOR)
    AccessGrant.objects.create(user=user, hospital=world["hospital"], granted_by=world["admin"])
    return user


def test_an_auditor_cannot_post_public_replies(client_for, world, auditor):
    """Found: an auditor (read-only) could post public replies."""
    ticket = sd_services.ticket_create(
        actor=world["doctor"], contract=world["contract"], term=world["term"], title="检查"
    )
    client = client_for(auditor)
    assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 200  # they do see it
    response = post(client, f"/api/v1/tickets/{ticket.pk}/comments", {"body": "审计意见"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    page = client.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()
    assert reverse("servicedesk:ticket_comment", args=[ticket.pk]) not in page
    assert "只有查看权限" in page
    assert (
        client.post(reverse("servicedesk:ticket_comment", args=[ticket.pk]), {"body": "x"}).status_code == 403
    )
    assert not ticket.events.filter(kind="reply").exists()
    # The ticket's sides still reply.
    assert (
        post(
            client_for(world["doctor"]), f"/api/v1/tickets/{ticket.pk}/comments", {"body": "谢谢"}
        ).status_code
        == 201
    )


def test_auditor_access_is_granted_only_to_auditors_and_only_for_hospitals(client_for, world, auditor):
    """Found: vendor managers could grant auditor access to non-hospital organisations."""
    manager = client_for(world["manager"])
    response = post(manager, f"/api/v1/organizations/{world['vendor'].pk}/grants", {"user_id": auditor.pk})
    assert response.status_code in (400, 403)
    assert not AccessGrant.objects.filter(hospital=world["vendor"]).exists()
    admin = client_for(world["admin"])
    url = f"/api/v1/organizations/{world['hospital'].pk}/grants"
    not_auditor = post(admin, url, {"user_id": world["other_admin"].pk})
    nobody = post(admin, url, {"user_id": missing_user_id()})
    assert not_auditor.status_code == 400 and not_auditor.json() == nobody.json()
    assert not AccessGrant.objects.filter(user=world["other_admin"]).exists()
    assert post(admin, url, {"user_id": auditor.pk}).status_code == 201
    # A grant naming a vendor, left from before grants were checked, gives nothing.
    from weibao.core.cache.generation import forget_local, invalidate_scopes
    from weibao.core.tenancy import user_scope

    AccessGrant.objects.create(user=auditor, hospital=world["vendor"])
    invalidate_scopes()
    forget_local()
    scope = user_scope(User.objects.get(pk=auditor.pk))
    assert world["hospital"].pk in scope.hospital_ids and world["vendor"].pk not in scope.hospital_ids


def test_credential_hints_are_for_the_hospitals_admins_only(client_for, world, auditor):
    """Found: credential_hint (first/last character and length of a database password) was shown
    to every hospital user."""
    system = MaintainedSystem.objects.filter(contract=world["contract"]).first()
    endpoint = Endpoint(system=system, name="PACS 数据库", kind="database", host="10.1.1.5", port=1521)
    endpoint = endpoint_save(actor=world["admin"], endpoint=endpoint, credential="Sup3r-Secret-Pw")
    hint = endpoint.credential_hint
    assert hint
    admin = client_for(world["admin"])
    assert admin.get(f"/api/v1/endpoints/{endpoint.pk}").json()["credential_hint"] == hint
    assert hint in admin.get(reverse("contracts:system_detail", args=[system.pk])).content.decode()
    for user in (world["doctor"], world["engineer"], auditor):
        client = client_for(user)
        body = client.get(f"/api/v1/endpoints/{endpoint.pk}").json()
        assert body["has_credential"] and body["credential_hint"] == "", user
        assert (
            client.get(f"/api/v1/systems/{system.pk}/endpoints").json()["items"][0]["credential_hint"] == ""
        )
        page = client.get(reverse("contracts:system_detail", args=[system.pk])).content.decode()
        assert hint not in page
