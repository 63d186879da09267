"""Forms of the 监控接入 page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.contracts.models import MaintainedSystem, Module

from .models.alerts import MappingSource


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64, help_text=_("例如：Zabbix 服务器"))


class MappingForm(forms.Form):
    source = forms.ChoiceField(label=_("来源"), choices=MappingSource.choices)
    label = forms.CharField(
        label=_("标签名"), max_length=64, required=False, help_text=_("仅 Alertmanager：如 instance、job")
    )
    value = forms.CharField(label=_("主机名或标签值"), max_length=200)
    system = forms.ModelChoiceField(label=_("维保系统"), queryset=MaintainedSystem.objects.none())
    module = forms.ModelChoiceField(label=_("模块"), queryset=Module.objects.none(), required=False)

    def __init__(self, *args: Any, hospital_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the hospital's own systems can be named: another hospital's id is "not a choice".
        systems = MaintainedSystem.objects.filter(hospital_id=hospital_id).order_by("name")
        self.fields["system"].queryset = systems
        self.fields["module"].queryset = Module.objects.filter(system__in=systems).select_related("system")
        self.fields["module"].label_from_instance = lambda m: f"{m.system.name} · {m.name}"
