"""Forms of the record pages (backups, meetings, tuning, switch-over plans): shape only; the
services decide."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.forms import DateInput, DateTimeInput, parse_lines

from .choices import RestoreResult


class CheckForm(forms.Form):
    ok = forms.BooleanField(label=_("备份正常"), required=False, initial=True)
    newest_backup_at = forms.DateTimeField(label=_("最新备份时间"), required=False, widget=DateTimeInput())
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class RestoreTestForm(forms.Form):
    tested_on = forms.DateField(label=_("测试日期"), widget=DateInput())
    restored = forms.CharField(label=_("恢复内容"), max_length=2000)
    target = forms.CharField(label=_("恢复到"), max_length=200)
    result = forms.ChoiceField(label=_("结果"), choices=RestoreResult.choices)
    minutes = forms.IntegerField(label=_("耗时（分钟）"), min_value=0, max_value=100000)
    verified_by = forms.CharField(label=_("核验人"), max_length=64)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


def _date(label: object, *, required: bool = True) -> forms.DateField:
    # ISO in the value, whatever the language's date format: a date input reads no other.
    widget = DateInput()
    return forms.DateField(label=label, required=required, widget=widget)


def _text(label: object, *, required: bool = True, max_length: int = 5000, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


class ActionLinesField(forms.CharField):
    """Action items, one a line: ``事项｜负责人｜期限（可选，如 2026-12-31）``."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("待办事项（每行一项：事项｜负责人｜期限）"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10000)
        kwargs.setdefault(
            "widget",
            forms.Textarea(attrs={"rows": 3, "placeholder": "增加夜间对账报表｜张伟｜2026-12-31"}),
        )
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def clean(self, value: str) -> list[dict[str, object]]:  # type: ignore[override]
        text = super().clean(value)
        out: list[dict[str, object]] = []
        for n, (what, owner, due) in enumerate(parse_lines(text, parts=3, label=_("待办事项")), start=1):
            if not what or not owner:
                raise forms.ValidationError(_("第 %(n)d 项待办须填写事项和负责人。") % {"n": n})
            day = None
            if due:
                try:
                    day = date.fromisoformat(due)
                except ValueError:
                    raise forms.ValidationError(
                        _("第 %(n)d 项待办的期限“%(due)s”不是日期，请写成 2026-12-31。")
                        % {"n": n, "due": due}
                    ) from None
            out.append({"description": what, "owner": owner, "due": day})
        return out


class PolicyForm(forms.Form):
    system = forms.ModelChoiceField(label=_("系统"), queryset=MaintainedSystem.objects.none())
    name = forms.CharField(label=_("名称"), max_length=128)
    scope = _text(_("备份内容"))
    frequency_days = forms.IntegerField(label=_("备份周期（天）"), min_value=1, max_value=366, initial=1)
    location = forms.CharField(label=_("存放位置"), max_length=200)
    retention_days = forms.IntegerField(label=_("保留天数"), min_value=1, max_value=36500, initial=30)
    offsite = forms.BooleanField(label=_("异地备份"), required=False)
    offsite_location = forms.CharField(label=_("异地存放位置"), max_length=200, required=False)
    restore_interval_days = forms.IntegerField(
        label=_("恢复测试周期（天）"), min_value=1, max_value=3660, initial=90
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: object, systems: QuerySet[MaintainedSystem] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if systems is None:  # editing: the system stays
            del self.fields["system"]
        else:
            del self.fields["active"]
            self.fields["system"].queryset = systems  # type: ignore[attr-defined]


class MinutesForm(forms.Form):
    held_on = _date(_("会议日期"))
    title = forms.CharField(label=_("会议主题"), max_length=200)
    attendees = _text(_("参会人员"), max_length=2000, rows=2)
    topics = _text(_("议题"), max_length=10000)
    decisions = _text(_("决定事项"), required=False, max_length=10000)
    actions = ActionLinesField()


class TuningForm(forms.Form):
    done_on = _date(_("调优日期"))
    system = forms.ModelChoiceField(label=_("系统"), queryset=MaintainedSystem.objects.none(), required=False)
    what = _text(_("调优内容"))
    why = _text(_("原因"))
    measure = forms.CharField(label=_("衡量指标"), max_length=128)
    before = forms.CharField(label=_("调优前"), max_length=128)
    after = forms.CharField(label=_("调优后"), max_length=128)

    def __init__(self, *args: object, contract: Contract, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["system"].queryset = MaintainedSystem.objects.filter(contract=contract).order_by("name")  # type: ignore[attr-defined]


class SwitchoverForm(forms.Form):
    title = forms.CharField(label=_("方案名称"), max_length=200)
    system = forms.ModelChoiceField(label=_("系统"), queryset=MaintainedSystem.objects.none())
    old_system = forms.CharField(label=_("旧系统"), max_length=128)
    new_system = forms.CharField(label=_("新系统"), max_length=128)
    parallel_start = _date(_("并行运行开始"))
    parallel_end = _date(_("并行运行结束"))
    description = _text(_("切换步骤与回退方案"), required=False, max_length=20000, rows=4)
    items = forms.CharField(
        label=_("检查清单（每行一项）"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "历史数据迁移完成\n接口联调通过"}),
    )

    def __init__(self, *args: object, contract: Contract, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["system"].queryset = MaintainedSystem.objects.filter(contract=contract).order_by("name")  # type: ignore[attr-defined]
        if editing:  # the checklist is kept item by item on the plan's page
            del self.fields["items"]

    def clean_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class SwitchoverItemForm(forms.Form):
    title = forms.CharField(label=_("检查项"), max_length=200)


class SwitchoverItemDoneForm(forms.Form):
    done = forms.BooleanField(label=_("已完成"), required=False)
    done_by = forms.CharField(label=_("完成人"), max_length=64, required=False)
    note = forms.CharField(label=_("备注"), max_length=2000, required=False)


class SyncCheckForm(forms.Form):
    checked_on = _date(_("核对日期"))
    subject = forms.CharField(label=_("核对内容"), max_length=200)
    old_count = forms.IntegerField(label=_("旧系统数量"), min_value=0)
    new_count = forms.IntegerField(label=_("新系统数量"), min_value=0)
    matched = forms.TypedChoiceField(
        label=_("结果"),
        choices=[("", _("按数量判断")), ("1", _("一致")), ("0", _("不一致"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class SwitchoverSignForm(forms.Form):
    side = forms.ChoiceField(label=_("签字方"), choices=[("vendor", _("厂商")), ("hospital", _("医院"))])
    signer = forms.CharField(label=_("签字人"), max_length=64, required=False)
