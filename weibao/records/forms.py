"""Forms of the backup record pages: shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import RestoreResult


class CheckForm(forms.Form):
    ok = forms.BooleanField(label=_("备份正常"), required=False, initial=True)
    newest_backup_at = forms.DateTimeField(
        label=_("最新备份时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class RestoreTestForm(forms.Form):
    tested_on = forms.DateField(label=_("测试日期"), widget=forms.DateInput(attrs={"type": "date"}))
    restored = forms.CharField(label=_("恢复内容"), max_length=2000)
    target = forms.CharField(label=_("恢复到"), max_length=200)
    result = forms.ChoiceField(label=_("结果"), choices=RestoreResult.choices)
    minutes = forms.IntegerField(label=_("耗时（分钟）"), min_value=0, max_value=100000)
    verified_by = forms.CharField(label=_("核验人"), max_length=64)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)
