"""Content-Security-Policy (issue 12, "Why" 10: "No Content-Security-Policy header").

Every HTML page, the login page and the API docs page carry a policy that allows script, style,
images and requests only from the installation itself and no inline script or style; the pages
still work under it in Chromium, with nothing refused in the console.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import weibao
from weibao.accounts.choices import Role
from weibao.testing.browser import _context, _drain
from weibao.testing.browser import login as sign_in
from weibao.testing.factories import member

CSP = "Content-Security-Policy"


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict(header: str | None) -> None:
    assert header, "no Content-Security-Policy header"
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    for kind in ("script-src", "style-src"):
        sources = policy.get(kind, policy["default-src"])
        assert "'self'" in sources
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, (kind, sources)
        assert not any(s.startswith(("http:", "https:", "*")) or s in {"http:", "https:"} for s in sources)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_login_page_carries_the_policy(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_strict(response.headers.get(CSP))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/tickets/", "/contracts/", "/notifications/", "/no-such-page/"])
def test_html_pages_carry_the_policy(client_for, hospital_admin, path):
    response = client_for(hospital_admin).get(path)
    assert response.status_code in {200, 404}
    assert response["Content-Type"].startswith("text/html")
    assert_strict(response.headers.get(CSP))
    assert directives(response.headers[CSP])["img-src"] == ["'self'"]


@pytest.mark.django_db
def test_api_docs_page_carries_the_policy(client_for, hospital_admin):
    response = client_for(hospital_admin).get("/api/v1/docs")
    assert response.status_code == 200
    assert_strict(response.headers.get(CSP))
    # Swagger UI's stylesheet draws its icons as data: images; only this page allows them.
    assert directives(response.headers[CSP])["img-src"] == ["'self'", "data:"]
    # Its one <script> without src is the settings block, which the browser never runs as script.
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' type="application/json" id="swagger-settings"'], inline


# --- no template relies on what the policy refuses --------------------------------------------

REFUSED = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "on…= handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on attribute": re.compile(r"\shx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_carries_inline_script_or_style():
    found = []
    for path in sorted(Path(weibao.__file__).parent.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for what, pattern in REFUSED.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(Path(weibao.__file__).parent)}:{line}: {what}")
    assert not found, "\n".join(found)


# --- in Chromium -------------------------------------------------------------------------------


def login(page, username: str, password: str) -> None:
    sign_in(page, username, password)
    page.wait_for_selector("h1:has-text('我的工作台')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_work_under_the_policy(page, hospital, password):
    """Swagger UI renders, expands an operation and runs it (fetch to 'self') with nothing refused;
    the ``page`` fixture fails the test on any violation, and the check is repeated here."""
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    login(page, admin.username, password)
    response = page.goto("/api/v1/docs")
    assert_strict(response.headers.get("content-security-policy"))
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    operation = page.locator(".opblock-get:has(.opblock-summary-path[data-path='/api/v1/organizations'])")
    operation.locator(".opblock-summary").first.click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert hospital.name in operation.locator(".live-responses-table").inner_text()
    _drain(page.context)
    assert page.problems.report() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_keep_their_behaviour_without_inline_script(page, hospital, password):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    login(page, admin.username, password)
    # htmx's own indicator <style> is turned off: the page has no <style> element at all.
    page.wait_for_selector(".mainnav #notifications-unread", state="attached")
    assert page.evaluate("document.querySelectorAll('style').length") == 0

    # A filter select submits its form when changed (was onchange="this.form.submit()").
    page.goto("/contracts/")
    with page.expect_navigation():
        page.select_option("select[name=status]", "expired")
    assert "status=expired" in page.url
    assert page.input_value("select[name=status]") == "expired"

    # The QR sheet's print button prints (was onclick="window.print()").
    page.goto("/tickets/qr/")
    page.evaluate("() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") == 1

    # The language switch submits itself too.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    _drain(page.context)
    assert page.problems.report() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_injected_inline_script_and_style_are_refused_and_reported(browser, live_server):
    """What the policy is for: markup that gets into a page cannot run script or restyle it, and the
    browser-test watcher notices the refusal (so the other browser tests would fail on one)."""
    context, problems = _context(browser, live_server, viewport={"width": 1280, "height": 860})
    try:
        pg = context.new_page()
        pg.goto("/accounts/login/")
        pg.evaluate(
            """() => {
                const s = document.createElement('script');
                s.textContent = 'window.__injected = true';
                document.body.append(s);
                const img = document.createElement('img');
                img.setAttribute('onerror', 'window.__handler = true');
                img.src = '/static/no-such-image.png';
                document.body.append(img);
                document.querySelector('h1').setAttribute('style', 'color: rgb(255, 0, 0)');
            }"""
        )
        pg.wait_for_timeout(300)
        assert pg.evaluate("window.__injected") is None
        assert pg.evaluate("window.__handler") is None
        assert pg.evaluate("getComputedStyle(document.querySelector('h1')).color") != "rgb(255, 0, 0)"
        _drain(context)
    finally:
        context.close()
    refused = "\n".join(problems.violations)
    assert "inline script" in refused and "inline style" in refused, refused


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_renders_under_the_policy(page, hospital, password):
    """Each page of the UI, opened in Chromium with a contract and a ticket in it: no violation and
    no script error (the ``page`` fixture fails the test on either)."""
    from datetime import date
    from decimal import Decimal

    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.servicedesk.services import ticket_create
    from weibao.testing.factories import DepartmentFactory, VendorFactory

    admin = member(hospital, Role.HOSPITAL_ADMIN)
    DepartmentFactory(hospital=hospital, name="放射科")
    contract = contract_create_from_template(
        actor=None,
        template=get_template("pacs-huizhou"),
        hospital=hospital,
        vendor=VendorFactory(),
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="T-CSP",
    )
    ticket = ticket_create(actor=admin, contract=contract, term=contract.terms.first(), title="影像无法调阅")
    system = contract.systems.first()
    paths = [
        "/",
        "/accounts/password/",
        "/accounts/tokens/",
        "/orgs/",
        f"/orgs/{hospital.pk}/",
        f"/orgs/{hospital.pk}/members/new/",
        f"/users/{admin.pk}/",
        "/audit/",
        "/calendars/",
        "/calendars/holidays/",
        "/calendars/5x8/",
        "/calendars/5x8/due/",
        "/contracts/",
        "/contracts/new/",
        f"/contracts/{contract.pk}/",
        f"/contracts/terms/{contract.terms.first().pk}/edit/",
        "/systems/",
        f"/systems/{system.pk}/",
        "/notifications/",
        "/notifications/preferences/",
        "/notifications/robots/",
        "/notifications/robots/new/",
        "/tickets/",
        "/tickets/risk/",
        "/tickets/new/",
        "/tickets/phone/",
        "/tickets/import/",
        "/tickets/qr/",
        f"/tickets/{ticket.pk}/",
        f"/m/report/?s={system.pk}&c={contract.pk}",
        f"/m/tickets/{ticket.pk}/",
        "/data-changes/",
        "/change-requests/",
        "/no-such-page/",
    ]
    login(page, admin.username, password)
    answered = {}
    for path in paths:
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        answered[path] = response.status
        assert response.headers.get("content-security-policy"), path
    assert all(status < 500 for status in answered.values()), answered
    assert answered["/no-such-page/"] == 404
    assert sum(status == 200 for status in answered.values()) >= len(paths) - 3, answered
    _drain(page.context)
    assert page.problems.report() == []


@pytest.mark.django_db
def test_a_refused_form_gets_the_site_page_not_an_inline_styled_one(hospital_admin, password):
    """Django's own CSRF failure page has an inline <style> the policy would refuse."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": hospital_admin.username, "password": password}
    )
    assert response.status_code == 403
    assert_strict(response.headers.get(CSP))
    html = response.content.decode()
    assert "页面已过期" in html and "<style" not in html
    assert "/static/weibao/app.css" in html
