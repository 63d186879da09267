"""Emergency plans (versions), drills, and the incident report: built from two linked tickets, its
timeline carries the tickets' own timestamps, and it prints as a DOCX read back with python-docx."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document

from weibao.duty import incidents, timeline
from weibao.servicedesk import services as sd_services

from .conftest import at

pytestmark = pytest.mark.django_db


def _ticket(contract, title, created, **kw):
    return sd_services.ticket_create(
        actor=None,
        contract=contract,
        term=contract.terms.get(number=10),
        title=title,
        created_at=created,
        **kw,
    )


def _move(ticket, engineer, action, when, **kw):
    return sd_services.ticket_transition(actor=engineer, ticket=ticket, action=action, at=when, **kw)


@pytest.fixture
def two_tickets(contract, team):
    engineer = team["engineers"][0]
    first = _ticket(contract, "DRG 分组服务中断", at("2026-10-03 03:00"))
    second = _ticket(contract, "病案首页无法上传", at("2026-10-03 03:20"))
    _move(first, engineer, "respond", at("2026-10-03 03:05"))
    _move(first, engineer, "require_onsite", at("2026-10-03 03:30"))
    _move(first, engineer, "arrive", at("2026-10-03 04:10"))
    _move(second, engineer, "respond", at("2026-10-03 03:25"))
    _move(second, engineer, "resolve", at("2026-10-03 05:00"), solution="重启上传服务", root_cause="服务中断")
    _move(
        first, engineer, "resolve", at("2026-10-03 05:40"), solution="更换存储控制器", root_cause="控制器故障"
    )
    return first, second


def test_the_report_of_two_tickets_has_their_timeline_and_prints_as_docx(contract, team, two_tickets):
    first, second = two_tickets
    engineer, admin = team["engineers"][0], team["admin"]
    plan = incidents.emergency_plan_save(
        actor=engineer,
        contract=contract,
        code="YJ-DRG",
        title="DRG 服务中断应急预案",
        content="切换备用服务器",
        responsible=engineer,
    )
    report = incidents.incident_create(
        actor=engineer, contract=contract, title="国庆 DRG 服务中断", tickets=[first, second], plan=plan
    )
    tl = incidents.incident_timeline(report)
    assert tl.milestones == {
        "detected": at("2026-10-03 03:00"),
        "responded": at("2026-10-03 03:05"),
        "escalated": at("2026-10-03 03:30"),
        "onsite": at("2026-10-03 04:10"),
        "restored": at("2026-10-03 05:40"),  # the last of the two resolved
    }
    assert tl.duration == timedelta(hours=2, minutes=40)
    assert [(e.milestone, e.number) for e in tl.entries][:3] == [
        ("detected", first.number),
        ("responded", first.number),
        ("detected", second.number),
    ]

    incidents.incident_update(
        actor=engineer,
        report=report,
        impact_systems="DRG",
        impact_departments="病案科",
        root_cause="存储控制器故障",
        data_loss="无",
        actions=[("更换存储控制器并增加冗余", "张伟", date(2026, 10, 10))],
    )
    with pytest.raises(PermissionDenied):
        incidents.incident_sign(actor=engineer, report=report)
    incidents.incident_sign(actor=admin, report=report)
    with pytest.raises(ValidationError):
        incidents.incident_update(actor=engineer, report=report, root_cause="改")

    document = incidents.incident_print(actor=admin, report=report)
    doc = Document(io.BytesIO(document.file.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "事件：国庆 DRG 服务中断" in text and "根本原因：存储控制器故障" in text
    assert "持续时间：2 小时 40 分" in text and "YJ-DRG v1" in text
    milestones, entries, actions = ([[c.text for c in r.cells] for r in t.rows] for t in doc.tables)
    assert milestones[1:] == [
        ["发现", "2026-10-03 03:00"],
        ["响应", "2026-10-03 03:05"],
        ["升级到场", "2026-10-03 03:30"],
        ["到场", "2026-10-03 04:10"],
        ["恢复", "2026-10-03 05:40"],
    ]
    assert ["2026-10-03 03:20", "发现", f"{second.number} 病案首页无法上传"] in entries
    assert ["2026-10-03 05:00", "恢复", f"{second.number} 病案首页无法上传"] in entries
    assert actions[1] == ["更换存储控制器并增加冗余", "张伟", "2026-10-10", "未完成"]
    assert document.sha256 and document.kind == incidents.KIND


def test_an_open_ticket_means_not_restored_and_no_sign_off(contract, team):
    engineer = team["engineers"][0]
    open_one = _ticket(contract, "仍在处理", at("2026-10-03 03:00"))
    report = incidents.incident_create(actor=engineer, contract=contract, title="未恢复", tickets=[open_one])
    assert incidents.incident_timeline(report).milestones["restored"] is None
    incidents.incident_update(actor=engineer, report=report, root_cause="未知")
    with pytest.raises(ValidationError) as exc:
        incidents.incident_sign(actor=team["admin"], report=report)
    assert "未恢复" in str(exc.value)


def test_plans_are_versioned_and_drills_recorded(contract, team):
    engineer = team["engineers"][0]
    v1 = incidents.emergency_plan_save(
        actor=engineer, contract=contract, code="YJ-1", title="预案", content="一", responsible=engineer
    )
    v2 = incidents.emergency_plan_save(
        actor=engineer, contract=contract, code="YJ-1", title="预案", content="二", responsible=engineer
    )
    assert (v1.version, v2.version) == (1, 2)
    drill = incidents.drill_record(
        actor=engineer,
        plan=v2,
        day=date(2026, 9, 20),
        scenario="存储故障切换",
        participants="张伟、李娜",
        findings="切换耗时 12 分钟",
    )
    assert drill.plan == v2
    with pytest.raises(ValidationError):
        incidents.drill_record(actor=engineer, plan=v2, day=date(2099, 1, 1), scenario="x", participants="y")
    with pytest.raises(ValidationError):
        incidents.emergency_plan_save(
            actor=engineer, contract=contract, code="", title="x", content="y", responsible=engineer
        )


def test_a_ticket_of_another_contract_cannot_be_linked(contract, team, hospital):
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template

    other = contract_create_from_template(
        actor=None,
        template=get_template("pacs-huizhou"),
        hospital=hospital,
        vendor=contract.vendor,
        start=date(2026, 1, 1),
        code="T-P",
        amount=Decimal("1000"),
    )
    stray = sd_services.ticket_create(actor=None, contract=other, term=other.terms.first(), title="别的合同")
    with pytest.raises(ValidationError):
        incidents.incident_create(actor=team["engineers"][0], contract=contract, title="x", tickets=[stray])


@pytest.mark.parametrize(("minutes", "text"), [(None, "—"), (5, "5 分"), (160, "2 小时 40 分")])
def test_durations_read_in_chinese(minutes, text):
    assert timeline.format_duration(None if minutes is None else timedelta(minutes=minutes)) == text
