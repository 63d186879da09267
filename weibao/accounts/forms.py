"""Forms of the accounts UI; they validate input and hand it to services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .choices import OrgKind, Role
from .models import Campus, Department


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续 5 次错误将锁定账户 30 分钟。"),
        "inactive": _("该账户已停用，请联系管理员。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=128)
    short_code = forms.RegexField(
        label=_("简称代码"),
        regex=r"^[A-Za-z0-9]{2,12}$",
        max_length=12,
        error_messages={"invalid": _("2–12 位字母或数字。")},
    )
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    address = forms.CharField(label=_("地址"), max_length=256, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=64, required=False)


class NameForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    campus = forms.ModelChoiceField(label=_("院区"), queryset=Campus.objects.none(), required=False)

    def __init__(self, *args, hospital=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hospital is not None:
            self.fields["campus"].queryset = Campus.objects.filter(hospital=hospital)


class MemberForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[\w.@+-]{3,150}$",
        error_messages={"invalid": _("3–150 位字母、数字或 . @ + - _。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    department = forms.ModelChoiceField(label=_("科室"), queryset=Department.objects.none(), required=False)

    def __init__(self, *args, organization=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organization is not None:
            from .choices import ROLES_BY_KIND

            allowed = ROLES_BY_KIND.get(organization.kind, frozenset())
            self.fields["role"].choices = [c for c in Role.choices if c[0] in allowed]
            self.fields["department"].queryset = Department.objects.filter(hospital=organization)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=64)


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=16,
        help_text=_("身份验证器显示的 6 位数字，或一个恢复码。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "inputmode": "text",
                "spellcheck": "false",
            }
        ),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()
