"""Forms of doing an inspection: each only checks the shape of what is posted; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import START_MODES, ItemResult, SignSide


class StartForm(forms.Form):
    mode = forms.ChoiceField(label=_("方式"), choices=[(m.value, m.label) for m in START_MODES])


class ItemForm(forms.Form):
    result = forms.ChoiceField(label=_("结果"), choices=[("", "—"), *ItemResult.choices], required=False)
    value = forms.DecimalField(
        label=_("数值"),
        required=False,
        max_digits=14,
        decimal_places=3,
        error_messages={"invalid": _("请填写数字。"), "max_digits": _("数值过大。")},
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)
    photo = forms.FileField(label=_("照片"), required=False)


class AreaForm(forms.Form):
    area = forms.CharField(max_length=32)


class FindingsForm(forms.Form):
    findings = forms.CharField(label=_("巡检发现"), required=False, max_length=5000, widget=forms.Textarea)
    recommendations = forms.CharField(label=_("建议"), required=False, max_length=5000, widget=forms.Textarea)


class SignForm(forms.Form):
    side = forms.ChoiceField(choices=SignSide.choices)
    name = forms.CharField(label=_("签字人"), max_length=64)
    # A data URL of a PNG (drawn on the pad); a few hundred KB at most.
    signature = forms.CharField(required=False, max_length=420_000)
