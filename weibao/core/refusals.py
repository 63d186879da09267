"""Refusals (403s) are answered here, in core (the API's error shape, the 403 page), and recorded
by the app that keeps the audit log, which registers how with :func:`register_refusal_recorder`
when it is ready: core imports no app.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.http import HttpRequest


class RefusalRecorder(Protocol):
    """Records that ``request`` was refused, and why (``detail``: the path and method)."""

    def __call__(self, *, request: HttpRequest, reason: str, detail: dict[str, Any]) -> object: ...


_recorder: RefusalRecorder | None = None


def register_refusal_recorder(recorder: RefusalRecorder) -> None:
    """Say how refusals are recorded (the audit app, once)."""
    global _recorder
    _recorder = recorder


def record_refusal(request: HttpRequest, reason: str) -> None:
    """Record the refusal of ``request`` (nothing without a recorder)."""
    if _recorder is not None:
        _recorder(request=request, reason=reason, detail={"path": request.path, "method": request.method})
