"""Forms of the calendars UI."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput, DateTimeInput

from .models import DayRule
from .statutory import in_notice_year

WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})\s*$")


def parse_periods(text: str) -> list[list[str]]:
    """``"08:00-12:00, 14:00-18:00"`` → ``[["08:00", "12:00"], ["14:00", "18:00"]]``."""
    periods = []
    for part in re.split(r"[,，;；\s]+(?=\d)", text.strip()):
        if not part.strip():
            continue
        match = _PERIOD.match(part)
        if not match:
            raise forms.ValidationError(_("时段“%(p)s”格式不对，应为 08:00-12:00。") % {"p": part})
        periods.append([match.group(1).zfill(5), match.group(2).zfill(5)])
    return periods


def format_periods(periods: list) -> str:
    return ", ".join(f"{a}-{b}" for a, b in periods)


class CalendarForm(forms.Form):
    code = forms.CharField(
        label=_("代码"), max_length=32, help_text=_("小写字母、数字、- 或 _，如 hzzd-hours")
    )
    name = forms.CharField(label=_("名称"), max_length=64)
    day_rule = forms.ChoiceField(label=_("日规则"), choices=DayRule.choices)
    tz = forms.CharField(label=_("时区"), max_length=64, initial="Asia/Shanghai")
    note = forms.CharField(label=_("说明"), max_length=256, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i, label in enumerate(WEEKDAYS):
            self.fields[f"day{i}"] = forms.CharField(
                label=label,
                required=False,
                help_text=_("如 08:00-12:00, 14:00-18:00；留空为不开放；24:00 表示午夜") if i == 0 else "",
            )
        if editing:
            self.fields["code"].disabled = True

    def clean(self):
        data = super().clean()
        weekly = {}
        for i in range(7):
            try:
                periods = parse_periods(data.get(f"day{i}", "") or "")
            except forms.ValidationError as exc:
                self.add_error(f"day{i}", exc)
                continue
            if periods:
                weekly[str(i)] = periods
        data["weekly"] = weekly
        return data


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    periods = forms.CharField(label=_("开放时段"), required=False, help_text=_("留空表示全天不开放"))
    note = forms.CharField(label=_("备注"), max_length=128, required=False)

    def clean_periods(self):
        return parse_periods(self.cleaned_data.get("periods") or "")


class DueForm(forms.Form):
    start = forms.DateTimeField(
        label=_("开始时间"),
        # A datetime-local input shows a value only in this form (no seconds, a "T").
        widget=DateTimeInput(),
    )
    duration = forms.CharField(label=_("时限"), max_length=12, help_text=_("如 90m、4h、2d、3wd"))


class HolidayImportForm(forms.Form):
    file = forms.FileField(label=_("holiday-cn JSON 文件"))


_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(休|班|off|work)\s*(.*)$", re.IGNORECASE)


class HolidayManualForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    days = forms.CharField(
        label=_("安排"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("每行一天：日期 休/班 节日名，如“2027-02-06 休 春节”或“2027-02-14 班 春节”。"),
    )

    def clean(self):
        data = super().clean()
        year = data.get("year")
        parsed: list[tuple[date, bool, str]] = []
        for n, line in enumerate((data.get("days") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = _LINE.match(line)
            if not match:
                self.add_error("days", _("第 %(n)d 行格式不对：%(l)s") % {"n": n, "l": line.strip()})
                continue
            try:
                day = date.fromisoformat(match.group(1))
            except ValueError:
                self.add_error("days", _("第 %(n)d 行日期无效：%(d)s") % {"n": n, "d": match.group(1)})
                continue
            if year and not in_notice_year(day, year):
                self.add_error("days", _("第 %(n)d 行的日期不在 %(y)d 年的安排之内。") % {"n": n, "y": year})
                continue
            parsed.append((day, match.group(2).lower() in {"班", "work"}, match.group(3).strip()))
        data["parsed"] = parsed
        return data
