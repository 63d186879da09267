"""Forms of the residency pages: they only check the input's shape; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput

from .choices import Channel


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    role = forms.CharField(
        label=_("岗位"), max_length=64, help_text=_("如：驻场工程师、项目经理、核心技术人员")
    )
    resident = forms.BooleanField(label=_("驻场"), required=False)
    experience_years = forms.IntegerField(label=_("相关经验（年）"), min_value=0, max_value=60, initial=0)
    qualifications = forms.CharField(
        label=_("资质与经历"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    user = forms.TypedChoiceField(label=_("账号（签到用）"), required=False, coerce=int, empty_value=None)
    replaces = forms.TypedChoiceField(label=_("替换成员"), required=False, coerce=int, empty_value=None)
    reason = forms.CharField(label=_("变更原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, users=(), replaceable=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—")] + [(u.pk, str(u)) for u in users]
        self.fields["replaces"].choices = [("", _("不替换（新增成员）"))] + [
            (m.pk, str(m)) for m in replaceable
        ]


class DecisionForm(forms.Form):
    consent = forms.TypedChoiceField(
        choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1", label=_("答复")
    )
    note = forms.CharField(label=_("意见"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000)


class CheckForm(forms.Form):
    action = forms.ChoiceField(choices=[("in", _("签到")), ("out", _("签退"))])
    channel = forms.ChoiceField(choices=Channel.choices, required=False)


class LeaveForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(label=_("结束日期"), widget=DateInput())
    reason = forms.CharField(label=_("事由"), max_length=2000)


class EvaluationForm(forms.Form):
    period = forms.CharField(label=_("考评期"), max_length=32, help_text=_("如：2026年第4季度"))
    score = forms.IntegerField(label=_("得分（0–100）"), min_value=0, max_value=100)
    comment = forms.CharField(label=_("评语"), required=False, max_length=2000)


class CertificateForm(forms.Form):
    name = forms.CharField(label=_("证书名称"), max_length=128)
    number = forms.CharField(label=_("证书编号"), max_length=64, required=False)
    expires = forms.DateField(label=_("有效期至"), required=False, widget=DateInput())
