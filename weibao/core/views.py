"""The home page (我的工作台) and the health check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .refusals import record_refusal

#: Apps add panels to the home page: a callable (request) -> dict | None with "title",
#: "template" and its context, in the order registered.
_home_panels: list[tuple[int, Callable[[HttpRequest], dict[str, Any] | None]]] = []


def register_home_panel(fn: Callable[[HttpRequest], dict[str, Any] | None], *, order: int = 100) -> None:
    if all(existing is not fn for _, existing in _home_panels):
        _home_panels.append((order, fn))
        _home_panels.sort(key=lambda pair: pair[0])


@login_required
def home(request: HttpRequest) -> HttpResponse:
    panels = [panel for _, fn in _home_panels if (panel := fn(request))]
    return render(
        request, "core/home.html", {"panels": panels, "memberships": request.user.active_memberships()}
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    """运行状态: web and worker health, queue depth, outbox, last periodic runs (platform admins)."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from .status import backlog_rows, installation_status, status_sections

    if not request.user.is_platform_admin:
        raise PermissionDenied(_("只有平台管理员可以查看运行状态。"))
    s = installation_status()
    return render(
        request,
        "core/status.html",
        {"s": s, "backlogs": backlog_rows(s["backlog"]), "sections": status_sections()},
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 page; refusals are recorded (:mod:`weibao.core.refusals`: the audit log, at most once a
    minute per user, the rest counted)."""
    record_refusal(request, str(exception or ""))
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON with the API's error shape under /api/, the page otherwise."""
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, or 413 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: JSON under /api/, a page
    otherwise. A :class:`~django.core.exceptions.BadRequest` raised by a view carries a message
    for the user; other refusals (a malformed multipart body, too many fields) get a general one."""
    from django.core.exceptions import BadRequest, RequestDataTooBig
    from django.utils.translation import gettext as _

    if isinstance(exception, RequestDataTooBig):
        status, code = 413, "too_large"
        reason = _("提交的内容太大（上限 %(mb)d MB）。附件请用上传，单个不超过 10 MB。") % {
            "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        }
    else:
        status, code = 400, "bad_request"
        reason = str(exception) if type(exception) is BadRequest else _("请求格式不正确。")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": reason, "code": code}, status=status)
    return render(request, "400.html", {"reason": reason, "status": status}, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, a plain page (no template context that could fail again) otherwise."""
    from django.template import loader

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "服务器内部错误，已记录。", "code": "server_error"}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (a page left open too long, cookies turned off): the site's
    own 403 page, because Django's carries an inline <style> the Content-Security-Policy refuses."""
    from django.utils.translation import gettext as _

    message = _("页面已过期或浏览器没有发送 Cookie：请刷新页面后重新提交。")
    return render(request, "403.html", {"reason": message}, status=403)
