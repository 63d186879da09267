"""Forms of the service desk UI."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts import permissions
from weibao.contracts.models import Contract, MaintainedSystem, Module, ServiceTerm, Severity
from weibao.core.db import as_id

from . import routing
from .choices import TicketChannel


class TicketForm(forms.Form):
    """The staff form; also the phone-call form (fewer fields shown, respond on creation)."""

    contract = forms.ModelChoiceField(
        label=_("维保厂商 · 系统"),
        queryset=Contract.objects.none(),
        error_messages={"invalid_choice": _("所选合同不在服务期内或您无权报修，请重新选择。")},
    )
    term = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceTerm.objects.none())
    severity = forms.ModelChoiceField(label=_("故障等级"), queryset=Severity.objects.none(), required=False)
    system = forms.ModelChoiceField(label=_("系统"), queryset=MaintainedSystem.objects.none(), required=False)
    module = forms.ModelChoiceField(label=_("模块"), queryset=Module.objects.none(), required=False)
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(
        label=_("详细描述"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    channel = forms.ChoiceField(label=_("来源"), choices=TicketChannel.choices, initial=TicketChannel.WEB)
    caller_name = forms.CharField(label=_("来电人"), max_length=64, required=False)
    caller_department = forms.CharField(label=_("科室"), max_length=64, required=False)
    caller_phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    location = forms.CharField(label=_("位置/工作站"), max_length=128, required=False)

    def __init__(self, *args, user=None, contract=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only contracts in force now take reports (routing.check_takes refuses the others too).
        contracts = Contract.objects.visible_to(user).in_force().select_related("hospital", "vendor")
        self.fields["contract"].queryset = contracts
        self.fields["contract"].label_from_instance = routing.plain_name
        chosen = contract or self._chosen(contracts)
        if chosen is not None:
            self.fields["contract"].initial = chosen.pk
            self.fields["term"].queryset = chosen.terms.all()
            self.fields["term"].label_from_instance = lambda t: f"{t.number}. {t.item}"
            self.fields["severity"].queryset = chosen.severities.all()
            systems = routing.covered_systems(chosen)
            self.fields["system"].queryset = systems
            self.fields["module"].queryset = Module.objects.filter(system__in=systems)
            if not chosen.severities.exists():
                del self.fields["severity"]

    def _chosen(self, contracts):
        raw = self.data.get("contract") or self.initial.get("contract")
        if as_id(raw) is not None:
            return contracts.filter(pk=as_id(raw)).first()
        return contracts.first() if contracts.count() == 1 else None


class MobileReportForm(forms.Form):
    """The short form a department user fills on a phone after scanning a QR code."""

    title = forms.CharField(
        label=_("遇到了什么问题？"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：3号工作站无法打开影像")}),
    )
    description = forms.CharField(
        label=_("补充说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    location = forms.CharField(label=_("位置/工作站"), max_length=128, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    photo = forms.FileField(
        label=_("截图/照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, routes=None, severities=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if severities:
            # The contract's deadlines depend on the fault class: the reporter says how bad it is,
            # in the contract's own words (the hospital's IT can correct it later).
            self.fields["severity"] = forms.ChoiceField(
                label=_("影响有多大？"),
                choices=[(str(s.order), f"{s.label}：{s.definition}") for s in severities],
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择影响程度。")},
            )
            self.order_fields(["title", "severity"])
        if routes:
            # Several contracts could take the report: the reporter says which system is at
            # fault, in plain words (system and vendor), never a contract code.
            self.fields["route"] = forms.ChoiceField(
                label=_("哪个系统出了问题？"),
                choices=[(r.key, r.label) for r in routes],
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择出问题的系统。")},
            )
            self.order_fields(["route"])


class ActionForm(forms.Form):
    action = forms.CharField()
    version = forms.IntegerField()
    reason = forms.CharField(required=False)
    solution = forms.CharField(required=False)
    root_cause = forms.CharField(required=False)
    rating = forms.IntegerField(required=False, min_value=1, max_value=5)
    comment = forms.CharField(required=False)


class ImportForm(forms.Form):
    contract = forms.ModelChoiceField(
        label=_("维保厂商 · 系统"),
        queryset=Contract.objects.none(),
        error_messages={"invalid_choice": _("所选合同不在服务期内或您无权报修，请重新选择。")},
    )
    file = forms.FileField(label=_("维护记录台账（XLSX）"))

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        qs = Contract.objects.visible_to(user)
        administered = permissions.administered_org_ids(user)
        if administered is not None:
            qs = qs.filter(hospital_id__in=administered)
        self.fields["contract"].queryset = qs
