"""Two-factor sign-in through a real Chromium: an admin enrols an authenticator (reading the
secret off the page, as a person types it into an app), signs out, cannot get in without the
code, gets in with it, and with a recovery code once."""

from __future__ import annotations

import pytest

from weibao.accounts.choices import Role
from weibao.testing.factories import member
from weibao.testing.mfa import code_for, code_for_secret, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKBENCH = "h1:has-text('我的工作台')"


def password_step(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def code_step(page, code: str) -> None:
    page.wait_for_selector("#mfa-verify")
    page.fill("input[name=token]", code)
    page.click("#mfa-verify button[type=submit]")


def sign_out(page) -> None:
    page.click("#logout")
    page.wait_for_selector("h1:has-text('登录维保平台')")


def test_an_admin_enrols_and_signs_in_with_the_code_and_a_recovery_code_once(page, hospital, password):
    admin = member(hospital, Role.HOSPITAL_ADMIN)

    # After the password, an admin without an authenticator can only enrol.
    password_step(page, admin.username, password)
    page.wait_for_selector("#mfa-setup")
    assert "管理员账户必须启用两步验证" in page.inner_text("main")
    page.goto("/orgs/")
    page.wait_for_selector("#mfa-setup")
    page.wait_for_function("document.getElementById('mfa-qr').complete")
    assert page.evaluate("document.getElementById('mfa-qr').naturalWidth") > 0, "the QR code did not load"
    secret = page.inner_text("#mfa-secret")
    page.fill("input[name=token]", "000000" if code_for_secret(secret) != "000000" else "111111")
    page.click("#mfa-setup button[type=submit]")
    page.wait_for_selector("text=验证码不正确")
    page.wait_for_timeout(1100)  # a wrong code makes the next try wait a second
    assert page.inner_text("#mfa-secret") == secret  # the same pending authenticator
    page.fill("input[name=token]", code_for_secret(secret))
    page.click("#mfa-setup button[type=submit]")
    page.wait_for_selector("#recovery-codes code")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    page.click("#mfa-continue")
    page.wait_for_url("**/orgs/")  # on to the page first asked for
    page.goto("/")
    page.wait_for_selector(WORKBENCH)
    sign_out(page)

    # Without the code: the password alone opens nothing.
    password_step(page, admin.username, password)
    page.wait_for_selector("#mfa-verify")
    for path in ("/", "/orgs/", "/accounts/tokens/", "/accounts/password/"):
        page.goto(path)
        page.wait_for_selector("#mfa-verify")
    response = page.goto("/api/v1/me")
    assert response.status == 403 and '"mfa_required"' in page.content()

    # With the code (the next period's: a code is accepted once).
    page.goto("/accounts/mfa/verify/")
    code_step(page, code_for_secret(secret, steps_ahead=1))
    page.wait_for_selector(WORKBENCH)
    sign_out(page)

    # With a recovery code, once.
    password_step(page, admin.username, password)
    code_step(page, codes[0])
    page.wait_for_selector(WORKBENCH)
    page.goto("/accounts/mfa/")
    assert "剩余 9 个恢复码" in page.inner_text("main")
    sign_out(page)
    password_step(page, admin.username, password)
    code_step(page, codes[0])
    page.wait_for_selector("text=验证码不正确或已使用")
    page.goto("/")
    page.wait_for_selector("#mfa-verify")


def test_the_code_page_fits_a_phone(phone_page, hospital, password):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    device = totp_device(admin)
    password_step(phone_page, admin.username, password)
    phone_page.wait_for_selector("#mfa-verify")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the code page is {width}px wide on a 390px phone"
    assert phone_page.is_visible("input[name=token]")
    assert phone_page.get_attribute("input[name=token]", "autocomplete") == "one-time-code"
    code_step(phone_page, code_for(device))
    phone_page.wait_for_selector(WORKBENCH)
