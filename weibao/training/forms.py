"""Forms of the training pages: shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateTimeInput

from .choices import TrainingKind


class SessionForm(forms.Form):
    contract = forms.TypedChoiceField(label=_("合同"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=TrainingKind.choices)
    title = forms.CharField(label=_("主题"), max_length=200)
    trainer = forms.CharField(label=_("培训讲师"), max_length=64)
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=DateTimeInput(),
    )
    duration_minutes = forms.IntegerField(label=_("时长（分钟）"), min_value=1, max_value=1440, initial=60)
    remote = forms.BooleanField(label=_("远程培训"), required=False)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    content = forms.CharField(label=_("培训内容"), widget=forms.Textarea(attrs={"rows": 3}))
    materials = forms.CharField(
        label=_("培训材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一项：讲义、手册、视频链接等"),
    )

    def __init__(self, *args, contracts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [(c.pk, f"{c.code} · {c.hospital.name}") for c in contracts]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)], widget=forms.RadioSelect
    )
    feedback = forms.CharField(
        label=_("意见与建议"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
