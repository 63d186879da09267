"""The records apps feed their deliverables: a training session with a trainee who signed in, a
tuning record and meeting minutes of the quarter appear in that quarter's documents (and those of
another quarter do not)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from docx import Document

from weibao.accounts.choices import Role
from weibao.records import meetings
from weibao.reports.periods import BEIJING
from weibao.reports.services import deliverable_produce
from weibao.testing.factories import member
from weibao.training import services as training

from .test_other_kinds import drg  # noqa: F401  (the drg-wuhan contract fixture)

pytestmark = pytest.mark.django_db


def _rows(doc):
    with doc.file.open("rb") as f:
        table = Document(io.BytesIO(f.read())).tables[0]
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_training_tuning_and_minutes_appear_in_their_quarter(drg, hospital):  # noqa: F811
    contract, admin, manager = drg
    nurse = member(hospital, Role.DEPARTMENT_USER, display_name="赵护士")
    for when, title in [
        (datetime(2026, 5, 6, 9, 30, tzinfo=BEIJING), "DRG 分组规则"),
        (datetime(2026, 7, 1, 9, 0, tzinfo=BEIJING), "下季度"),
    ]:
        session = training.session_create(
            actor=admin,
            contract=contract,
            kind="operation",
            title=title,
            trainer="张讲师",
            starts_at=when,
            remote=True,
            content="分组与编码",
        )
        training.trainee_sign_in(actor=nurse, session=session, token=session.token)
    meetings.tuning_record(
        actor=manager,
        contract=contract,
        done_on=date(2026, 6, 3),
        what="分组服务加索引",
        why="查询慢",
        measure="查询耗时",
        before="8 s",
        after="0.4 s",
    )
    meetings.minutes_record(
        actor=admin,
        contract=contract,
        held_on=date(2026, 4, 20),
        title="病案首页需求",
        attendees="信息科、病案科",
        topics="首页质控",
        actions=[meetings.Action("增加质控规则", "李工")],
    )
    [doc] = deliverable_produce(actor=manager, contract=contract, code="training-records", period="2026Q2")
    [row] = _rows(doc)
    assert row[:3] == ["1", "2026-05-06 09:30", "操作培训：DRG 分组规则"] and row[4:] == ["1", "张讲师"]
    [doc] = deliverable_produce(actor=manager, contract=contract, code="tuning-records", period="2026Q2")
    [row] = _rows(doc)
    assert row[1] == "2026-06-03" and "分组服务加索引" in row[3] and row[4] == "查询耗时：8 s → 0.4 s"
    [doc] = deliverable_produce(actor=manager, contract=contract, code="meeting-minutes", period="2026Q2")
    [row] = _rows(doc)
    assert row[1] == "2026-04-20" and "病案首页需求" in row[2] and "增加质控规则（李工）" in row[4]
