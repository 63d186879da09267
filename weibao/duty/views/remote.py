"""Pages of the remote access register: the sessions one sees (overdue flagged), every access to
one system, one session (approve, refuse, start, end — phone-friendly), a new request."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import MaintainedSystem
from weibao.core.forms import DateTimeInput, submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible
from weibao.servicedesk.models import Ticket

from .. import remote
from ..choices import RemoteState
from ..models import RemoteSession


def _rows(request: HttpRequest):  # type: ignore[no-untyped-def]
    return remote.with_overdue(
        RemoteSession.objects.visible_to(request.user).select_related(
            "system", "engineer", "ticket", "contract"
        )
    ).order_by("-planned_start", "-pk")


@login_required
def remote_list(request: HttpRequest) -> HttpResponse:
    """远程运维登记: the sessions the user sees, newest first; ``?overdue=1`` only the overdue."""
    rows = _rows(request)
    if request.GET.get("overdue") == "1":
        rows = rows.filter(overdue=True)
    items, next_url = request_page(request, rows, limit=50)
    return render(request, "duty/remote_list.html", {"items": items, "next_url": next_url, "system": None})


@login_required
def remote_system(request: HttpRequest, pk: int) -> HttpResponse:
    """Every remote access to one of the hospital's systems."""
    system = get_visible(MaintainedSystem.objects, request.user, pk=pk)
    items, next_url = request_page(request, _rows(request).filter(system=system), limit=50)
    return render(request, "duty/remote_list.html", {"items": items, "next_url": next_url, "system": system})


@login_required
def remote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_visible(_rows(request), request.user, pk=pk)
    user = request.user
    return render(
        request,
        "duty/remote_detail.html",
        {
            "s": session,
            "can_decide": session.state == RemoteState.REQUESTED
            and permissions.can_approve_remote(user, session.contract),
            "can_start": session.state == RemoteState.APPROVED and session.engineer_id == user.pk,
            "can_end": session.state == RemoteState.ACTIVE
            and (session.engineer_id == user.pk or permissions.can_approve_remote(user, session.contract)),
        },
    )


ACTIONS = {"approve", "refuse", "start", "end"}


@login_required
@require_POST
def remote_act(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_visible(RemoteSession.objects.select_related("contract"), request.user, pk=pk)
    action = request.POST.get("action", "")
    context = AuditContext.from_request(request)
    try:
        if action in ("approve", "refuse"):
            remote.remote_decide(
                actor=request.user, session=session, approve=action == "approve", context=context
            )
        elif action == "start":
            remote.remote_start(actor=request.user, session=session, context=context)
        elif action == "end":
            remote.remote_end(actor=request.user, session=session, context=context)
        else:
            raise ValidationError(_("未知的操作。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已更新远程运维登记。"))
    return redirect("duty:remote_detail", pk=session.pk)


class RemoteRequestForm(forms.Form):
    system = forms.ModelChoiceField(label=gettext_lazy("系统"), queryset=MaintainedSystem.objects.none())
    ticket_number = forms.CharField(label=gettext_lazy("关联工单编号（可选）"), max_length=32, required=False)
    purpose = forms.CharField(
        label=gettext_lazy("目的"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    planned_start = forms.DateTimeField(label=gettext_lazy("计划开始"), widget=DateTimeInput())
    planned_end = forms.DateTimeField(label=gettext_lazy("计划结束"), widget=DateTimeInput())


@login_required
def remote_request(request: HttpRequest) -> HttpResponse:
    """A vendor engineer asks to enter a system remotely (through the hospital's bastion host)."""
    form = RemoteRequestForm(request.POST or None)
    systems = MaintainedSystem.objects.visible_to(request.user).filter(
        contract__vendor__memberships__user=request.user, contract__vendor__memberships__is_active=True
    )
    form.fields["system"].queryset = systems.select_related("contract").distinct().order_by("name")  # type: ignore[attr-defined]
    if not form.is_bound:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form.initial.update(planned_start=now, planned_end=now + timezone.timedelta(hours=2))

    def save(data: dict) -> RemoteSession:  # type: ignore[type-arg]
        system = data["system"]
        ticket = None
        if data["ticket_number"].strip():
            ticket = (
                Ticket.objects.visible_to(request.user)
                .filter(number=data["ticket_number"].strip(), contract_id=system.contract_id)
                .first()
            )
            if ticket is None:
                raise ValidationError({"ticket_number": _("本系统的合同下没有这个工单。")})
        return remote.remote_request(
            actor=request.user,
            contract=system.contract,
            system=system,
            purpose=data["purpose"],
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
            ticket=ticket,
            context=AuditContext.from_request(request),
        )

    done = submit(
        request,
        form,
        save,
        then=lambda s: reverse("duty:remote_detail", args=[s.pk]),
        message=_("已提交，等待医院审批。"),
    )
    return done or render(request, "duty/remote_request.html", {"form": form})
