"""Pages of the notifications app: the inbox, preferences, group robots; the nav badge and the
home panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.core.forms import submit
from weibao.core.tenancy import get_visible

from . import selectors, services
from .choices import DeliveryStatus, PreferenceChannel
from .forms import RobotForm
from .models import Delivery, Notification, RobotWebhook

PAGE_SIZE = 20


def _safe_next(request: HttpRequest, url: str, fallback: str) -> str:
    """Only links inside this site: a notification's URL is written by code, but never trust it
    to send a user elsewhere."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return fallback


def is_some_admin(user: Any) -> bool:
    return permissions.is_some_admin(user)


# --- the nav entry and the home panel -------------------------------------------------------------


class InboxNavLabel:
    """The nav entry: "通知" plus a placeholder that htmx fills with the unread count once the page
    has loaded. The nav registry has no per-user hook, and the count costs one small request.
    It is loaded once per page, never polled: polling would keep idle sessions alive."""

    def __str__(self) -> str:
        return format_html(
            '{}<span hx-get="{}" hx-trigger="load" hx-select="#notifications-unread" '
            'hx-swap="innerHTML"></span>',
            _("通知"),
            reverse("notifications:badge"),
        )


def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the nav (an empty span when there is none or nobody is logged in)."""
    count = selectors.unread_count(user=request.user) if request.user.is_authenticated else 0
    if not count:
        return HttpResponse('<span id="notifications-unread"></span>')
    return HttpResponse(
        format_html(
            '<span id="notifications-unread" class="badge danger" title="{}">{}</span>',
            _("未读通知"),
            "99+" if count > 99 else count,
        )
    )


def unread_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home page: the latest unread notifications, when there are any."""
    latest = list(selectors.inbox(user=request.user, unread_only=True)[:5])
    if not latest:
        return None
    return {
        "title": _("未读通知"),
        "template": "notifications/panel_unread.html",
        "items": latest,
        "unread": selectors.unread_count(user=request.user),
    }


# --- inbox ----------------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(user=request.user),
            "can_manage_robots": is_some_admin(request.user),
        },
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go to what the notification is about."""
    notification = get_visible(Notification.objects, request.user, pk=pk)
    services.mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect(_safe_next(request, notification.url, reverse("notifications:inbox")))


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_visible(Notification.objects, request.user, pk=pk)
    services.mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("notifications:inbox")))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_read(user=request.user, notification_ids=None)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("notifications:inbox")


# --- preferences ----------------------------------------------------------------------------------


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """One row per event, a checkbox per channel; an unchecked box switches the channel off."""
    rows = selectors.preference_matrix(user=request.user)
    if request.method == "POST":
        channels = PreferenceChannel.values
        changes = {
            row["event"]: {ch: f"{ch}:{row['event']}" in request.POST for ch in channels} for row in rows
        }
        services.preferences_update(
            user=request.user, preferences=changes, context=AuditContext.from_request(request)
        )
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "has_email": bool(request.user.email)},
    )


# --- group robots ---------------------------------------------------------------------------------


def _require_some_admin(request: HttpRequest) -> None:
    if not is_some_admin(request.user):
        raise PermissionDenied(_("只有医院管理员或厂商项目经理可以管理群机器人。"))


@login_required
def robot_list(request: HttpRequest) -> HttpResponse:
    _require_some_admin(request)
    robots = list(RobotWebhook.objects.visible_to(request.user).select_related("organization", "contract"))
    failed = set(
        Delivery.objects.filter(robot__in=robots, status=DeliveryStatus.FAILED)
        .values_list("robot_id", flat=True)
        .distinct()
    )
    return render(request, "notifications/robot_list.html", {"robots": robots, "failed": failed})


def _robot_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "name": data["name"],
        "events": data["events"],
        "contract": data.get("contract"),
        "is_active": data.get("is_active", True),
    }
    if data.get("url"):
        fields["url"] = data["url"]
    if data.get("clear_secret"):
        fields["secret"] = ""
    elif data.get("secret"):
        fields["secret"] = data["secret"]
    return fields


@login_required
def robot_create(request: HttpRequest) -> HttpResponse:
    _require_some_admin(request)
    form = RobotForm(request.POST or None, user=request.user)
    done = submit(
        request,
        form,
        lambda data: services.robot_create(
            actor=request.user,
            organization=data["organization"],
            kind=data["kind"],
            name=data["name"],
            url=data["url"],
            secret=data["secret"],
            events=data["events"],
            contract=data["contract"],
            is_active=data["is_active"],
            context=AuditContext.from_request(request),
        ),
        then=_robot_url,
        message=_("群机器人已保存。可以发送一条测试消息检查配置。"),
    )
    return done or render(
        request, "notifications/robot_form.html", {"form": form, "title": _("新增群机器人")}
    )


def _robot_url(robot: RobotWebhook) -> str:
    return reverse("notifications:robot_edit", args=[robot.pk])


@login_required
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_visible(RobotWebhook.objects.select_related("organization", "contract"), request.user, pk=pk)
    form = RobotForm(
        request.POST or None, user=request.user, robot=robot, initial=RobotForm.initial_for(robot)
    )
    done = submit(
        request,
        form,
        lambda data: services.robot_update(
            actor=request.user, robot=robot, context=AuditContext.from_request(request), **_robot_fields(data)
        ),
        then=_robot_url,
        message=_("群机器人已保存。"),
    )
    return done or render(
        request,
        "notifications/robot_form.html",
        {
            "form": form,
            "robot": robot,
            "title": _("群机器人：%(name)s") % {"name": robot.name},
            "deliveries": Delivery.objects.filter(robot=robot).order_by("-created_at", "-id")[:20],
        },
    )


@login_required
@require_POST
def robot_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_visible(RobotWebhook.objects.select_related("organization"), request.user, pk=pk)
    services.robot_deactivate(actor=request.user, robot=robot, context=AuditContext.from_request(request))
    messages.success(request, _("群机器人“%(name)s”已停用。") % {"name": robot.name})
    return redirect("notifications:robot_list")


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_visible(RobotWebhook.objects.select_related("organization"), request.user, pk=pk)
    delivery = services.robot_send_test(
        actor=request.user, robot=robot, context=AuditContext.from_request(request)
    )
    if delivery.status == DeliveryStatus.SENT:
        messages.success(request, _("测试消息已发送，请在群里查看。"))
    else:
        messages.error(request, _("测试消息发送失败：%(e)s") % {"e": delivery.last_error})
    return redirect("notifications:robot_edit", pk=robot.pk)
