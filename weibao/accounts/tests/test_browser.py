"""The foundation through a real Chromium: login, workbench, logout, lockout, idle expiry, API docs."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from weibao.accounts.choices import Role
from weibao.testing.browser import login as sign_in
from weibao.testing.factories import DepartmentFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str, password: str) -> None:
    sign_in(page, username, password)


def test_department_user_logs_in_lands_on_the_workbench_and_logs_out(page, hospital, password):
    user = member(
        hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital, name="放射科")
    )
    login(page, user.username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")
    assert "放射科" in page.content() and hospital.name in page.content()
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    page.click("#logout")
    page.wait_for_selector("h1:has-text('登录维保平台')")
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_five_wrong_passwords_lock_the_account(page, hospital, password):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    for _ in range(4):
        login(page, user.username, "Wrong-Passw0rd")
        page.wait_for_selector("text=用户名或密码错误")
    login(page, user.username, "Wrong-Passw0rd")
    message = page.wait_for_selector("#locked-message")
    assert "锁定" in message.inner_text()
    login(page, user.username, password)
    page.wait_for_selector("#locked-message")


def test_idle_session_expires(page, hospital, password, settings):
    settings.WEIBAO_SESSION_IDLE_SECONDS = 2
    user = member(hospital, Role.DEPARTMENT_USER)
    login(page, user.username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")
    time.sleep(3)
    page.goto("/orgs/")
    page.wait_for_selector("text=会话已超时")
    assert "/accounts/login/" in page.url


def test_phone_layout_shows_the_workbench(phone_page, hospital, password):
    user = member(hospital, Role.DEPARTMENT_USER)
    login(phone_page, user.username, password)
    phone_page.wait_for_selector("h1:has-text('我的工作台')")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width}px wide on a 390px phone"


def test_api_docs_load_with_no_request_leaving_the_machine(page, hospital, password, live_server):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    login(page, user.username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    page.get_by_text("/api/v1/organizations", exact=True).first.wait_for()
    hosts = {urlparse(u).hostname for u in page.requests_seen if u.startswith("http")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    assert any(u.endswith("/api/v1/openapi.json") for u in page.requests_seen)
