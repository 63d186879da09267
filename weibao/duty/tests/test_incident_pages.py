"""Incident reports and emergency plans through HTTP: the API builds a report over two tickets,
fills it, the hospital signs it; the page shows the timeline and prints the DOCX, which downloads
and opens; bad input is a 4xx with a clear message."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from .conftest import at
from .test_incidents import two_tickets  # noqa: F401

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_report_through_the_api_and_the_page(client_for, contract, team, two_tickets):  # noqa: F811
    first, second = two_tickets
    engineer = client_for(team["engineers"][0])
    plan = engineer.post(
        "/api/v1/duty/emergency-plans",
        {
            "contract_id": contract.pk,
            "code": "YJ-DRG",
            "title": "DRG 服务中断应急预案",
            "content": "切换备用服务器",
            "responsible_id": team["engineers"][0].pk,
            "escalation": [
                {"level": 1, "role": "值班人员"},
                {"level": 2, "role": "负责人", "phone": "13800000000"},
            ],
        },
        content_type="application/json",
    )
    assert plan.status_code == 201, plan.content
    drill = engineer.post(
        f"/api/v1/duty/emergency-plans/{plan.json()['id']}/drills",
        {"date": "2026-09-20", "scenario": "存储故障切换", "participants": "张伟、李娜"},
        content_type="application/json",
    )
    assert drill.status_code == 201
    made = engineer.post(
        "/api/v1/duty/incidents",
        {
            "contract_id": contract.pk,
            "title": "国庆 DRG 服务中断",
            "ticket_ids": [first.pk, second.pk],
            "emergency_plan_id": plan.json()["id"],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    report = made.json()
    assert report["ticket_ids"] == sorted([first.pk, second.pk])
    timeline = {m["milestone"]: m["at"] for m in report["timeline"]}
    assert timeline["detected"].startswith("2026-10-02T19:00:00") and timeline["restored"].startswith(
        "2026-10-02T21:40:00"
    )
    patched = engineer.patch(
        f"/api/v1/duty/incidents/{report['id']}",
        {
            "root_cause": "存储控制器故障",
            "actions": [{"action": "增加冗余", "owner": "张伟", "due": "2026-10-10"}],
        },
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["actions"][0]["owner"] == "张伟"
    refused = engineer.post(f"/api/v1/duty/incidents/{report['id']}/sign")
    assert refused.status_code == 403

    admin = client_for(team["admin"])
    page = admin.get(reverse("duty:incident_detail", args=[report["id"]])).content.decode()
    assert 'data-milestone="detected">2026-10-03 03:00' in page
    assert 'data-milestone="onsite">2026-10-03 04:10' in page
    assert 'data-milestone="restored">2026-10-03 05:40' in page
    assert "2 小时 40 分" in page and "签字确认" in page
    admin.post(reverse("duty:incident_sign", args=[report["id"]]))
    assert admin.get(f"/api/v1/duty/incidents/{report['id']}").json()["state"] == "signed"
    printed = admin.post(reverse("duty:incident_print", args=[report["id"]]))
    assert printed.status_code == 302
    download = admin.get(printed["Location"])
    assert download.status_code == 200
    doc = Document(io.BytesIO(_body(download)))
    assert any("国庆 DRG 服务中断" in p.text for p in doc.paragraphs)
    assert ["恢复", "2026-10-03 05:40"] in [[c.text for c in r.cells] for r in doc.tables[0].rows]
    api_print = admin.post(f"/api/v1/duty/incidents/{report['id']}/print")
    assert api_print.status_code == 201 and len(api_print.json()["sha256"]) == 64
    plan_page = admin.get(reverse("duty:emergency_plan_detail", args=[plan.json()["id"]])).content.decode()
    assert "存储故障切换" in plan_page and "13800000000" in plan_page
    assert "国庆 DRG 服务中断" in admin.get(reverse("duty:emergency_home")).content.decode()
    assert "YJ-DRG" in admin.get(reverse("duty:emergency_home") + "?list=plans").content.decode()


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"title": "x", "ticket_ids": []}, 422, None),
        ({"title": "", "ticket_ids": ["{t}"]}, 422, None),
        ({"title": "x", "ticket_ids": [999999]}, 400, "不存在或您无权查看"),
    ],
)
def test_incident_bad_input(client_for, contract, team, body, status, words):
    from weibao.servicedesk import services as sd_services

    ticket = sd_services.ticket_create(
        actor=None,
        contract=contract,
        term=contract.terms.get(number=10),
        title="故障",
        created_at=at("2026-10-03 03:00"),
    )
    body = {
        **body,
        "contract_id": contract.pk,
        "ticket_ids": [ticket.pk if t == "{t}" else t for t in body["ticket_ids"]],
    }
    response = client_for(team["engineers"][0]).post(
        "/api/v1/duty/incidents", body, content_type="application/json"
    )
    assert response.status_code == status, response.content
    if words:
        assert words in str(response.json()["detail"])
