"""Helpers shared by the UI's forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

T = TypeVar("T")


class DateInput(forms.DateInput):
    """A browser date picker. Its value is ISO (``2026-12-05``) whatever the language: the picker
    reads no other form, and Chinese would render ``2026/12/05``, which it shows as empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker, its value ``2026-12-05T09:30`` (no seconds)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form, field by field where it names fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def submit(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    then: Callable[[T], Any],
    message: str | Callable[[T], str] | None = None,
) -> HttpResponse | None:
    """The tail every form page repeats: on a valid POST, ``save(cleaned_data)`` (a call of a
    service), then ``message`` and the answer ``then(result)`` gives: a response, or where to go
    (a URL, a URL name or an object with ``get_absolute_url``), redirected to, for htmx with
    ``HX-Redirect``. The service's ValidationError lands on the form, field by field.

    Returns None when the page is to be shown (again, with its errors): the view renders it.
    A PermissionDenied is not a form error: it goes on to the 403 page, which audits it.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    if message is not None:
        messages.success(request, message(result) if callable(message) else message)
    target = then(result)
    if isinstance(target, HttpResponse):
        return target
    url = resolve_url(target)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    then: Callable[[T], Any],
    message: str | Callable[[T], str] | None = None,
    title: str,
    back_url: str,
    template: str = "partials/form_page.html",
    **extra: Any,
) -> HttpResponse:
    """A form page whole: :func:`submit`, or the page (first, or again with its errors) from
    ``template`` with the form, ``title``, the ``back_url`` of its 返回 link and ``extra``."""
    done = submit(request, form, save, then=then, message=message)
    return done or render(request, template, {"form": form, "title": title, "back_url": back_url, **extra})


#: What separates the pieces of a line in a "one a line" text box (a full-width or a plain bar).
SEPARATORS = ("｜", "|")


def parse_lines(text: str, *, parts: int, label: str) -> list[list[str]]:
    """The lines of a text box where each line is ``a｜b｜c``, cut into ``parts`` stripped pieces
    (missing trailing pieces blank; blank lines skipped); too many pieces is a form error naming
    the line."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        for sep in SEPARATORS:
            line = line.replace(sep, "|")
        pieces = [p.strip() for p in line.split("|")]
        if len(pieces) > parts:
            raise ValidationError(
                _("%(label)s第 %(n)d 行的“｜”多了：每行最多 %(parts)d 项。")
                % {"label": label, "n": n, "parts": parts}
            )
        rows.append(pieces + [""] * (parts - len(pieces)))
    return rows
