"""The Chinese pages speak Chinese: field names, empty values, the language menu, and a reply box
that addresses the reader's counterpart."""

from __future__ import annotations

import pytest
from django.urls import reverse

from weibao.servicedesk import services
from weibao.servicedesk.reporting import report_term

pytestmark = pytest.mark.django_db


def test_the_timeline_names_fields_in_chinese_and_the_reply_box_fits_the_reader(client_for, seed, people):
    contract = seed("drg-wuhan")
    ticket = services.ticket_create(
        actor=people["doctor"], contract=contract, term=report_term(contract), title="读片系统卡顿"
    )
    people["engineer"].display_name = "李工"
    people["engineer"].save(update_fields=["display_name"])
    services.ticket_update(actor=people["admin"], ticket=ticket, assignee=people["engineer"])
    url = reverse("servicedesk:ticket_detail", args=[ticket.pk])

    hospital_page = client_for(people["doctor"]).get(url).content.decode()
    assert "处理人：（无） → 李工" in hospital_page
    assert "assignee" not in hospital_page
    assert "补充说明，或回复处理方" in hospital_page and "回复医院" not in hospital_page

    vendor_page = client_for(people["engineer"]).get(url).content.decode()
    assert "回复医院，或写内部备注" in vendor_page

    it_page = client_for(people["admin"]).get(url).content.decode()  # the hospital's own IT
    assert "回复厂商，或写内部备注" in it_page and "回复医院" not in it_page


def test_a_tickets_clocks_read_in_the_order_they_run(client_for, seed, people):
    contract = seed("pacs-huizhou")
    ticket = services.ticket_create(
        actor=people["doctor"], contract=contract, term=contract.terms.get(number=2), title="影像无法调阅"
    )
    assert sorted(ticket.clocks.values_list("kind", flat=True)) == ["onsite", "resolution", "response"]
    page = (
        client_for(people["doctor"])
        .get(reverse("servicedesk:ticket_detail", args=[ticket.pk]))
        .content.decode()
    )
    clocks = page[page.index('id="clocks"') :]
    assert (
        clocks.index('data-clock="response"')
        < clocks.index('data-clock="onsite"')
        < clocks.index('data-clock="resolution"')
    )


def test_the_language_menu_names_each_language_in_itself(client_for, people):
    page = client_for(people["admin"]).get(reverse("core:home")).content.decode()
    assert ">简体中文</option>" in page and ">English</option>" in page
    assert "英语" not in page
