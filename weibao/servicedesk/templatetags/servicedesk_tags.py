"""How clocks look everywhere: due time, remaining time, and a colour (ok / ≥75 % / breached)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def _span(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分") % {"h": hours, "m": minutes}
    return _("%(m)d分钟") % {"m": minutes}


def _breached(clock, now) -> bool:
    """Stored as breached, or a running clock whose due has passed and whose check (the scheduled
    one, or the scan's batch) has not stored it yet."""
    if clock.status == "breached":
        return True
    return clock.status == "running" and clock.due_at is not None and clock.due_at <= (now or timezone.now())


def clock_tone(clock, now=None) -> str:
    if _breached(clock, now):
        return "danger"
    if clock.status in ("met", "not_applicable"):
        return "ok"
    if clock.status == "paused":
        return "info"
    if (clock.percent_used or 0) >= 75:
        return "warn"
    return "ok"


@register.simple_tag
def clock_badge(clock, now=None):
    """``响应 · 到期 03-02 10:00 · 剩余 35分钟`` with a colour."""
    now = now or timezone.now()
    tone = clock_tone(clock, now)
    label = clock.get_kind_display()
    due = timezone.localtime(clock.due_at).strftime("%m-%d %H:%M") if clock.due_at else "—"
    if clock.status == "met":
        tail = (
            _("已达标 %(t)s") % {"t": timezone.localtime(clock.met_at).strftime("%m-%d %H:%M")}
            if clock.met_at
            else _("已达标")
        )
    elif _breached(clock, now):
        tail = _("已超时") + (
            _(" %(s)s") % {"s": _span((now - clock.due_at).total_seconds())}
            if clock.due_at and not clock.met_at
            else ""
        )
    elif clock.status == "not_applicable":
        tail = _("不适用")
    elif clock.status == "paused":
        tail = _("暂停中")
    elif clock.due_at:
        tail = _("剩余 %(s)s") % {"s": _span((clock.due_at - now).total_seconds())}
    else:
        tail = clock.get_status_display()
    provisional = (
        format_html(
            ' <span class="badge danger" title="{}">{}</span>', _("涉及尚未录入法定节假日的年份"), _("暂定")
        )
        if clock.provisional
        else ""
    )
    return format_html(
        '<span class="clock badge {}" data-clock="{}" data-status="{}">{} · {} {} · {}</span>{}',
        tone,
        clock.kind,
        clock.status,
        label,
        _("到期"),
        due,
        tail,
        provisional,
    )


@register.filter
def state_label(code: str) -> str:
    """``responded`` → 已响应."""
    from ..choices import TicketState

    try:
        return str(TicketState(code).label)
    except ValueError:
        return code


@register.filter
def ticket_field_label(name: str) -> str:
    """``assignee`` → 处理人: the name of a ticket field as the ticket page labels it."""
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.translation import gettext

    from ..models import Ticket

    if name == "contract":  # the model's field has no Chinese name of its own
        return gettext("合同")
    try:
        return str(Ticket._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@register.filter
def or_none(value: str) -> str:
    """A changed value as the timeline shows it: an empty one is （无）."""
    from django.utils.translation import gettext

    return value if value not in (None, "") else gettext("（无）")


@register.filter
def request_label(event) -> str:
    """How a request row of the timeline reads: ``申请取消``; an answer ``拒绝申请（工程师 张三）``."""
    from ..workflow import REQUEST_LABELS

    if event.action == "refuse":
        label = REQUEST_LABELS.get(event.data.get("refused", ""), "")
        who = event.data.get("requested_by") or ""
        return _("拒绝%(r)s（%(w)s）") % {"r": label, "w": who} if who else _("拒绝%(r)s") % {"r": label}
    return str(REQUEST_LABELS.get(event.action, event.action))


def nearest(clocks) -> object | None:
    """The clock to watch: the running or paused one due first, else a breached one."""
    live = [c for c in clocks if c.status in ("running", "paused") and c.due_at is not None]
    if live:
        return min(live, key=lambda c: c.due_at)
    return next((c for c in clocks if c.status == "breached"), None)


@register.simple_tag
def nearest_clock(ticket, now=None):
    """The badge of a ticket's nearest due clock (see :func:`nearest`), or a dash."""
    clock = nearest(list(ticket.clocks.all()))
    if clock is None:
        return format_html('<span class="muted small">{}</span>', _("无进行中的时限"))
    return clock_badge(clock, now)


@register.filter
def pct(value) -> str:
    """A compliance rate: ``97.5 %``, or ``—`` when no clock has settled."""
    return "—" if value is None else f"{value:g} %"


#: The order a person reads a ticket's clocks in: respond, be on site, resolve.
CLOCK_ORDER = {"response": 0, "onsite": 1, "resolution": 2}


@register.filter
def clock_order(clocks) -> list:
    """A ticket's clocks in the order they run (响应, 到场, 解决), not alphabetically by code."""
    return sorted(clocks, key=lambda c: CLOCK_ORDER.get(c.kind, len(CLOCK_ORDER)))
