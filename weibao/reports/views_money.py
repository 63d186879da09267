"""Money pages: the home panel (合同款项) of the hospital admin and the vendor manager, the table of
every contract in force, and the year view (chart and table); each table downloads as CSV or XLSX
(``?format=csv`` / ``?format=xlsx``). The figures are :mod:`weibao.reports.money`'s."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.choices import Role
from weibao.core.exports import csv_bytes
from weibao.core.pagination import request_page
from weibao.documents.render import Sheet, render_xlsx
from weibao.servicedesk.dashboards import cached

from .money import COLUMNS, money_contracts, money_rows, year_figures, year_parties, year_side, year_table
from .money_chart import year_chart

#: Contracts shown on the home panel (a vendor manager may have 200: the rest on the full table).
PANEL_ROWS = 5
#: Contracts on a page of the full table.
PAGE_ROWS = 20
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_money(request: HttpRequest) -> None:
    if not permissions.sees_contract_money(request.user):
        raise PermissionDenied(_("合同款项不向科室用户开放。"))


def export(request: HttpRequest, name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse | None:
    """The table as a download when the query asks for one (``format=csv`` or ``xlsx``), else
    None; another format is a 400 that says which exist."""
    fmt = request.GET.get("format", "")
    if not fmt:
        return None
    if fmt == "csv":
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
        return response
    if fmt == "xlsx":
        content = render_xlsx([Sheet(title=name, header=header, rows=rows)])
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.xlsx")
        return response
    raise BadRequest(_("下载格式只能是 csv 或 xlsx。"))


def _table(rows: list[Any]) -> tuple[list[str], list[list[Any]]]:
    return [h for h, _f in COLUMNS], [[f(r) for _h, f in COLUMNS] for r in rows]


def money_panel(request: HttpRequest) -> dict[str, Any] | None:
    """合同款项 on the home page: the first contracts in force with their running assessment,
    deliverables due and next payment, and the links to the full table and the year."""
    user: Any = request.user
    if not user.has_role(Role.HOSPITAL_ADMIN, Role.VENDOR_MANAGER):
        return None
    today = timezone.localdate()

    def first_rows() -> dict[str, Any]:
        qs = money_contracts(user, today=today)
        contracts = list(qs[:PANEL_ROWS])
        return {
            "rows": money_rows(user, contracts, today=today),
            "total": qs.count() if len(contracts) == PANEL_ROWS else len(contracts),
            "shown": len(contracts),
        }

    return {
        "title": _("合同款项"),
        "template": "reports/home/money.html",
        "wide": True,
        # Kept like the other figures; which contracts are in force changes with the day, in the key.
        **cached(user, f"money-panel:{today:%Y%m%d}:{get_language()}", first_rows),
        "hospital_side": user.has_role(Role.HOSPITAL_ADMIN),
        "year": today.year,
    }


@login_required
def money_list(request: HttpRequest) -> HttpResponse:
    """Every contract in force the user sees, a page at a time; the download holds them all."""
    _require_money(request)
    user: Any = request.user
    today = timezone.localdate()
    qs = money_contracts(user, today=today)
    if request.GET.get("format"):
        if request.GET["format"] not in FORMATS:
            raise BadRequest(_("下载格式只能是 csv 或 xlsx。"))
        header, rows = _table(money_rows(user, list(qs), today=today))
        response = export(request, f"合同款项-{today:%Y%m%d}", header, rows)
        assert response is not None
        return response
    contracts, next_url = request_page(request, qs, limit=PAGE_ROWS)
    return render(
        request,
        "reports/money_list.html",
        {
            "rows": money_rows(user, contracts, today=today),
            "next_url": next_url,
            "hospital_side": user.has_role(Role.HOSPITAL_ADMIN),
            "today": today,
        },
    )


def _int(request: HttpRequest, name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(_("参数 %(n)s 应为整数。") % {"n": name}) from exc
    if not lo <= value <= hi:
        raise BadRequest(_("参数 %(n)s 超出范围。") % {"n": name})
    return value


@login_required
def money_year(request: HttpRequest) -> HttpResponse:
    """The year: deductions and payments per month, by vendor (hospital) or hospital (vendor)."""
    _require_money(request)
    user: Any = request.user
    year = _int(request, "year", timezone.localdate().year, 2000, 2100)
    assert year is not None
    parties = year_parties(user)
    party = _int(request, "party", None, 1, 2**63 - 1)
    if party is not None and party not in {p for p, _n in parties}:
        party = None  # not one of the user's: the whole year, never another's figures
    figures = year_figures(user, year, party=party)
    header, rows = year_table(figures)
    response = export(request, f"年度扣款与付款-{year}", header, rows)
    if response is not None:
        return response
    return render(
        request,
        "reports/money_year.html",
        {
            "figures": figures,
            "chart": year_chart(figures.deductions, figures.payments),
            "months": list(zip(range(1, 13), figures.deductions, figures.payments, strict=True)),
            "total_deductions": sum(figures.deductions, Decimal(0)),
            "total_payments": sum(figures.payments, Decimal(0)),
            "year": year,
            "years": range(year - 2, year + 2),
            "parties": parties,
            "party": party,
            "by_vendor": year_side(user) == "vendor",
        },
    )
