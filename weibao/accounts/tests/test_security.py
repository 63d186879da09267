"""The security baseline: password policy, lockout, session expiry, forced password change."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from weibao.accounts import services
from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.testing.factories import member
from weibao.testing.mfa import verify_session

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Kqzvtr57", True),  # upper, lower, digit
        ("kqzvtr5!", True),  # lower, digit, symbol
        ("Kqz!vtrw", True),  # upper, lower, symbol
        ("abcdefgh", False),  # one class
        ("abcdef12", False),  # two classes
        ("Ab1!", False),  # too short
        ("Password1", False),  # common password list (case-insensitive)
        ("Zhangsan-2026x", False),  # contains the username
    ],
)
def test_password_policy(password, ok):
    from weibao.accounts.models import User

    user = User(username="zhangsan")
    if ok:
        password_validation.validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            password_validation.validate_password(password, user)


def test_generated_passwords_satisfy_the_policy():
    from weibao.accounts.models import User

    passwords = {services.generate_password() for _ in range(50)}
    assert len(passwords) == 50  # random, not a fixed default
    for password in passwords:
        assert password_validation.validate_password(password, User(username="demo-user")) is None
        assert (
            len(password) >= 8 and any(c.isupper() for c in password) and any(c.isdigit() for c in password)
        )


def test_five_failures_lock_the_account_with_a_chinese_message(client, hospital, password):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    url = reverse("accounts:login")
    for attempt in range(1, 5):
        response = client.post(url, {"username": user.username, "password": "wrong-Passw0rd"})
        assert response.status_code == 200, attempt
        assert "用户名或密码错误" in response.content.decode()
    response = client.post(url, {"username": user.username, "password": "wrong-Passw0rd"})
    assert response.status_code == 429
    assert "账户已被锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(url, {"username": user.username, "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(action="auth.login", success=False, actor_username=user.username)
    assert failed.count() >= 5


def test_successful_login_is_audited_and_lands_on_the_workbench(client, hospital, password):
    user = member(hospital, Role.DEPARTMENT_USER)
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": password}, follow=True
    )
    assert response.status_code == 200
    assert "我的工作台" in response.content.decode()
    event = AuditEvent.objects.filter(action="auth.login", success=True).get()
    assert event.actor_id == user.pk and event.ip == "127.0.0.1" and event.organization_id == hospital.pk


def test_first_login_forces_a_password_change(client, hospital, hospital_admin):
    new_user, initial = services.user_create(
        actor=hospital_admin, username="newbie", organization=hospital, role=Role.HOSPITAL_ADMIN
    )
    assert new_user.must_change_password
    client.post(reverse("accounts:login"), {"username": "newbie", "password": initial})
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": initial, "new_password": "short", "new_password2": "short"},
    )
    page = response.content.decode()
    assert response.status_code == 200  # shown again, not accepted
    assert "密码长度太短。密码必须包含至少 8 个字符。" in page
    assert "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。" in page
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": initial, "new_password": "Brand-New-2026", "new_password2": "Brand-New-2026"},
    )
    assert response.status_code == 302
    # A hospital admin then enrols a second factor before anything else.
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:mfa_setup")


def test_an_old_password_must_be_changed(client, hospital, settings):
    from datetime import timedelta

    from django.utils import timezone

    user = member(hospital, Role.HOSPITAL_ADMIN)
    user.password_changed_at = timezone.now() - timedelta(days=91)
    user.save()
    client.force_login(user)
    verify_session(client, user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    settings.WEIBAO_PASSWORD_MAX_AGE_DAYS = 120
    assert client.get(reverse("core:home")).status_code == 200


def test_idle_session_expires(client, hospital, password, settings):
    user = member(hospital, Role.DEPARTMENT_USER)
    client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    session["wb_last_seen"] = time.time() - settings.WEIBAO_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert AuditEvent.objects.filter(action="session.expired", actor=user).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_absolute_session_lifetime(client, hospital, password, settings):
    user = member(hospital, Role.DEPARTMENT_USER)
    client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    session = client.session
    session["wb_started"] = time.time() - settings.WEIBAO_SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302


def test_logout_is_audited(client, hospital, password):
    user = member(hospital, Role.DEPARTMENT_USER)
    client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_permission_denial_is_audited(client_for, hospital):
    engineer = member(hospital, Role.DEPARTMENT_USER)
    response = client_for(engineer).get(reverse("accounts:organization_create"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied", actor=engineer, success=False).exists()


def test_secure_cookie_flags_follow_https(monkeypatch):
    import importlib

    import weibao.settings as s

    monkeypatch.setenv("WEIBAO_HTTPS", "true")
    reloaded = importlib.reload(s)
    try:
        assert reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE and reloaded.SECURE_HSTS_SECONDS
    finally:
        monkeypatch.delenv("WEIBAO_HTTPS")
        importlib.reload(s)
