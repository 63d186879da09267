"""Forms of the notifications UI; they validate input and hand it to services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from weibao.accounts import permissions
from weibao.accounts.choices import OrgKind
from weibao.accounts.models import Organization

from .choices import RobotKind
from .events import all_events
from .models import RobotWebhook

# A lone checkbox sits at the start of its field, not centred in the column (app.css is shared).
CHECKBOX = forms.CheckboxInput(attrs={"class": "checkbox-start"})


class RobotForm(forms.Form):
    """Add or edit a group robot. On edit the URL and secret fields start empty: empty keeps the
    stored value, which is never sent back to the browser."""

    organization = forms.ModelChoiceField(label=_("所属机构"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=RobotKind.choices)
    name = forms.CharField(label=_("名称"), max_length=64, help_text=_("如：PACS 维保群"))
    url = forms.CharField(
        label=_("Webhook 地址"),
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "企业微信：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…；"
            "钉钉：https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = forms.CharField(
        label=_("钉钉加签密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("钉钉机器人“加签”安全设置中的 SEC… 密钥；企业微信留空。"),
    )
    clear_secret = forms.BooleanField(
        label=_("不再加签（删除已保存的密钥）"), required=False, widget=CHECKBOX
    )
    events = forms.MultipleChoiceField(label=_("接收的事件"), widget=forms.CheckboxSelectMultiple)
    contract = forms.ModelChoiceField(
        label=_("仅限合同"),
        required=False,
        queryset=None,
        empty_label=_("全部合同"),
        help_text=_("留空则接收本机构所有合同的事件"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True, widget=CHECKBOX)

    def __init__(self, *args: Any, user: Any, robot: RobotWebhook | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from weibao.contracts.models import Contract

        self.robot = robot
        self.fields["events"].choices = [(e.code, e.label) for e in all_events()]
        orgs = Organization.objects.filter(kind__in=[OrgKind.HOSPITAL, OrgKind.VENDOR], is_active=True)
        administered = permissions.administered_org_ids(user)
        if administered is not None:
            orgs = orgs.filter(pk__in=administered)
        self.fields["organization"].queryset = orgs
        org_ids = [robot.organization_id] if robot is not None else list(orgs.values_list("pk", flat=True))
        self.fields["contract"].queryset = (
            Contract.objects.visible_to(user)
            .filter(Q(hospital_id__in=org_ids) | Q(vendor_id__in=org_ids))
            .select_related("hospital")
        )
        if robot is None:
            self.fields["events"].initial = [e.code for e in all_events()]
            del self.fields["clear_secret"]
            if len(orgs) == 1:
                self.fields["organization"].initial = orgs[0].pk
        else:
            # The organisation of a robot does not change; neither does its kind (the URL is the
            # robot's, and a WeCom URL makes no DingTalk robot).
            del self.fields["organization"]
            del self.fields["kind"]
            self.fields["url"].required = False
            self.fields["url"].help_text = format_html(
                "{}<code>{}</code>{}", _("当前："), robot.url_hint, _("。留空则不修改。")
            )
            if robot.has_secret:
                self.fields["secret"].help_text = format_html(
                    "{}<code>{}</code>{}", _("已保存："), robot.secret_hint, _("。留空则不修改。")
                )
            else:
                del self.fields["clear_secret"]

    @staticmethod
    def initial_for(robot: RobotWebhook) -> dict[str, Any]:
        return {
            "name": robot.name,
            "events": robot.events,
            "contract": robot.contract_id,
            "is_active": robot.is_active,
        }
