"""Forms of the contracts UI."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts import permissions
from weibao.accounts.choices import OrgKind
from weibao.accounts.models import Organization
from weibao.calendars.models import WorkCalendar
from weibao.core.forms import DateInput

from .template_loader import list_templates
from .template_schema import Category, Channel

TARGET_KINDS = [
    ("", _("无")),
    ("within", _("时限内")),
    ("immediate", _("立即")),
    ("workday_appointment", _("法定工作日预约")),
]
ESCALATION_KINDS = TARGET_KINDS[:3]
TARGETS = ("response", "onsite", "resolution", "escalate_onsite")


class FromTemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("合同模板"))
    hospital = forms.ModelChoiceField(label=_("医院"), queryset=Organization.objects.none())
    vendor = forms.ModelChoiceField(label=_("厂商"), queryset=Organization.objects.none())
    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=DateInput(),
        help_text=_("留空按模板的服务期计算"),
    )
    amount = forms.DecimalField(
        label=_("合同金额（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        required=False,
        help_text=_("留空使用模板中的预算金额"),
    )
    code = forms.RegexField(
        label=_("合同编号"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,47}$",
        required=False,
        help_text=_("按医院、模板和开始月份预填，可修改"),
        error_messages={"invalid": _("合同编号只能包含字母、数字、. _ -，2–48 位。")},
    )
    title = forms.CharField(
        label=_("合同名称"),
        max_length=200,
        required=False,
        help_text=_("按所选医院预填，可修改"),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(code, f"{title}（{code}）") for code, title in list_templates()]
        orgs = Organization.objects.visible_to(user) if user is not None else Organization.objects.none()
        hospitals = orgs.filter(kind=OrgKind.HOSPITAL)
        administered = permissions.administered_org_ids(user) if user is not None else None
        if administered is not None:
            hospitals = hospitals.filter(pk__in=administered)
        self.fields["hospital"].queryset = hospitals
        # Any vendor may be contracted: a hospital signs with vendors it has no contract with yet.
        self.fields["vendor"].queryset = Organization.objects.filter(kind=OrgKind.VENDOR, is_active=True)
        self.order_fields(["template", "hospital", "vendor", "title", "code", "start", "end", "amount"])
        if self.fields["hospital"].initial is None and hospitals.count() == 1:
            self.fields["hospital"].initial = hospitals.first()


class TermForm(forms.Form):
    item = forms.CharField(label=_("服务项目"), max_length=128)
    category = forms.ChoiceField(label=_("类别"), choices=[(c.value, c.label) for c in Category])
    content = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 3}))
    channels = forms.MultipleChoiceField(
        label=_("服务方式"),
        choices=[(c.value, c.label) for c in Channel],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, contract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        usable = WorkCalendar.objects.usable_by(contract.hospital_id, contract.vendor_id)
        calendars = [(c, c) for c in usable.order_by("code").values_list("code", flat=True)]
        for name, label, kinds in (
            ("response", _("响应"), TARGET_KINDS),
            ("onsite", _("到场"), TARGET_KINDS),
            ("resolution", _("解决"), TARGET_KINDS),
            ("escalate_onsite", _("远程不能解决时到场"), ESCALATION_KINDS),
        ):
            self.fields[f"{name}_kind"] = forms.ChoiceField(label=label, choices=kinds, required=False)
            self.fields[f"{name}_within"] = forms.RegexField(
                label=_("%(l)s时限") % {"l": label},
                regex=r"^\d{1,6}(m|h|d|wd)$",
                required=False,
                help_text=_("如 30m、2h、1d、3wd"),
                error_messages={"invalid": _("应为 30m、2h、1d 或 3wd。")},
            )
            self.fields[f"{name}_calendar"] = forms.ChoiceField(
                label=_("%(l)s日历") % {"l": label}, choices=calendars, required=False
            )
        self.fields["escalate_onsite_text"] = forms.CharField(
            label=_("远程不能解决时到场（合同原文）"), max_length=500, required=False
        )

    @staticmethod
    def initial_for(term) -> dict:
        data = {
            "item": term.item,
            "category": term.category,
            "content": term.content,
            "channels": term.channels,
        }
        for name in TARGETS:
            target = getattr(term, name) or {}
            kind = next((k for k in ("within", "immediate", "workday_appointment") if target.get(k)), "")
            data.update(
                {
                    f"{name}_kind": kind,
                    f"{name}_within": target.get("within", ""),
                    f"{name}_calendar": target.get("calendar", "7x24"),
                }
            )
        data["escalate_onsite_text"] = (term.escalate_onsite or {}).get("text", "")
        return data

    def clean(self):
        data = super().clean()
        for name in TARGETS:
            kind = data.get(f"{name}_kind")
            text = data.get("escalate_onsite_text", "").strip() if name == "escalate_onsite" else ""
            if not kind:
                data[name] = {"text": text} if text else None
                continue
            target: dict[str, Any] = {"calendar": data.get(f"{name}_calendar") or "7x24"}
            if text:
                target["text"] = text
            if kind == "within":
                if not data.get(f"{name}_within"):
                    self.add_error(f"{name}_within", _("请填写时限。"))
                    continue
                target["within"] = data[f"{name}_within"]
            else:
                target[kind] = True
            data[name] = target
        return data
