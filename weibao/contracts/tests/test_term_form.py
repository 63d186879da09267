"""The service-term edit form: it shows and keeps the "远程不能解决时到场" rule, and it offers (and
the service accepts) only calendars the contract's parties may count on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from weibao.calendars.models import DayRule, WorkCalendar
from weibao.contracts.services import contract_create_from_template, term_update
from weibao.contracts.template_loader import get_template
from weibao.testing.factories import HospitalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(hospital, vendor):
    return contract_create_from_template(
        actor=None,
        template=get_template("pacs-huizhou"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
    )


def private_calendar(owner, code):
    return WorkCalendar.objects.create(
        code=code, name=code, owner=owner, weekly={"0": [["08:00", "17:00"]]}, day_rule=DayRule.EVERY_DAY
    )


def test_the_form_shows_the_remote_then_onsite_rule_and_saving_keeps_it(client_for, hospital_admin, contract):
    term = contract.terms.get(number=1)
    rule = "电话、远程无法处理的问题应于24小时内到现场解决"
    assert term.escalate_onsite == {"within": "24h", "calendar": "7x24", "text": rule}
    client = client_for(hospital_admin)
    url = reverse("contracts:term_edit", args=[term.pk])
    page = client.get(url).content.decode()
    assert "远程不能解决时到场" in page
    assert 'name="escalate_onsite_within" value="24h"' in page
    assert rule in page

    form = {
        "item": term.item,
        "category": term.category,
        "content": term.content,
        "channels": term.channels,
        "response_kind": "within",
        "response_within": "1h",
        "response_calendar": "7x24",
        "escalate_onsite_kind": "within",
        "escalate_onsite_within": "4h",
        "escalate_onsite_calendar": "7x24",
        "escalate_onsite_text": rule,
    }
    assert client.post(url, form).status_code == 302
    term.refresh_from_db()
    assert term.escalate_onsite == {"within": "4h", "calendar": "7x24", "text": rule}
    assert term.response == {"within": "1h", "calendar": "7x24"}


def test_another_hospitals_private_calendar_is_neither_offered_nor_accepted(
    client_for, hospital_admin, contract
):
    own = private_calendar(contract.hospital, "own-5x8")
    theirs = private_calendar(HospitalFactory(), "theirs-5x8")
    term = contract.terms.get(number=1)
    page = client_for(hospital_admin).get(reverse("contracts:term_edit", args=[term.pk])).content.decode()
    assert f'value="{own.code}"' in page
    assert theirs.code not in page

    with pytest.raises(ValidationError) as refused:
        term_update(actor=hospital_admin, term=term, response={"within": "2h", "calendar": theirs.code})
    assert "未知的日历" in str(refused.value)
    term_update(actor=hospital_admin, term=term, response={"within": "2h", "calendar": own.code})
    term.refresh_from_db()
    assert term.response == {"within": "2h", "calendar": own.code}
