"""Forms of the assessment pages: each only parses input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SampleResult


class OpenForm(forms.Form):
    rule = forms.ChoiceField(label=_("考核"))
    period = forms.CharField(
        label=_("考核期"), max_length=16, help_text=_("如 2026Q3、2026H2、2026M07、2026")
    )

    def __init__(self, *args, rules: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = rules or []


class ActForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    passed = forms.ChoiceField(
        label=_("是否合格"), required=False, choices=[("", "—"), ("yes", _("合格")), ("no", _("不合格"))]
    )


class DrawForm(forms.Form):
    size = forms.IntegerField(label=_("抽查数量"), required=False, min_value=1, max_value=100000)
    percent = forms.DecimalField(
        label=_("抽查比例 %"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    seed = forms.IntegerField(
        label=_("随机种子（留空自动生成）"), required=False, min_value=0, max_value=2**63 - 1
    )


class MarkForm(forms.Form):
    result = forms.ChoiceField(
        label=_("结果"), choices=[(SampleResult.PASS, _("合格")), (SampleResult.FAIL, _("不合格"))]
    )
    reason = forms.CharField(label=_("理由"), required=False, max_length=2000)


class WaiveForm(forms.Form):
    waive = forms.ChoiceField(choices=[("1", _("免除")), ("0", _("恢复"))])
    reason = forms.CharField(label=_("理由"), max_length=2000)


class TerminationForm(forms.Form):
    confirm = forms.ChoiceField(choices=[("1", _("确认终止")), ("0", _("不终止"))])
    reason = forms.CharField(label=_("理由"), max_length=2000)


class MilestoneForm(forms.Form):
    condition_on = forms.DateField(label=_("条件确认日期"), required=False)
    deliverables_on = forms.DateField(label=_("交付物提交日期"), required=False)
    audit_on = forms.DateField(label=_("审计确认日期"), required=False)
    audited_amount = forms.DecimalField(
        label=_("审定金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    invoice_number = forms.CharField(label=_("发票号"), required=False, max_length=64)
    invoice_on = forms.DateField(label=_("开票日期"), required=False)
    paid_on = forms.DateField(label=_("支付日期"), required=False)
    paid_amount = forms.DecimalField(
        label=_("实付金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
