"""Pages of the service team and resident engineers: the team with its pending changes, the
engineer's check-in card (made for a phone), leave, evaluations and the monthly attendance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.forms import submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import selectors, services
from .api import parse_month
from .choices import LeaveState, MemberState
from .forms import CertificateForm, CheckForm, DecisionForm, EvaluationForm, LeaveForm, MemberForm, ReasonForm
from .models import Evaluation, LeaveRequest, TeamMember

EXPIRY_WARNING_DAYS = 60


def _ctx(request: HttpRequest) -> AuditContext:
    return AuditContext.from_request(request)


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _act(request: HttpRequest, back: str, action: Callable[[], Any], done: str) -> HttpResponse:
    """Run a service call from a small form; its refusal of the input is shown as a message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, done)
    return redirect(back)


def _team_url(contract_id: int) -> str:
    return reverse("residency:contract_team", args=[contract_id])


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """驻场: my check-in cards, and the contracts whose team the user sees."""
    cards = []
    for member in selectors.residencies_of(request.user):
        cards.append({"member": member, "open": selectors.open_stay(member)})
    contracts = (
        Contract.objects.visible_to(request.user)
        .select_related("hospital", "vendor")
        .order_by("-start", "pk")
    )
    items, next_url = request_page(request, contracts, limit=50)
    return render(request, "residency/home.html", {"cards": cards, "items": items, "next_url": next_url})


