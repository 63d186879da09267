"""``weibao deliverables build`` writes the period's 维保服务评价报告 when the contract's
deliverables include it (seed 003), printed from the period's assessment."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from weibao.accounts.choices import Role
from weibao.assessments.models import Assessment
from weibao.assessments.report import KIND
from weibao.assessments.tests.conftest import Desk
from weibao.assessments.tests.test_scenarios import seed_003_quarter, sign_with
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.documents.models import GeneratedDocument
from weibao.reports.models import Deliverable
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_contract(hospital, vendor):
    admin = member(hospital, Role.HOSPITAL_ADMIN)

    def make(code: str, *, start: date = date(2026, 1, 1), amount: Decimal | None = None):
        contract = contract_create_from_template(
            actor=admin,
            template=get_template(code),
            hospital=hospital,
            vendor=vendor,
            start=start,
            amount=amount,
        )
        return contract, Desk(contract, admin), admin

    return make


def build(contract, period: str, out: Path) -> dict[str, Path]:
    stdout = io.StringIO()
    call_command(
        "deliverables",
        "build",
        "--contract",
        contract.code,
        "--period",
        period,
        "--out",
        str(out),
        stdout=stdout,
    )
    written = {}
    for line in stdout.getvalue().strip().splitlines():
        sha, path = line.split("  ", 1)
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
        written[Path(path).name] = Path(path)
    return written


def report_text(path: Path) -> tuple[str, list[list[list[str]]]]:
    doc = Document(str(path))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return "\n".join(p.text for p in doc.paragraphs), tables


def test_build_writes_the_evaluation_report_of_the_period(make_contract, tmp_path):
    contract, admin, late, _exactly, fault, _others = seed_003_quarter(make_contract)
    written = build(contract, "2026Q3", tmp_path / "open")
    reports = [name for name in written if name.endswith("评价报告.docx")]
    assert reports == [f"{contract.code}-2026Q3-评价报告.docx"]
    assert any("巡检报告" in name for name in written)  # the others are still written
    # Not opened before: the build opened the assessment (facts and deductions computed).
    a = Assessment.objects.get(contract=contract, period="2026Q3")
    assert a.state == "draft" and a.deduction_total == Decimal("2200.00")
    paragraphs, (main, lines) = report_text(written[reports[0]])
    assert contract.hospital.name in paragraphs and "监理工程师：____________" in paragraphs
    assert ["评价结果", "未定"] in main
    assert [r[2:] for r in lines[1:-1]] == [
        [f"#{late[0].pk}", "440.00"],
        [f"#{late[1].pk}", "440.00"],
        [f"#{fault.pk}", "1320.00"],
    ]
    assert lines[-1][3] == "2200.00"
    row = Deliverable.objects.get(contract=contract, code="effect-evaluation-report", period="2026Q3")
    assert row.state == "produced" and row.produced_by is None
    assert GeneratedDocument.objects.filter(kind=KIND, contract=contract, period="2026Q3").count() == 1
    # Sampled and signed: the report shows the grade as signed.
    sign_with(a, admin, passes=19)
    written = build(contract, "2026Q3", tmp_path / "signed")
    _paragraphs, (main, _lines) = report_text(written[f"{contract.code}-2026Q3-评价报告.docx"])
    assert ["评价结果", "良好"] in main
    assert sum("■良好" in cell for r in main for cell in r) == 2


def test_a_contract_without_it_writes_no_evaluation_report(hospital, vendor, tmp_path):
    contract = contract_create_from_template(
        actor=None,
        template=get_template("pacs-huizhou"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
    )
    written = build(contract, "2026Q3", tmp_path)
    assert written and not any("评价报告" in name for name in written)
    assert not Assessment.objects.filter(contract=contract).exists()


def test_a_period_outside_the_contract_writes_nothing(make_contract, tmp_path):
    contract, *_rest = make_contract("drg-wuhan", amount=Decimal("44000"))
    stdout = io.StringIO()
    call_command(
        "deliverables",
        "build",
        "--contract",
        contract.code,
        "--period",
        "2028Q1",
        "--out",
        str(tmp_path),
        stdout=stdout,
    )
    assert "has no deliverable printed here" in stdout.getvalue()
    assert not list(tmp_path.iterdir()) and not Assessment.objects.filter(contract=contract).exists()


def test_a_quarter_that_is_not_an_assessment_period_is_refused(make_contract, tmp_path):
    """A contract starting mid-quarter assesses its own quarters (15 Feb – 14 May …): the
    calendar quarter 2026Q1 is none of them, and the build says so rather than print a report."""
    contract, *_rest = make_contract("drg-wuhan", start=date(2026, 2, 15), amount=Decimal("44000"))
    with pytest.raises(CommandError, match="考核期不在合同期内"):
        build(contract, "2026Q1", tmp_path)
