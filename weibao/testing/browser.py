"""Playwright on Debian's Chromium. Never downloads a browser.

Outside CI a missing Chromium skips the browser tests; with ``CI=true`` it fails them, because a
skipped browser test in CI would hide a broken UI.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("WEIBAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def require_chromium() -> None:
    if chromium_available():
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " — browser tests must run in CI")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the test thread; the ORM calls the tests make
    # there are still synchronous, so Django's async-safety guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context on the live server, desktop-sized; records every request's host."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="zh-CN", base_url=live_server.url
    )
    pg = context.new_page()
    pg.requests_seen = []
    pg.on("request", lambda request: pg.requests_seen.append(request.url))
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized browser page (department users report problems from their phones)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