@login_required
def contract_team(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract's team: members, certificates, pending changes, leave and evaluations."""
    contract = get_visible(Contract.objects.select_related("hospital", "vendor"), request.user, pk=pk)
    members = list(selectors.team(contract))
    may_propose = permissions.can_propose_team_change(request.user, contract)
    vendor_users = User.objects.filter(
        memberships__organization_id=contract.vendor_id, memberships__is_active=True, is_active=True
    ).distinct()
    form = MemberForm(
        request.POST or None,
        users=vendor_users if may_propose else [],
        replaceable=[m for m in members if m.state == MemberState.ACTIVE],
    )
    if request.method == "POST":

        def save(data: dict[str, Any]) -> TeamMember:
            user = vendor_users.filter(pk=data.pop("user")).first() if data.get("user") else None
            replaces_id = data.pop("replaces")
            replaces = next((m for m in members if m.pk == replaces_id), None) if replaces_id else None
            data.pop("user", None)
            return services.member_propose(
                actor=request.user,
                contract=contract,
                user=user,
                replaces=replaces,
                context=_ctx(request),
                **data,
            )

        done = submit(
            request, form, save, then=lambda m: _team_url(contract.pk), message=_("已提交，待医院同意。")
        )
        if done is not None:
            return done
    today = timezone.localdate()
    for m in members:
        m.cert_rows = [
            {
                "cert": c,
                "expired": c.expires is not None and c.expires < today,
                "expiring": c.expires is not None
                and today <= c.expires <= today + timedelta(days=EXPIRY_WARNING_DAYS),
            }
            for c in m.certificates.all()
        ]
    leaves = LeaveRequest.objects.filter(contract=contract).select_related("member").order_by("-start", "-pk")
    leave_items, leave_next = request_page(request, leaves, limit=20)
    evaluations = Evaluation.objects.filter(contract=contract).select_related("member")[:50]
    return render(
        request,
        "residency/team.html",
        {
            "contract": contract,
            "requirement": selectors.requirement(contract),
            "members": members,
            "residents_in_post": sum(1 for m in members if m.resident and m.state in selectors.IN_POST),
            "form": form,
            "may_propose": may_propose,
            "may_consent": permissions.can_consent_team_change(request.user, contract),
            "may_evaluate": permissions.can_evaluate_residents(request.user, contract),
            "may_decide_leave": permissions.can_decide_leave(request.user, contract),
            "my_member": selectors.member_for_user(request.user, contract),
            "leaves": leave_items,
            "leave_next": leave_next,
            "evaluations": evaluations,
            "pending": LeaveState.PENDING,
            "states": MemberState,
            "this_month": today.strftime("%Y-%m"),
        },
    )


@login_required
def contract_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The month's attendance of the contract's resident engineers, shortfalls listed."""
    contract = get_visible(Contract.objects.select_related("hospital"), request.user, pk=pk)
    value = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        year, month = parse_month(value)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        year, month = timezone.localdate().year, timezone.localdate().month
        value = f"{year:04d}-{month:02d}"
    result = selectors.month_attendance(contract, year, month)
    return render(
        request,
        "residency/attendance.html",
        {"contract": contract, "result": result, "month": value},
    )


def _member(request: HttpRequest, pk: int) -> TeamMember:
    return get_visible(TeamMember.objects.select_related("contract"), request.user, pk=pk)


@login_required
@require_POST
def member_decide(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = DecisionForm(request.POST)
    back = _team_url(member.contract_id)
    if not form.is_valid():
        messages.error(request, _("请选择同意或不同意。"))
        return redirect(back)
    data = form.cleaned_data
    return _act(
        request,
        back,
        lambda: services.member_decide(
            actor=request.user,
            member=member,
            consent=data["consent"],
            note=data["note"],
            context=_ctx(request),
        ),
        _("已答复成员变更。"),
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = ReasonForm(request.POST)
    back = _team_url(member.contract_id)
    if not form.is_valid():
        messages.error(request, _("请说明撤换原因。"))
        return redirect(back)
    return _act(
        request,
        back,
        lambda: services.member_remove_propose(
            actor=request.user, member=member, reason=form.cleaned_data["reason"], context=_ctx(request)
        ),
        _("已申请撤换，待医院同意。"),
    )


@login_required
@require_POST
def member_check(request: HttpRequest, pk: int) -> HttpResponse:
    """签到 / 签退 from the check-in card (the phone's channel when sent from a phone)."""
    member = _member(request, pk)
    form = CheckForm(request.POST)
    back = (request.POST.get("next") == "team" and _team_url(member.contract_id)) or reverse("residency:home")
    if not form.is_valid():
        messages.error(request, _("请选择签到或签退。"))
        return redirect(back)
    channel = form.cleaned_data["channel"] or "web"
    if form.cleaned_data["action"] == "in":
        return _act(
            request,
            back,
            lambda: services.check_in(
                actor=request.user, member=member, channel=channel, context=_ctx(request)
            ),
            _("已签到。"),
        )
    return _act(
        request,
        back,
        lambda: services.check_out(actor=request.user, member=member, channel=channel, context=_ctx(request)),
        _("已签退。"),
    )


@login_required
@require_POST
def leave_new(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = LeaveForm(request.POST)
    back = _team_url(member.contract_id)
    if not form.is_valid():
        messages.error(request, _("请填写请假的开始、结束日期（YYYY-MM-DD）和事由。"))
        return redirect(back)
    return _act(
        request,
        back,
        lambda: services.leave_request(
            actor=request.user, member=member, context=_ctx(request), **form.cleaned_data
        ),
        _("已提交请假，待医院审批。"),
    )


@login_required
@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_visible(LeaveRequest.objects.select_related("contract"), request.user, pk=pk)
    form = DecisionForm(request.POST)
    back = _team_url(leave.contract_id)
    if not form.is_valid():
        messages.error(request, _("请选择批准或不批准。"))
        return redirect(back)
    data = form.cleaned_data
    return _act(
        request,
        back,
        lambda: services.leave_decide(
            actor=request.user, leave=leave, approve=data["consent"], note=data["note"], context=_ctx(request)
        ),
        _("已审批请假。"),
    )


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = EvaluationForm(request.POST)
    back = _team_url(member.contract_id)
    if not form.is_valid():
        messages.error(request, _("请填写考评期和 0–100 的得分。"))
        return redirect(back)
    return _act(
        request,
        back,
        lambda: services.evaluation_record(
            actor=request.user, member=member, context=_ctx(request), **form.cleaned_data
        ),
        _("已记录考评。"),
    )


@login_required
@require_POST
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = CertificateForm(request.POST)
    back = _team_url(member.contract_id)
    if not form.is_valid():
        messages.error(request, _("请填写证书名称；有效期须为日期（YYYY-MM-DD）。"))
        return redirect(back)
    return _act(
        request,
        back,
        lambda: services.certificate_add(
            actor=request.user, member=member, context=_ctx(request), **form.cleaned_data
        ),
        _("已登记证书。"),
    )
