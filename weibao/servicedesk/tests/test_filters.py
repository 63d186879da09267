"""The ticket filters as the list page's form sends them: every field, most of them empty. An
empty field means "any" on the page, in the export of the filtered ledger and in the API."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from weibao.servicedesk import services
from weibao.servicedesk.ledger import HEADERS, SHEET
from weibao.servicedesk.selectors import TicketFilter

pytestmark = pytest.mark.django_db

#: What 筛选 sends when only the search box is filled in.
FORM = {"q": "CT", "contract": "", "state": "", "open": "", "breached": "", "assignee": "", "sort": ""}


@pytest.fixture
def tickets(seed, people):
    contract = seed("drg-wuhan")
    term = contract.terms.order_by("number").first()
    for title in ("CT 机无法出图", "CT 报告打不开", "检验结果延迟", "门诊挂号慢"):
        services.ticket_create(actor=people["admin"], contract=contract, term=term, title=title)
    return contract


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": ""}, None),
        ({"state": ["", ""]}, None),
        ({"state": ["new", ""]}, ["new"]),
        ({"state": "new,resolved"}, ["new", "resolved"]),
        ({"state": " "}, None),
    ],
)
def test_an_empty_state_means_any_state(params, expected):
    assert TicketFilter.from_params(params).state == expected


def test_the_form_with_only_a_search_finds_the_matching_tickets(client_for, people, tickets):
    page = client_for(people["admin"]).get(reverse("servicedesk:ticket_list"), FORM).content.decode()
    assert "没有符合条件的工单" not in page
    assert sorted(re.findall(r"CT 机无法出图|CT 报告打不开|检验结果延迟|门诊挂号慢", page)) == [
        "CT 报告打不开",
        "CT 机无法出图",
    ]


def test_the_filtered_ledger_holds_exactly_the_filtered_rows(client_for, people, tickets):
    response = client_for(people["admin"]).get(reverse("servicedesk:ticket_export"), FORM)
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)[SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    title = list(rows[0]).index("标题")
    assert list(rows[0]) == HEADERS
    assert sorted(row[title] for row in rows[1:]) == ["CT 报告打不开", "CT 机无法出图"]


def test_the_api_reads_an_empty_state_as_any(client_for, people, tickets):
    response = client_for(people["admin"]).get("/api/v1/tickets", {"q": "CT", "state": ""})
    assert response.status_code == 200
    assert sorted(t["title"] for t in response.json()["items"]) == ["CT 报告打不开", "CT 机无法出图"]


def test_a_saved_filter_round_trips(client_for, people, tickets):
    """Saving the current filter and opening it again shows the same tickets."""
    from urllib.parse import urlencode

    from weibao.servicedesk.models import SavedFilter

    client = client_for(people["admin"])
    client.post(reverse("servicedesk:saved_filter_save"), {"name": "CT 故障", "query": urlencode(FORM)})
    saved = SavedFilter.objects.get(user=people["admin"], name="CT 故障")
    page = client.get(reverse("servicedesk:ticket_list") + "?" + saved.query).content.decode()
    listed = client.get(reverse("servicedesk:ticket_list"), FORM).content.decode()
    pattern = r"CT 机无法出图|CT 报告打不开|检验结果延迟|门诊挂号慢"
    assert (
        sorted(re.findall(pattern, page))
        == sorted(re.findall(pattern, listed))
        == [
            "CT 报告打不开",
            "CT 机无法出图",
        ]
    )
    assert ">CT 故障</a>" in listed  # offered on the list page
