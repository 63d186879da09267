"""Forms of the 监控接入 page."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.contracts.models import Endpoint, MaintainedSystem, Module

from .choices import ProbeKind
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


class ProbeForm(forms.Form):
    """Add or change a probe; the service checks the rest (ranges, thresholds, options)."""

    endpoint = forms.ModelChoiceField(label=_("探测端点"), queryset=Endpoint.objects.none())
    name = forms.CharField(label=_("名称"), max_length=128)
    kind = forms.ChoiceField(label=_("类型"), choices=ProbeKind.choices)
    module = forms.ModelChoiceField(label=_("模块"), queryset=Module.objects.none(), required=False)
    interval_seconds = forms.IntegerField(
        label=_("检测间隔（秒）"), min_value=30, max_value=86400, initial=300
    )
    timeout_seconds = forms.IntegerField(label=_("超时（秒）"), min_value=1, max_value=60, initial=10)
    warn = forms.CharField(
        label=_("警告阈值"),
        max_length=32,
        required=False,
        help_text=_("Nagios 范围，如 0.5（秒）、30（证书剩余天数）"),
    )
    crit = forms.CharField(label=_("严重阈值"), max_length=32, required=False)
    options = forms.CharField(
        label=_("选项（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            '如 {"called_aet": "PACS01"}、{"expect": "UP", "status": "200"}、{"query": "SELECT count(*) FROM t"}'
        ),
    )
    failures_to_alert = forms.IntegerField(
        label=_("连续严重几次后开单"), min_value=1, max_value=100, initial=3
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(
        self, *args: Any, endpoints: Any, modules: Any, lock_endpoint: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].queryset = endpoints
        self.fields["endpoint"].label_from_instance = lambda e: (
            f"{e.system.name} · {e.name} ({e.host}:{e.port or ''})"
        )
        self.fields["module"].queryset = modules
        self.fields["module"].label_from_instance = lambda m: f"{m.system.name} · {m.name}"
        if lock_endpoint:
            self.fields["endpoint"].disabled = True

    def clean_options(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("options") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("选项不是有效的 JSON。")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_('选项须是 JSON 对象，例如 {"called_aet": "PACS01"}。'))
        return value
