"""Pages of the duty rosters: my shifts and the plans I see, a contract's duty, a holiday plan
(phone-friendly: engineers open it on the day), a swap request and its decision, the ICS feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.forms import submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from .. import selectors, services
from ..choices import SwapState
from ..forms import HolidayPlanForm, SwapForm
from ..ics import shifts_ics
from ..models import CalendarFeed, DutyShift, DutySwap, HolidayDutyPlan


@login_required
def duty_home(request: HttpRequest) -> HttpResponse:
    """值班: my coming shifts, the swaps waiting for me, the holiday plans I see."""
    now = timezone.now()
    mine = list(selectors.shifts_of(request.user, since=now)[:20])
    waiting = [
        s
        for s in DutySwap.objects.visible_to(request.user)
        .filter(state=SwapState.REQUESTED)
        .select_related("shift", "contract", "from_engineer", "to_engineer")
        .order_by("requested_at")
        if permissions.can_decide_swap(request.user, s.contract)
    ]
    plans = (
        HolidayDutyPlan.objects.visible_to(request.user)
        .filter(end__gte=timezone.localdate())
        .select_related("contract", "contract__hospital")
        .order_by("start", "contract_id", "pk")
    )
    items, next_url = request_page(request, plans, limit=50)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "duty/home.html",
        {
            "mine": mine,
            "waiting": waiting,
            "plans": items,
            "next_url": next_url,
            "feed_url": request.build_absolute_uri(reverse("duty:ics", args=[feed.token])) if feed else "",
        },
    )


@login_required
def contract_duty(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's duty: its holiday plans, the coming shifts, and (for whoever draws up the
    roster) the form that generates a year's holiday plans."""
    contract = get_visible(Contract.objects, request.user, pk=pk)
    manage = permissions.can_manage_duty(request.user, contract)
    form = HolidayPlanForm(request.POST or None, contract=contract) if manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有厂商经理或医院管理员可以排班。"))
        done = submit(
            request,
            form,
            lambda data: services.holiday_plans_generate(
                actor=request.user,
                contract=contract,
                year=data["year"],
                engineers=list(data["engineers"]),
                emergency_plan_link=data["emergency_plan_link"],
                context=AuditContext.from_request(request),
            ),
            then=lambda made: reverse("duty:contract_duty", args=[contract.pk]),
            message=lambda made: _("已生成 %(n)d 个节假日保障方案。") % {"n": len(made)},
        )
        if done is not None:
            return done
    shifts = (
        DutyShift.objects.visible_to(request.user)
        .filter(contract=contract, end__gt=timezone.now())
        .select_related("engineer", "plan")
        .order_by("start", "-role", "pk")
    )
    items, next_url = request_page(request, shifts, limit=50)
    return render(
        request,
        "duty/contract.html",
        {
            "contract": contract,
            "plans": HolidayDutyPlan.objects.filter(contract=contract).order_by("start"),
            "shifts": items,
            "next_url": next_url,
            "form": form,
            "now_on_duty": list(selectors.on_duty(contract, timezone.now())),
        },
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """节假日保障方案: the dates, each day's duty group with phones, contacts and escalation chain,
    the emergency plan and the systems watched."""
    plan = get_visible(
        HolidayDutyPlan.objects.select_related("contract", "contract__hospital"), request.user, pk=pk
    )
    today = timezone.localdate()
    return render(
        request,
        "duty/plan.html",
        {
            "plan": plan,
            "days": selectors.plan_days(plan),
            "today": today,
            "now": timezone.now(),
            "can_swap": permissions.may_stand_duty(request.user, plan.contract)
            or permissions.can_manage_duty(request.user, plan.contract),
        },
    )


@login_required
def shift_swap(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to hand a shift to another engineer."""
    shift = get_visible(DutyShift.objects.select_related("contract", "engineer", "plan"), request.user, pk=pk)
    if not permissions.can_request_swap(request.user, shift.contract, shift.engineer_id):
        raise PermissionDenied(_("只有当班工程师或排班人可以申请换班。"))
    form = SwapForm(request.POST or None, contract=shift.contract)
    done = submit(
        request,
        form,
        lambda data: services.swap_request(
            actor=request.user,
            shift=shift,
            to_engineer=data["to_engineer"],
            reason=data["reason"],
            context=AuditContext.from_request(request),
        ),
        then=lambda swap: reverse("duty:duty_home"),
        message=_("换班申请已提交，等待审批。"),
    )
    return done or render(request, "duty/swap.html", {"shift": shift, "form": form})


@login_required
@require_POST
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse a swap (``decision`` = approve | refuse)."""
    swap = get_visible(DutySwap.objects.select_related("contract"), request.user, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("请选择批准或拒绝。"))
        return redirect("duty:duty_home")
    try:
        services.swap_decide(
            actor=request.user,
            swap=swap,
            approve=decision == "approve",
            context=AuditContext.from_request(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已批准换班。") if decision == "approve" else _("已拒绝换班。"))
    return redirect("duty:duty_home")


@login_required
@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    """Make (or replace) my calendar feed's secret address."""
    services.calendar_feed(user=request.user, renew=CalendarFeed.objects.filter(user=request.user).exists())
    messages.success(request, _("日历订阅地址已更新，旧地址已失效。"))
    return redirect("duty:duty_home")


def ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    """An engineer's shifts as ICS, for calendar apps (no login: the secret in the URL is the key)."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.is_active:
        raise Http404
    shifts = selectors.shifts_of(feed.user)
    body = shifts_ics(
        shifts,
        name=_("%(name)s 的值班") % {"name": feed.user.get_full_name() or feed.user.username},
        host=request.get_host().split(":")[0],
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="duty.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
