"""Forms of the duty pages."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import User
from weibao.contracts.models import Contract


def vendor_people(contract: Contract) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__organization_id=contract.vendor_id, memberships__is_active=True, is_active=True
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class _Named(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.get_full_name() or obj.username}{' · ' + obj.phone if obj.phone else ''}"


class _NamedMany(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.get_full_name() or obj.username}{' · ' + obj.phone if obj.phone else ''}"


class HolidayPlanForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    engineers = _NamedMany(
        label=_("值班工程师（按轮班顺序）"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    emergency_plan_link = forms.CharField(label=_("应急预案（链接或编号）"), max_length=500, required=False)

    def __init__(self, *args: object, contract: Contract, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["engineers"].queryset = vendor_people(contract)
        self.fields["year"].initial = timezone.localdate().year


class SwapForm(forms.Form):
    to_engineer = _Named(label=_("接班工程师"), queryset=User.objects.none())
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, contract: Contract, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_engineer"].queryset = vendor_people(contract)
