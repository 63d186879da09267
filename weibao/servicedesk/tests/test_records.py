"""Data changes need approval before execution and keep patient identifiers encrypted; change
requests follow their states; flags record who and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from weibao.servicedesk import records
from weibao.servicedesk.models import ChangeRequest, DataChange

pytestmark = pytest.mark.django_db


def test_a_data_change_cannot_be_executed_without_approval(seed, people):
    contract = seed("drg-wuhan")
    record = records.data_change_request(
        actor=people["engineer"],
        contract=contract,
        kind="adjustment",
        reason="病案首页诊断编码录入错误",
        patient_ids=["ZY20260301001", "ZY20260301002"],
        tables="emr_front_page",
        before="J18.900",
        after="J18.000",
    )
    with pytest.raises(ValidationError) as info:
        records.data_change_execute(actor=people["engineer"], record=record)
    assert "审批" in str(info.value)
    with pytest.raises(PermissionDenied):
        records.data_change_approve(actor=people["engineer"], record=record)
    records.data_change_approve(actor=people["admin"], record=record, note="同意")
    records.data_change_execute(actor=people["engineer"], record=record, note="已更新")
    records.data_change_verify(actor=people["admin"], record=record)
    record.refresh_from_db()
    assert record.state == "verified" and record.approved_by == people["admin"]
    assert record.executed_at >= record.approved_at
    with pytest.raises(ValidationError):
        records.data_change_edit(actor=people["engineer"], record=record, after="J18.100")
    correction = records.data_change_request(
        actor=people["engineer"],
        contract=contract,
        kind="adjustment",
        reason="更正",
        before="J18.000",
        after="J18.100",
        corrects=record,
    )
    assert correction.corrects == record and record.corrections.count() == 1


def test_patient_identifiers_are_encrypted_at_rest_and_masked(seed, people):
    record = records.data_change_request(
        actor=people["engineer"],
        contract=seed("drg-wuhan"),
        kind="recovery",
        reason="误删检查记录",
        patient_ids=["ZY20260301001"],
        after="从 03-01 备份恢复 3 条记录",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT patient_ids_encrypted, patient_ids_masked FROM servicedesk_datachange WHERE id = %s",
            [record.pk],
        )
        encrypted, masked = cursor.fetchone()
    assert "ZY20260301001" not in encrypted and encrypted.startswith("gAAAA")
    assert masked == "ZY*********01"
    assert DataChange.objects.get(pk=record.pk).get_patient_ids() == ["ZY20260301001"]


def test_data_change_validation(seed, people):
    with pytest.raises(ValidationError) as info:
        records.data_change_request(
            actor=people["engineer"],
            contract=seed("drg-wuhan"),
            kind="adjustment",
            reason="",
            before="",
            after="",
        )
    assert {"reason", "after"} <= set(info.value.message_dict)


def test_editing_an_approved_request_needs_approval_again(seed, people):
    record = records.data_change_request(
        actor=people["engineer"],
        contract=seed("drg-wuhan"),
        kind="recovery",
        reason="恢复",
        after="从备份恢复",
    )
    records.data_change_approve(actor=people["admin"], record=record)
    records.data_change_edit(actor=people["engineer"], record=record, after="从 03-02 备份恢复")
    assert record.state == "requested" and record.approved_by is None


def test_change_request_lifecycle(seed, people):
    contract = seed("his-3y")
    cr = records.change_request_create(
        actor=people["admin"],
        contract=contract,
        title="门诊病历增加过敏史字段",
        requirement="门诊病历首页增加过敏史必填项",
        in_scope=False,
    )
    with pytest.raises(ValidationError):
        records.change_request_advance(
            actor=people["engineer"], cr=cr, action="assess", assessment="需改3张表"
        )
    records.change_request_advance(
        actor=people["engineer"],
        cr=cr,
        action="assess",
        assessment="需改3张表",
        estimate_days=Decimal("4.5"),
        quote=Decimal("6000"),
    )
    with pytest.raises(PermissionDenied):
        records.change_request_advance(actor=people["engineer"], cr=cr, action="approve")
    records.change_request_advance(actor=people["admin"], cr=cr, action="approve")
    records.change_request_advance(actor=people["engineer"], cr=cr, action="develop")
    records.change_request_advance(actor=people["engineer"], cr=cr, action="test")
    with pytest.raises(ValidationError):
        records.change_request_advance(actor=people["engineer"], cr=cr, action="deploy")
    records.change_request_advance(
        actor=people["engineer"], cr=cr, action="deploy", deployed_on=date(2026, 4, 1)
    )
    cr = ChangeRequest.objects.get(pk=cr.pk)
    assert cr.state == "deployed" and cr.deployed_on == date(2026, 4, 1) and not cr.in_scope
    assert [h["state"] for h in cr.history] == [
        "submitted",
        "assessed",
        "approved",
        "development",
        "testing",
        "deployed",
    ]


def test_the_record_pages_are_paged_not_cut(client_for, seed, people):
    """Past the first page, the data change and change request lists link to the next one."""
    import re

    from django.urls import reverse

    contract = seed("drg-wuhan")
    for i in range(53):
        records.data_change_request(
            actor=people["admin"], contract=contract, kind="recovery", reason=f"恢复 {i}", after="从备份恢复"
        )
        records.change_request_create(
            actor=people["admin"], contract=contract, title=f"需求 {i}", requirement="x"
        )
    client = client_for(people["admin"])
    for name, pattern in (
        ("servicedesk:data_change_list", r"/data-changes/(\d+)/"),
        ("servicedesk:change_request_list", r"/change-requests/(\d+)/"),
    ):
        first = client.get(reverse(name)).content.decode()
        link = re.search(r'href="(\?cursor=[^"]+)" id="next-page"', first).group(1)
        second = client.get(reverse(name) + link.replace("&amp;", "&")).content.decode()
        assert 'id="next-page"' not in second
        seen = re.findall(pattern, first) + re.findall(pattern, second)
        assert len(seen) == len(set(seen)) == 53, name
    assert client.get(reverse("servicedesk:data_change_list") + "?cursor=garbage").status_code == 400


@pytest.mark.parametrize("sort", ["recent", "risk"])
def test_the_ticket_list_pages_through_every_ticket_once(client_for, seed, people, sort):
    """The ticket list reads its pages in the one cursor pagination, in either order, keeping the
    filter on the next page's link; an edited link is a 400 page, not a silent first page."""
    import re

    from django.urls import reverse

    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    term = contract.terms.order_by("number").first()
    for i in range(30):
        services.ticket_create(actor=people["admin"], contract=contract, term=term, title=f"故障 {i}")
    client = client_for(people["admin"])
    url = reverse("servicedesk:ticket_list") + f"?sort={sort}&q=%E6%95%85%E9%9A%9C"
    seen, pages = [], 0
    while url:
        page = client.get(url).content.decode()
        pages += 1
        seen += re.findall(r"故障 (\d+)", page)
        link = re.search(r'href="(\?[^"]+)" id="next-page"', page)
        url = reverse("servicedesk:ticket_list") + link.group(1).replace("&amp;", "&") if link else ""
        assert not link or "q=" in link.group(1)
    assert pages == 2 and sorted(seen, key=int) == [str(i) for i in range(30)]
    assert client.get(reverse("servicedesk:ticket_list") + "?cursor=garbage").status_code == 400
