"""Forms of data changes (数据变更) and change requests (需求变更), started from a ticket or a
contract."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.forms import DateInput

from .choices import DataChangeKind


class _ContractScoped(forms.Form):
    """A form whose contract is chosen from those the user may write under (or fixed by the ticket
    it starts from) and whose system is one of that contract's hospital."""

    contract = forms.ModelChoiceField(label=_("合同"), queryset=Contract.objects.none())
    system = forms.ModelChoiceField(label=_("系统"), queryset=MaintainedSystem.objects.none(), required=False)

    def __init__(self, *args: Any, contracts: Any, contract: Contract | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contract"]
        field.queryset = contracts.select_related("hospital")
        field.label_from_instance = lambda c: f"{c.hospital.name} · {c.title}"
        if contract is not None:
            field.initial = contract.pk
            field.widget = forms.HiddenInput()
            self.fields["system"].queryset = MaintainedSystem.objects.filter(contract=contract)
        else:
            self.fields["system"].queryset = MaintainedSystem.objects.filter(contract__in=contracts)


class DataChangeForm(_ContractScoped):
    kind = forms.ChoiceField(label=_("类型"), choices=DataChangeKind.choices)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))
    patient_ids = forms.CharField(
        label=_("患者标识"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个（门诊号、住院号或检查号）；加密保存，列表只显示掩码。"),
    )
    tables = forms.CharField(label=_("涉及表"), max_length=500, required=False)
    before = forms.CharField(label=_("修改前"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # Required by kind (the service says which): a restore needs its account, a correction both values.
    after = forms.CharField(
        label=_("修改后 / 恢复说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["contract", "kind", "system", "reason", "patient_ids", "tables", "before", "after"]


class ChangeRequestForm(_ContractScoped):
    title = forms.CharField(label=_("需求"), max_length=200)
    requirement = forms.CharField(label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["contract", "system", "title", "requirement"]


class AssessForm(forms.Form):
    """The vendor's assessment of a change request."""

    assessment = forms.CharField(label=_("评估意见"), widget=forms.Textarea(attrs={"rows": 3}))
    estimate_days = forms.DecimalField(
        label=_("估算工作量（人天）"), max_digits=7, decimal_places=1, min_value=0, required=False
    )
    in_scope = forms.TypedChoiceField(
        label=_("范围"),
        choices=[("1", _("合同范围内")), ("0", _("合同范围外（另行付费）"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    quote = forms.DecimalField(
        label=_("报价（元）"), max_digits=12, decimal_places=2, min_value=0, required=False
    )


class DeployForm(forms.Form):
    deployed_on = forms.DateField(label=_("上线日期"), widget=DateInput())
