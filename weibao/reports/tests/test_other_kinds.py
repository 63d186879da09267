"""The 需求变更改造清单 from the service desk's change requests, and a records-based kind filled by
a registered source (as the training app will do); the default templates render their samples."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from docx import Document

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.documents.kinds import get_kind
from weibao.documents.render import docx_text, render_docx
from weibao.reports import builders
from weibao.reports.kinds import LABELS, kind_code
from weibao.reports.periods import BEIJING
from weibao.reports.services import deliverable_produce
from weibao.servicedesk.models import ChangeRequest
from weibao.servicedesk.records import change_request_create
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def drg(hospital, vendor):
    contract = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("44000"),
        code="DRG-WH",
    )
    return contract, member(hospital, Role.HOSPITAL_ADMIN), member(vendor, Role.VENDOR_MANAGER)


def _text(doc) -> str:
    with doc.file.open("rb") as f:
        return docx_text(f.read())


def test_change_list_holds_the_periods_requests_without_a_quote(drg):
    contract, admin, manager = drg
    inside = change_request_create(
        actor=admin, contract=contract, title="病案首页增加字段", requirement="新增两项"
    )
    outside = change_request_create(
        actor=admin, contract=contract, title="上季度的需求", requirement="x", in_scope=False
    )
    ChangeRequest.objects.filter(pk=inside.pk).update(
        requested_at=datetime(2026, 2, 10, 9, tzinfo=BEIJING), quote=Decimal("8800")
    )
    ChangeRequest.objects.filter(pk=outside.pk).update(
        requested_at=datetime(2025, 12, 31, 23, tzinfo=BEIJING)
    )
    [doc] = deliverable_produce(actor=manager, contract=contract, code="change-list", period="2026Q1")
    text = _text(doc)
    assert "病案首页增加字段" in text and "合同范围内" in text and "上季度的需求" not in text
    assert "本期需求变更共 1 项。" in text and "8800" not in text
    # drg-wuhan's deliverables are signed by the four parties of 附件1 only where it says so
    assert "服务商（乙方）签字" in text


def test_records_based_kind_takes_rows_from_a_registered_source(drg, monkeypatch):
    contract, _admin, manager = drg
    monkeypatch.setattr(builders, "_record_sources", {})
    [empty] = deliverable_produce(actor=manager, contract=contract, code="training-records", period="2026Q2")
    assert "本期无记录。" in _text(empty)
    seen = []

    def source(c, period):
        seen.append((c.pk, period.label))
        return [
            {
                "date": "2026-05-06",
                "content": "DRG 分组规则培训",
                "trainees": "病案科",
                "count": 12,
                "trainer": "张工",
            }
        ]

    builders.register_record_source("training", source)
    [doc] = deliverable_produce(actor=manager, contract=contract, code="training-records", period="2026Q2")
    table = Document(io.BytesIO(doc.file.open("rb").read())).tables[0]
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "2026-05-06",
        "DRG 分组规则培训",
        "病案科",
        "12",
        "张工",
    ]
    assert seen == [(contract.pk, "2026Q2")]


def test_the_evaluation_report_is_not_printed_here(drg):
    contract, _admin, manager = drg
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不在此生成"):
        deliverable_produce(
            actor=manager, contract=contract, code="effect-evaluation-report", period="2026Q1"
        )


@pytest.mark.parametrize("generator", list(LABELS))
def test_default_templates_render_their_samples(generator):
    kind = get_kind(kind_code(generator))
    text = docx_text(render_docx(kind.default_bytes(), kind.sample_context()))
    assert str(LABELS[generator]) in text and "示例医院" in text and "{{" not in text
