from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateTimeInput

from .choices import Satisfaction, ServiceMode


class TargetForm(forms.Form):
    """Which deliverable, for which period (the calendar's buttons post these)."""

    code = forms.CharField(max_length=48)
    period = forms.CharField(max_length=16)


class SignForm(TargetForm):
    signed_on = forms.DateField(label=_("签署日期"))
    signer = forms.CharField(label=_("签署人"), max_length=100)


# --- 服务报告 ---------------------------------------------------------------------------------------


class ServiceReportForm(forms.Form):
    """What the engineer writes (prefilled from the ticket or the inspection)."""

    department_name = forms.CharField(label=_("服务科室"), max_length=100, required=False)
    systems = forms.CharField(label=_("系统/模块"), max_length=300, required=False)
    mode = forms.ChoiceField(label=_("服务方式"), choices=ServiceMode.choices, widget=forms.RadioSelect)
    fault = forms.CharField(
        label=_("故障/服务内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    handling = forms.CharField(
        label=_("处理过程"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    result = forms.CharField(
        label=_("处理结果"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reported_at = forms.DateTimeField(label=_("报修时间"), required=False, widget=DateTimeInput())
    arrived_at = forms.DateTimeField(label=_("到场时间"), required=False, widget=DateTimeInput())
    resolved_at = forms.DateTimeField(label=_("完成时间"), required=False, widget=DateTimeInput())
    engineer_name = forms.CharField(label=_("服务工程师"), max_length=64, required=False)


class ServiceReportSignForm(forms.Form):
    """The user's sign-off. On the engineer's phone the user also gives their own account and
    password, so that the signature is theirs and not the engineer's."""

    signer_name = forms.CharField(label=_("签字人姓名"), max_length=64)
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("用户意见"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signature = forms.CharField(required=False, max_length=420_000, widget=forms.HiddenInput)
    signer_username = forms.CharField(label=_("签字人账号"), max_length=150, required=False)
    signer_password = forms.CharField(
        label=_("签字人密码"), max_length=128, required=False, widget=forms.PasswordInput
    )
