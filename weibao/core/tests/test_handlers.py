"""The WSGI application: a token API request takes the short middleware chain and gets the same
answer, security headers and language; everything else takes the whole chain."""

from __future__ import annotations

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections

from weibao.accounts.choices import Role
from weibao.accounts.services import api_token_create
from weibao.core.handlers import Application
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield Application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call(app, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    seen: dict = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(response_headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def _view_middleware(handler) -> set[str]:
    return {type(method.__self__).__name__ for method in handler._view_middleware}


def test_token_requests_take_the_short_chain_and_answer_the_same(app, hospital):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    _, raw = api_token_create(user=user, name="集成")
    # The swap lasted only while the handler was built.
    assert "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    assert "CsrfViewMiddleware" in _view_middleware(app.pages)
    assert "CsrfViewMiddleware" not in _view_middleware(app.token_api)

    status, headers, body = call(app, "/api/v1/me", authorization=f"Bearer {raw}", accept_language="en")
    assert status == 200 and json.loads(body)["username"] == user.username
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers

    status, headers, body = call(
        app, "/api/v1/me", authorization="Bearer wb_wrong", accept_language="zh-hans"
    )
    assert status == 401 and json.loads(body)["code"] == "unauthorized"
    status, _, body = call(app, "/api/v1/me")  # no token: the whole chain, and no session either
    assert status == 401
    status, _, _ = call(app, "/healthz", authorization=f"Bearer {raw}")  # a page, whole chain
    assert status == 200


def test_the_process_settles_once_after_its_first_requests(app, monkeypatch):
    """After ``SETTLE_AFTER`` requests what the process holds is frozen out of the collector's
    sight, once; before that, nothing is."""
    from weibao.core import handlers

    frozen: list[int] = []
    monkeypatch.setattr(handlers.gc, "freeze", lambda: frozen.append(1))
    for _ in range(handlers.SETTLE_AFTER - 1):
        assert call(app, "/healthz")[0] == 200
    assert frozen == []
    assert call(app, "/healthz")[0] == 200
    assert frozen == [1]
    for _ in range(3):
        call(app, "/healthz")
    assert frozen == [1]
