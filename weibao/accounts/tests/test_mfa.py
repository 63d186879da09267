"""Two-factor sign-in: who must enrol, the code step, recovery codes, tokens, the admin reset."""

from __future__ import annotations

import re
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from weibao.accounts import services
from weibao.accounts.choices import Role
from weibao.accounts.mfa import has_device, mfa_required
from weibao.audit.models import AuditEvent
from weibao.testing.factories import PASSWORD, DepartmentFactory, VendorFactory, member
from weibao.testing.mfa import code_for, code_for_secret, totp_device, verify_session

pytestmark = pytest.mark.django_db


def sign_in(user) -> Client:
    """A client that gave the password through the login page (and nothing more)."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def give_code(client: Client, token: str):
    return client.post(reverse("accounts:mfa_verify"), {"token": token})


# --- who must have a second factor -------------------------------------------------------------------


def test_admin_roles_need_a_second_factor_others_may(hospital, platform_admin, vendor):
    assert mfa_required(member(hospital, Role.HOSPITAL_ADMIN))
    assert mfa_required(platform_admin)
    assert not mfa_required(member(hospital, Role.DEPARTMENT_USER))
    assert not mfa_required(member(vendor, Role.VENDOR_MANAGER))
    assert not mfa_required(member(vendor, Role.VENDOR_ENGINEER))


@pytest.mark.parametrize("role", ["hospital_admin", "platform_admin"])
def test_an_admin_without_a_device_is_sent_to_enrol_and_the_api_refuses(role, hospital, platform_admin):
    user = platform_admin if role == "platform_admin" else member(hospital, Role.HOSPITAL_ADMIN)
    client = sign_in(user)
    for name in ("core:home", "accounts:tokens", "accounts:organization_list", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_setup"))
    response = client.get("/api/v1/me")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    assert client.get(reverse("accounts:mfa_setup")).status_code == 200


def test_a_department_user_is_not_asked(hospital):
    client = sign_in(member(hospital, Role.DEPARTMENT_USER))
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200


# --- enrolment and the code step ---------------------------------------------------------------------


def test_enrolment_shows_the_secret_and_qr_then_ten_recovery_codes_once(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    client = sign_in(admin)
    page = client.get(reverse("accounts:mfa_setup")).content.decode()
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1)
    qr = client.get(reverse("accounts:mfa_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    # A wrong code leaves it unconfirmed.
    response = client.post(reverse("accounts:mfa_setup"), {"token": "000000"})
    assert "验证码不正确" in response.content.decode() and not has_device(admin)
    time.sleep(1.1)  # a wrong code makes the next try wait a second

    response = client.post(reverse("accounts:mfa_setup"), {"token": code_for_secret(secret, steps_ahead=1)})
    codes = re.findall(r'<li><code class="secret">([a-z2-7]{8})</code></li>', response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert has_device(admin)
    assert client.get(reverse("core:home")).status_code == 200  # this session gave the code
    assert AuditEvent.objects.filter(action="user.mfa_enrol", actor=admin).count() == 1
    # The codes are not shown again: the settings page tells only how many are left.
    settings_page = client.get(reverse("accounts:mfa_settings")).content.decode()
    assert "剩余 10 个恢复码" in settings_page and codes[0] not in settings_page


def test_a_user_with_a_device_gives_the_code_after_the_password(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    device = totp_device(admin)
    client = sign_in(admin)
    response = client.get(reverse("accounts:organization_list"))
    assert response["Location"] == reverse("accounts:mfa_verify") + "?next=%2Forgs%2F"
    assert client.get("/api/v1/me").json()["code"] == "mfa_required"
    response = give_code(client, "123456" if code_for(device) != "123456" else "654321")
    assert "验证码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="user.mfa_failed", actor=admin).exists()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # the test does not wait out the throttle
    device.throttling_failure_count = 0
    device.save()
    response = client.post(reverse("accounts:mfa_verify") + "?next=/orgs/", {"token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert client.get(reverse("accounts:organization_list")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_wrong_code_makes_the_next_try_wait(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    device = totp_device(admin)
    client = sign_in(admin)
    good = code_for(device)
    give_code(client, "000000" if good != "000000" else "111111")
    # Right away, even the right code is refused (django-otp's throttle: 1, 2, 4 … seconds).
    assert "验证码不正确" in give_code(client, good).content.decode()
    assert client.get(reverse("core:home")).status_code == 302


def test_a_code_is_never_accepted_twice(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    device = totp_device(admin)
    code = code_for(device)
    assert give_code(sign_in(admin), code).status_code == 302
    second = sign_in(admin)
    assert "验证码不正确" in give_code(second, code).content.decode()


def test_a_recovery_code_works_once(hospital):
    user = member(hospital, Role.DEPARTMENT_USER)
    totp_device(user)
    codes = services.mfa_recovery_regenerate(user=user)
    first = sign_in(user)
    assert give_code(first, codes[0].upper()).status_code == 302  # case and spaces do not matter
    assert first.get(reverse("core:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    assert AuditEvent.objects.filter(action="user.mfa_recovery_used", actor=user).exists()
    again = sign_in(user)
    assert "验证码不正确" in give_code(again, codes[0]).content.decode()
    assert again.get(reverse("core:home")).status_code == 302


def test_regenerating_recovery_codes_voids_the_old_ones(hospital):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    totp_device(user)
    old = services.mfa_recovery_regenerate(user=user)
    client = sign_in(user)
    verify_session(client, user)
    page = client.post(reverse("accounts:mfa_recovery")).content.decode()
    new = re.findall(r'<code class="secret">([a-z2-7]{8})</code>', page)
    assert len(new) == 10 and not set(new) & set(old)
    assert "验证码不正确" in give_code(sign_in(user), old[1]).content.decode()


def test_optional_users_may_turn_it_off_admins_may_not(hospital):
    user = member(hospital, Role.DEPARTMENT_USER)
    device = totp_device(user)
    client = sign_in(user)
    give_code(client, code_for(device))
    client.post(reverse("accounts:mfa_disable"), {"token": code_for(device)})
    assert not has_device(user)
    assert sign_in(user).get(reverse("core:home")).status_code == 200

    admin = member(hospital, Role.HOSPITAL_ADMIN)
    with pytest.raises(PermissionDenied):
        services.mfa_disable(user=admin, token=code_for(totp_device(admin)))
    assert has_device(admin)


# --- API tokens ------------------------------------------------------------------------------------


def test_minting_a_token_needs_a_session_that_gave_the_code(hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    device = totp_device(admin)
    client = sign_in(admin)
    response = client.post("/api/v1/tokens", {"name": "集成"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    response = client.post(reverse("accounts:tokens"), {"name": "集成"})
    assert response.status_code == 302 and not admin.api_tokens.exists()
    give_code(client, code_for(device))
    response = client.post("/api/v1/tokens", {"name": "集成"}, content_type="application/json")
    assert response.status_code == 201
    raw = response.json()["token"]
    # A bearer token is no session that gave a code: it cannot mint another token.
    response = Client().post(
        "/api/v1/tokens",
        {"name": "再来一个"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    assert admin.api_tokens.count() == 1


def test_a_user_without_a_second_factor_mints_tokens_as_before(hospital):
    client = sign_in(member(hospital, Role.DEPARTMENT_USER))
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 201


# --- the admin reset -------------------------------------------------------------------------------


def test_a_hospital_admin_resets_a_user_of_their_hospital_audited(client_for, hospital, hospital_admin):
    user = member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    totp_device(user)
    services.mfa_recovery_regenerate(user=user)
    response = client_for(hospital_admin).post(f"/api/v1/users/{user.pk}/mfa-reset")
    assert response.status_code == 200 and response.json() == {"user_id": user.pk, "removed": 2}
    assert not has_device(user) and not StaticToken.objects.filter(device__user=user).exists()
    event = AuditEvent.objects.get(action="user.mfa_reset")
    assert event.actor_id == hospital_admin.pk and event.object_id == str(user.pk)
    assert event.organization_id == hospital.pk and event.detail == {"devices": 2}


def test_the_reset_button_on_the_user_page(client_for, hospital, hospital_admin):
    other_admin = member(hospital, Role.HOSPITAL_ADMIN)
    totp_device(other_admin)
    client = client_for(hospital_admin)
    page = client.get(reverse("accounts:user_detail", args=[other_admin.pk])).content.decode()
    assert 'id="mfa-reset"' in page and "已启用" in page
    response = client.post(reverse("accounts:user_action", args=[other_admin.pk, "mfa-reset"]))
    assert response.status_code == 302 and not has_device(other_admin)
    assert AuditEvent.objects.filter(action="user.mfa_reset", actor=hospital_admin).exists()


def test_a_reset_ends_the_verified_session_and_the_admin_enrols_again(client_for, hospital, platform_admin):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    own = client_for(admin)
    assert own.get(reverse("core:home")).status_code == 200
    client_for(platform_admin).post(f"/api/v1/users/{admin.pk}/mfa-reset")
    assert own.get(reverse("core:home"))["Location"].startswith(reverse("accounts:mfa_setup"))


def test_reset_is_refused_across_tenants_and_upwards(client_for, hospital, other_hospital, platform_admin):
    user_b = member(other_hospital, Role.DEPARTMENT_USER)
    totp_device(user_b)
    admin_a = member(hospital, Role.HOSPITAL_ADMIN)
    manager = member(VendorFactory(), Role.VENDOR_MANAGER)
    totp_device(platform_admin)
    for actor, target in ((admin_a, user_b), (admin_a, platform_admin), (manager, admin_a)):
        response = client_for(actor).post(f"/api/v1/users/{target.pk}/mfa-reset")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        response = client_for(actor).post(reverse("accounts:user_action", args=[target.pk, "mfa-reset"]))
        assert response.status_code == 404
        with pytest.raises(PermissionDenied):
            services.user_mfa_reset(actor=actor, user=target)
    assert has_device(user_b) and has_device(platform_admin)
    assert not AuditEvent.objects.filter(action="user.mfa_reset").exists()
    # A user cannot reset their own second factor this way either (their page offers no actions).
    assert client_for(user_b).post(f"/api/v1/users/{user_b.pk}/mfa-reset").status_code == 404
    assert TOTPDevice.objects.filter(user=user_b).exists()
