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


def test_the_language_menu_names_each_language_in_itself(client_for, people):
    page = client_for(people["admin"]).get(reverse("core:home")).content.decode()
    assert ">简体中文</option>" in page and ">English</option>" in page
    assert "英语" not in page
