"""Date pickers get ISO values in every language: Chinese formats a date as ``2026/12/05``, which an
``<input type=date>`` cannot read and shows as empty (a form opened to edit lost its dates)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django import forms
from django.utils import translation

from weibao.contracts.forms import FromTemplateForm
from weibao.core.forms import DateInput, DateTimeInput


class _When(forms.Form):
    day = forms.DateField(widget=DateInput())
    at = forms.DateTimeField(widget=DateTimeInput())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pickers_render_iso_values(language):
    with translation.override(language):
        html = str(_When(initial={"day": date(2026, 12, 5), "at": datetime(2026, 12, 5, 9, 30)}))
    assert 'type="date"' in html and 'value="2026-12-05"' in html
    assert 'type="datetime-local"' in html and 'value="2026-12-05T09:30"' in html


def test_what_a_picker_sends_is_accepted():
    with translation.override("zh-hans"):
        form = _When(data={"day": "2026-12-05", "at": "2026-12-05T09:30"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2026, 12, 5)
    assert form.cleaned_data["at"].replace(tzinfo=None) == datetime(2026, 12, 5, 9, 30)


def test_an_app_form_uses_them():
    assert isinstance(FromTemplateForm.base_fields["start"].widget, DateInput)
