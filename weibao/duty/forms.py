"""Forms of the duty and emergency pages: shape only; the services decide."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import User
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.forms import DateInput, parse_lines
from weibao.servicedesk.models import Ticket

from .models import EmergencyPlan


def vendor_people(contract: Contract) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__organization_id=contract.vendor_id, memberships__is_active=True, is_active=True
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class _Named(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.get_full_name() or obj.username}{' · ' + obj.phone if obj.phone else ''}"


class _NamedMany(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.get_full_name() or obj.username}{' · ' + obj.phone if obj.phone else ''}"


class HolidayPlanForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    engineers = _NamedMany(
        label=_("值班工程师（按轮班顺序）"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    emergency_plan_link = forms.CharField(label=_("应急预案（链接或编号）"), max_length=500, required=False)

    def __init__(self, *args: object, contract: Contract, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["engineers"].queryset = vendor_people(contract)
        self.fields["year"].initial = timezone.localdate().year


class SwapForm(forms.Form):
    to_engineer = _Named(label=_("接班工程师"), queryset=User.objects.none())
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, contract: Contract, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_engineer"].queryset = vendor_people(contract)


# --- emergency plans, drills and incident reports ---------------------------------------------------


def _text(label: object, *, required: bool = True, max_length: int = 5000, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


class _TicketChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Ticket) -> str:  # type: ignore[override]
        when = timezone.localtime(obj.created_at).strftime("%m-%d %H:%M")
        return f"{obj.number} · {obj.title} · {obj.get_state_display()} · {when}"


#: How many of the contract's newest tickets the incident form offers.
TICKET_CHOICES = 60


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("事件名称"), max_length=200)
    tickets = _TicketChoices(
        label=_("关联工单（本合同最近的工单，可多选）"),
        queryset=Ticket.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    ticket_numbers = forms.CharField(
        label=_("其他工单编号（不在上面列表中的，空格或逗号分隔）"), max_length=2000, required=False
    )
    plan = forms.ModelChoiceField(
        label=_("启用的应急预案"),
        queryset=EmergencyPlan.objects.none(),
        required=False,
        empty_label=_("（未启用预案）"),
    )

    def __init__(
        self, *args: object, contract: Contract, tickets: QuerySet[Ticket], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._contract, self._tickets = contract, tickets
        newest = list(
            tickets.filter(contract=contract)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[:TICKET_CHOICES]
        )
        self.fields["tickets"].queryset = Ticket.objects.filter(pk__in=newest).order_by("-created_at", "-pk")  # type: ignore[attr-defined]
        self.fields["plan"].queryset = EmergencyPlan.objects.filter(contract=contract).order_by(
            "code", "-version"
        )  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        numbers = [n for n in re.split(r"[\s,，、;；]+", data.get("ticket_numbers") or "") if n]
        found = list(self._tickets.filter(contract=self._contract, number__in=numbers))
        missing = sorted(set(numbers) - {t.number for t in found})
        if missing:
            self.add_error("ticket_numbers", _("本合同下没有这些工单：%(n)s") % {"n": "、".join(missing)})
        chosen = {t.pk: t for t in [*(data.get("tickets") or []), *found]}
        if not chosen and not self.has_error("ticket_numbers"):
            self.add_error("tickets", _("请至少关联一张工单。"))
        data["tickets"] = list(chosen.values())
        return data


class IncidentEditForm(forms.Form):
    impact_systems = _text(_("影响的系统"), required=False)
    impact_departments = _text(_("影响的科室"), required=False)
    patients_affected = _text(_("受影响的患者"), required=False)
    root_cause = _text(_("根本原因"), required=False, max_length=10000)
    data_loss = _text(_("数据损失"), required=False)
    actions = forms.CharField(
        label=_("整改措施（每行一项：措施｜责任人｜完成日期）"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "增加存储冗余｜张伟｜2026-10-10"}),
    )

    def clean_actions(self) -> list[tuple[str, str, date]]:
        out = []
        rows = parse_lines(self.cleaned_data["actions"], parts=3, label=_("整改措施"))
        for n, (action, owner, due) in enumerate(rows, start=1):
            if not action or not owner or not due:
                raise forms.ValidationError(_("第 %(n)d 项整改措施须写明措施、责任人和完成日期。") % {"n": n})
            if len(action) > 500 or len(owner) > 64:
                raise forms.ValidationError(
                    _("第 %(n)d 项整改措施太长（措施 500 字、责任人 64 字以内）。") % {"n": n}
                )
            try:
                day = date.fromisoformat(due)
            except ValueError:
                raise forms.ValidationError(
                    _("第 %(n)d 项整改措施的完成日期“%(due)s”不是日期，请写成 2026-10-10。")
                    % {"n": n, "due": due}
                ) from None
            out.append((action, owner, day))
        return out


def contract_people(contract: Contract) -> QuerySet[User]:
    """The vendor's and the hospital's active people (who may be responsible for a plan)."""
    return (
        User.objects.filter(
            memberships__organization_id__in=[contract.vendor_id, contract.hospital_id],
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class EmergencyPlanForm(forms.Form):
    code = forms.CharField(label=_("编号"), max_length=48)
    title = forms.CharField(label=_("名称"), max_length=200)
    system = forms.ModelChoiceField(
        label=_("系统（可选）"),
        queryset=MaintainedSystem.objects.none(),
        required=False,
        empty_label=_("（整个合同）"),
    )
    responsible = _Named(label=_("负责人"), queryset=User.objects.none())
    content = _text(_("预案内容"), max_length=20000, rows=6)
    escalation = forms.CharField(
        label=_("升级链（每行一级：角色｜姓名｜电话）"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "值班工程师｜张伟｜13900000001\n项目经理｜李娜｜13900000002"}
        ),
    )

    def __init__(self, *args: object, contract: Contract, revising: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["system"].queryset = MaintainedSystem.objects.filter(contract=contract).order_by("name")  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = contract_people(contract)  # type: ignore[attr-defined]
        if revising:  # a revision keeps its code
            self.fields["code"].disabled = True

    def clean_escalation(self) -> list[dict[str, object]]:
        rows = parse_lines(self.cleaned_data["escalation"], parts=3, label=_("升级链"))
        out: list[dict[str, object]] = []
        for level, (role, name, phone) in enumerate(rows, start=1):
            if not role:
                raise forms.ValidationError(_("升级链第 %(n)d 级须写明角色。") % {"n": level})
            if len(role) > 64 or len(name) > 64 or len(phone) > 32:
                raise forms.ValidationError(_("升级链第 %(n)d 级太长。") % {"n": level})
            out.append({"level": level, "role": role, "name": name, "phone": phone})
        if len(out) > 9:
            raise forms.ValidationError(_("升级链最多 9 级。"))
        return out


def escalation_text(escalation: list[dict[str, object]]) -> str:
    """A plan's escalation chain as the form's text box shows it."""
    return "\n".join(
        "｜".join(str(e.get(k) or "") for k in ("role", "name", "phone")).rstrip("｜") for e in escalation
    )


class DrillForm(forms.Form):
    date = forms.DateField(label=_("演练日期"), widget=DateInput())
    scenario = _text(_("演练场景"))
    participants = _text(_("参加人员"), max_length=2000, rows=2)
    findings = _text(_("发现的问题与改进"), required=False, max_length=10000)
