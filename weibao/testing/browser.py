"""Playwright on Debian's Chromium. Never downloads a browser.

Outside CI a missing Chromium skips the browser tests; with ``CI=true`` it fails them, because a
skipped browser test in CI would hide a broken UI.

Every page a test opens is watched: a Content-Security-Policy violation reported in the console,
or a script error nobody caught, fails the test when it ends (a page that only works with inline
script, or whose script broke, is a broken page even when the test's own assertions pass).
"""

from __future__ import annotations

import contextlib
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


#: What Chromium writes to the console when the Content-Security-Policy blocks something.
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to ")


class PageProblems:
    """Console messages and uncaught errors of every page in one browser context."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.errors: list[str] = []

    def watch(self, pg) -> None:
        pg.on("console", lambda message: self._console(pg, message))
        pg.on("pageerror", lambda error: self.errors.append(f"{pg.url}: uncaught {error}"))

    def _console(self, pg, message) -> None:
        text = message.text
        if any(marker in text for marker in CSP_MARKERS):
            self.violations.append(f"{pg.url}: {text}")

    def report(self) -> list[str]:
        return [*self.violations, *self.errors]


def _context(browser, live_server, **options):
    options.setdefault("locale", "zh-CN")
    options.setdefault("base_url", live_server.url)
    context = browser.new_context(**options)
    problems = PageProblems()
    context.on("page", problems.watch)
    return context, problems


def _drain(context) -> None:
    """One round trip to each open page, so console messages already sent are delivered."""
    for pg in context.pages:
        # A page that is navigating or crashed has nothing more to deliver.
        with contextlib.suppress(Exception):
            pg.evaluate("0")


def _fail_on_problems(problems: PageProblems) -> None:
    found = problems.report()
    if found:
        pytest.fail(
            "the browser reported a Content-Security-Policy violation or a script error:\n"
            + "\n".join(found),
            pytrace=False,
        )


def _watched_page(browser, live_server, **options):
    """A page in a fresh context on the live server that records every request's URL
    (``page.requests_seen``) and fails the test on any CSP violation or uncaught script error
    (``page.problems``)."""
    context, problems = _context(browser, live_server, **options)
    pg = context.new_page()
    pg.problems = problems
    pg.requests_seen = []
    pg.on("request", lambda request: pg.requests_seen.append(request.url))
    pg.set_default_timeout(15000)
    yield pg
    _drain(context)
    context.close()
    _fail_on_problems(problems)


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized watched page (see :func:`_watched_page`)."""
    yield from _watched_page(browser, live_server, viewport={"width": 1280, "height": 860})


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized watched page: department users report problems from their phones."""
    yield from _watched_page(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts of one's own (two people at once, a phone and a desk): each is on the
    live server, watched like ``page``, and closed when the test ends."""
    made = []

    def make(**options):
        context, problems = _context(browser, live_server, **options)
        made.append((context, problems))
        return context

    yield make
    for context, _ in made:
        _drain(context)
        context.close()
    for _, problems in made:
        _fail_on_problems(problems)


def login(page, username: str, password: str, *, code: str | None = None) -> None:
    """Sign in through the login page. A user who has or needs a second factor (platform and
    hospital admins) gets an authenticator with a known key if they have none, and the code is
    typed on the second step (``code`` types that one instead)."""
    from weibao.accounts.mfa import has_device, mfa_required
    from weibao.accounts.models import User
    from weibao.testing.mfa import code_for, totp_device

    user = User.objects.filter(username=username).first()
    device = None
    if user is not None and (mfa_required(user) or has_device(user)):
        device = totp_device(user)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if device is not None and user.check_password(password):
        page.wait_for_load_state()
        if not page.locator("#mfa-verify").count():
            return  # refused (a locked account): the caller checks what the page says
        page.fill("input[name=token]", code or code_for(device))
        page.click("#mfa-verify button[type=submit]")
