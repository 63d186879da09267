"""The contract templates' deliverables turned into a calendar (pure, from the stored obligations)."""

from __future__ import annotations

from datetime import date

from weibao.contracts.template_loader import get_template
from weibao.reports.periods import parse_period
from weibao.reports.schedule import calendar, due_date, generator_for, specs, undated


def _obligations(code: str) -> dict:
    return get_template(code).model_dump(mode="json")["obligations"]


def test_drg_wuhan_quarterly_deliverables():
    found = specs(_obligations("drg-wuhan"))
    assert [s.generator for s in found] == [
        "inspection_report",
        None,  # the 评价报告 is the assessments'
        "meetings",
        "change_list",
        "training",
        "tuning",
    ]
    dues = calendar(found, date(2026, 1, 1), date(2026, 12, 31))
    assert len(dues) == 4 * 6
    assert {d.period.label for d in dues} == {"2026Q1", "2026Q2", "2026Q3", "2026Q4"}
    q3 = [d for d in dues if d.period.label == "2026Q3"]
    assert {d.due for d in q3} == {date(2026, 9, 30)}
    assert [d.spec.code for d in q3][:2] == ["inspection-report", "effect-evaluation-report"]


def test_pacs_huizhou_has_the_service_record_and_his_has_only_undated():
    huizhou = specs(_obligations("pacs-huizhou"))
    assert [s.generator for s in huizhou] == ["service_record", "inspection_report"]
    assert huizhou[0].signed_by == ("vendor", "hospital_it")
    his = specs(_obligations("his-3y"))
    assert calendar(his, date(2026, 1, 1), date(2028, 12, 31)) == []
    assert [s.code for s in undated(his)] == ["training-record", "maintenance-docs"]


def test_due_rules():
    q3 = parse_period("2026Q3")
    assert due_date(q3, "end_of_period", None) == date(2026, 9, 30)
    assert due_date(q3, "day_of_following_month", 10) == date(2026, 10, 10)
    assert due_date(q3, "days_after_period_end", 15) == date(2026, 10, 15)
    assert due_date(parse_period("2026Q4"), "day_of_following_month", 5) == date(2027, 1, 5)
    stored = specs(
        {
            "deliverables": [
                {
                    "code": "x",
                    "name": "月报",
                    "period": "month",
                    "due": {"rule": "day_of_following_month", "n": 10},
                }
            ]
        }
    )
    assert (stored[0].due_rule, stored[0].due_n) == ("day_of_following_month", 10)
    short = specs(
        {
            "deliverables": [
                {"code": "x", "name": "月报", "period": "month", "due": {"days_after_period_end": 7}}
            ]
        }
    )
    assert (short[0].due_rule, short[0].due_n) == ("days_after_period_end", 7)


def test_generator_words():
    assert generator_for("quarterly-service-record", "季度维保服务记录单") == "service_record"
    assert generator_for("x", "季度维保巡检报告") == "inspection_report"
    assert generator_for("effect-evaluation-report", "系统应用效果评价报告") is None
    assert specs(None) == [] and specs({}) == []
