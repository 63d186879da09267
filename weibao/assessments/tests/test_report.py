"""The 维保服务评价报告 DOCX: rendered through the documents renderer, archived, read back."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document

from weibao.accounts.choices import Role
from weibao.assessments import services
from weibao.assessments.report import KIND, evaluation_report_produce
from weibao.documents.models import GeneratedDocument
from weibao.testing.factories import member

from .test_scenarios import seed_003_quarter, sign_with

pytestmark = pytest.mark.django_db


def test_the_report_holds_the_grades_counts_and_deduction_lines(make_contract, client_for):
    contract, admin, late, _exactly, fault, _others = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    a = sign_with(a, admin, passes=19)
    doc = evaluation_report_produce(actor=admin, assessment=a)
    assert doc.kind == KIND and doc.period == "2026Q3" and len(doc.sha256) == 64
    docx = Document(io.BytesIO(doc.file.read()))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert contract.hospital.name in text and "2026Q3" in text
    assert "监理工程师：____________" in text and "单位代表：____________" in text
    main, lines = docx.tables
    cells = [[c.text for c in row.cells] for row in main.rows]
    flat = "\n".join(" | ".join(r) for r in cells)
    assert "服务水平评价（使用科室评价）" in flat and "服务质量评价（信息中心评价）" in flat
    assert flat.count("□优秀 ■良好 □合格 □不合格") == 2
    assert "合格 19 张，合格率 95.00%" in flat
    assert "大于1h次数 2 次" in flat and "故障次数 1 次（严重错误（Serious） 1 次）" in flat
    assert ["评价结果", "良好"] in cells
    rows = [[c.text for c in row.cells] for row in lines.rows]
    assert rows[0] == ["扣款规则", "依据", "证据工单", "金额（元）"]
    assert [r[2:] for r in rows[1:-1]] == [
        [f"#{late[0].pk}", "440.00"],
        [f"#{late[1].pk}", "440.00"],
        [f"#{fault.pk}", "1320.00"],
    ]
    assert rows[-1][0] == "扣款合计" and rows[-1][3] == "2200.00"
    # The page's button prints it, archives it and hands it over; a department user may not.
    response = client_for(admin).post(f"/assessments/{a.pk}/report/")
    assert response.status_code == 302
    assert GeneratedDocument.objects.filter(kind=KIND).count() == 2
    download = client_for(admin).get(response["Location"])
    assert download.status_code == 200
    doctor = member(contract.hospital, Role.DEPARTMENT_USER)
    assert client_for(doctor).post(f"/assessments/{a.pk}/report/").status_code == 403
    assert Decimal(a.deduction_total) == Decimal("2200.00")
