"""The WSGI application. A request to the API with a bearer token takes a shorter middleware
chain (:data:`settings.API_TOKEN_MIDDLEWARE`): it carries no session, cookie or form, so the
session, CSRF, messages, login-lockout and page-policy layers have nothing to do for it but cost
a tenth of a report's time. Every other request takes the whole chain."""

from __future__ import annotations

import gc
from typing import Any

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler


class TokenApiHandler(WSGIHandler):
    """Django's handler with the middleware of ``settings.API_TOKEN_MIDDLEWARE``, in the order
    of ``settings.MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        full = settings.MIDDLEWARE
        # Django reads the chain from settings; swapped only while this handler is built.
        settings.MIDDLEWARE = [m for m in full if m in settings.API_TOKEN_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def is_token_api(environ: dict[str, Any]) -> bool:
    return environ.get("PATH_INFO", "").startswith("/api/") and environ.get(
        "HTTP_AUTHORIZATION", ""
    ).startswith("Bearer ")


#: Requests after which a process has loaded what it keeps for its life (URLconf, templates,
#: translation catalogues, reference caches); see :meth:`Application.settle`.
SETTLE_AFTER = 50


class Application:
    """Sends token API requests to :class:`TokenApiHandler`, the rest to Django's handler."""

    def __init__(self) -> None:
        django.setup(set_prefix=False)
        self.pages = WSGIHandler()
        self.token_api = TokenApiHandler()
        self.unsettled = SETTLE_AFTER

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        handler = self.token_api if is_token_api(environ) else self.pages
        try:
            return handler(environ, start_response)
        finally:
            if self.unsettled > 0:
                self.unsettled -= 1
                if self.unsettled == 0:
                    self.settle()

    @staticmethod
    def settle() -> None:
        """Move what the process holds by now out of the garbage collector's sight
        (``gc.freeze``). A Django process holds ~300,000 objects after its first requests, and
        each full collection walked them all: a 200–250 ms pause in one request every few seconds
        under load. Frozen, a full collection walks only what came later (tens of ms)."""
        gc.collect()
        gc.freeze()
