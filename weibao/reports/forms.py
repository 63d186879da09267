from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TargetForm(forms.Form):
    """Which deliverable, for which period (the calendar's buttons post these)."""

    code = forms.CharField(max_length=48)
    period = forms.CharField(max_length=16)


class SignForm(TargetForm):
    signed_on = forms.DateField(label=_("签署日期"))
    signer = forms.CharField(label=_("签署人"), max_length=100)
