"""The pure rules as tables: periods, grading, sampling, deductions, payment gates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from weibao.assessments import deductions as dd
from weibao.assessments import grading, payments, sampling
from weibao.assessments.periods import (
    PeriodError,
    calendar_code,
    contract_periods,
    contract_sequence,
    parse_period,
)

BJ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "code, start, end, label",
    [
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1), "2026年第3季度"),
        ("2026q1", date(2026, 1, 1), date(2026, 4, 1), "2026年第1季度"),
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1), "2026年第4季度"),
        ("2026H2", date(2026, 7, 1), date(2027, 1, 1), "2026年下半年"),
        ("2026H1", date(2026, 1, 1), date(2026, 7, 1), "2026年上半年"),
        ("2026M07", date(2026, 7, 1), date(2026, 8, 1), "2026年7月"),
        ("2026M12", date(2026, 12, 1), date(2027, 1, 1), "2026年12月"),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "2026年度"),
    ],
)
def test_period_codes(code, start, end, label):
    p = parse_period(code)
    assert (p.start, p.end, p.label()) == (start, end, label)


@pytest.mark.parametrize("bad", ["", "2026Q5", "2026H3", "2026M13", "2026M7", "26Q1", "2026-Q1", "Q3"])
def test_bad_period_codes(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_period_is_half_open_in_beijing_time():
    q3 = parse_period("2026Q3")
    assert q3.contains(datetime(2026, 7, 1, 0, 0, tzinfo=BJ))
    assert q3.contains(datetime(2026, 9, 30, 23, 59, 59, tzinfo=BJ))
    assert not q3.contains(datetime(2026, 10, 1, 0, 0, tzinfo=BJ))
    # 2026-06-30 16:30 UTC is 00:30 on 1 July in Beijing.
    assert q3.contains(datetime(2026, 6, 30, 16, 30, tzinfo=ZoneInfo("UTC")))


@pytest.mark.parametrize(
    "start, last, months, code, sequence",
    [
        (date(2026, 1, 1), date(2026, 12, 31), 3, "2026Q3", 3),
        (date(2026, 1, 1), date(2026, 12, 31), 6, "2026H2", 2),
        (date(2026, 1, 1), date(2028, 12, 31), 6, "2027H1", 3),
        (date(2026, 3, 15), date(2027, 3, 14), 3, "2026Q2", 1),  # 04-01 lies in 03-15 … 06-15
        (date(2026, 1, 1), date(2026, 12, 31), 3, "2027Q1", None),
    ],
)
def test_contract_sequence(start, last, months, code, sequence):
    assert contract_sequence(parse_period(code), start, last, months) == sequence


def test_contract_periods_cut_at_the_end():
    periods = contract_periods(date(2026, 1, 1), date(2026, 8, 15), 6)
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 1, 1), date(2026, 7, 1)),
        (date(2026, 7, 1), date(2026, 8, 16)),
    ]
    assert calendar_code(date(2026, 7, 1), date(2026, 10, 1)) == "2026Q3"
    assert calendar_code(date(2026, 7, 2), date(2026, 10, 1)) is None


SEED_003 = grading.Rules.from_data(
    {
        "grades": [
            {"code": "excellent", "label": "优秀", "min_percent": 100},
            {"code": "good", "label": "良好", "min_percent": 90},
            {"code": "pass", "label": "合格", "min_percent": 80},
            {"code": "fail", "label": "不合格", "min_percent": 0},
        ],
        "passing": ["excellent", "good", "pass"],
        "adverse_event_grade": "fail",
    }
)


@pytest.mark.parametrize(
    "passed, marked, adverse, grade",
    [
        (20, 20, False, "优秀"),
        (19, 20, False, "良好"),
        (18, 20, False, "良好"),  # exactly 90 %
        (17, 18, False, "良好"),  # 94.4 %
        (17, 20, False, "合格"),
        (16, 20, False, "合格"),  # exactly 80 %
        (15, 20, False, "不合格"),
        (0, 20, False, "不合格"),
        (20, 20, True, "不合格"),  # an adverse event decides, whatever the rate
        (0, 0, True, "不合格"),
    ],
)
def test_grade_from_sampled_rate(passed, marked, adverse, grade):
    r = grading.evaluate(SEED_003, code="x", passed=passed, marked=marked, adverse_event=adverse)
    assert r.grade is not None and r.grade.label == grade


def test_no_marks_no_grade_and_the_result_is_the_lower_of_two():
    assert grading.evaluate(SEED_003, code="x", passed=0, marked=0, adverse_event=False).grade is None
    good, passing = SEED_003.by_code("good"), SEED_003.by_code("pass")
    assert grading.lowest(SEED_003, [good, passing]) == passing
    assert grading.lowest(SEED_003, [good, None]) is None
    assert SEED_003.passes("pass") and not SEED_003.passes("fail")
    assert grading.pass_percent(19, 20) == Decimal(95)
    with pytest.raises(grading.GradingError):
        grading.pass_percent(3, 2)


@pytest.mark.parametrize(
    "population, size, percent, expected",
    [
        (41, None, Decimal(5), 3),  # 2.05 rounded up
        (40, None, Decimal(5), 2),
        (10, 20, None, 10),  # never more than there are
        (30, 20, None, 20),
        (7, None, Decimal(100), 7),
    ],
)
def test_sample_size(population, size, percent, expected):
    assert sampling.sample_size(population, size=size, percent=percent) == expected


@pytest.mark.parametrize(
    "size, percent", [(None, None), (0, None), (5, Decimal(5)), (None, Decimal(0)), (None, Decimal(101))]
)
def test_sample_size_refused(size, percent):
    with pytest.raises(sampling.SamplingError):
        sampling.sample_size(10, size=size, percent=percent)


def test_the_draw_is_reproducible_from_its_seed_whatever_the_order():
    ids = list(range(100, 160))
    first = sampling.draw(ids, seed=42, size=20)
    assert first == sampling.draw(list(reversed(ids)), seed=42, size=20)
    assert len(set(first)) == 20 and set(first) <= set(ids)
    assert first != sampling.draw(ids, seed=43, size=20)


LATE = {
    "code": "late-response",
    "name": "服务响应效率",
    "kind": "late_response",
    "percent": 1,
    "threshold": "1h",
}
FAULT = {
    "code": "vendor-fault",
    "name": "故障",
    "kind": "vendor_fault",
    "by_severity": {"fatal": 5, "serious": 3, "minor": 1},
}


def test_seed_003_lines():
    lines = dd.late_response_lines(LATE, [7, 3], Decimal("44000"))
    assert [(line.tickets, line.amount) for line in lines] == [
        ((3,), Decimal("440.00")),
        ((7,), Decimal("440.00")),
    ]
    faults = dd.vendor_fault_lines(
        FAULT,
        [
            dd.Fault(9, "serious", "DRG", Decimal("44000")),
            dd.Fault(10, "fatal", "DRG", Decimal("12345.67")),
            dd.Fault(11, None, "DRG", Decimal("44000")),
        ],
    )
    assert [line.amount for line in faults] == [Decimal("1320.00"), Decimal("617.28"), Decimal("0.00")]
    assert "不在扣款规则中" in faults[2].basis
    assert dd.total([*lines, *faults]) == Decimal("2817.28")
    assert dd.total([*lines, *faults], waived=[lines[0].key]) == Decimal("2377.28")


@pytest.mark.parametrize(
    "value, rounded",
    [
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.004"), Decimal("0.00")),
        (Decimal("1234.565"), Decimal("1234.57")),
    ],
)
def test_rounding_to_the_fen_half_up(value, rounded):
    assert dd.yuan(value) == rounded


def test_failed_period_fee_and_cap():
    rule = {"code": "failed", "kind": "failed_period", "percent": 100, "terminates_contract": True}
    line = dd.failed_period_line(rule, Decimal("2940000"), 6, 36)
    assert line.amount == Decimal("490000.00") and line.detail["terminates"]
    stated = dd.failed_period_line({**rule, "period_fee": "500000"}, Decimal("2940000"), 6, 36)
    assert stated.amount == Decimal("500000.00")
    capped = {**LATE, "cap_percent": 2}
    lines = dd.apply_cap(
        capped, dd.late_response_lines(capped, [1, 2, 3], Decimal("44000")), Decimal("44000")
    )
    assert [line.amount for line in lines] == [Decimal("440.00"), Decimal("440.00"), Decimal("0.00")]
    later = dd.apply_cap(
        capped,
        dd.late_response_lines(capped, [4], Decimal("44000")),
        Decimal("44000"),
        already=Decimal("700"),
    )
    assert later[0].amount == Decimal("180.00") and "封顶" in later[0].basis


def _weekdays(day: date) -> bool:
    return day.weekday() < 5


def test_workdays_after_skips_weekends_and_the_day_itself():
    assert payments.workdays_after(date(2026, 12, 4), 7, _weekdays) == date(2026, 12, 15)  # Fri + 7
    assert payments.workdays_after(date(2026, 12, 5), 1, _weekdays) == date(2026, 12, 7)  # Sat → Mon


def _state(ms, **kw):
    defaults = dict(
        outcomes={},
        marks=payments.Marks(),
        contract_start=date(2026, 1, 1),
        contract_last_day=date(2026, 12, 31),
        today=date(2026, 12, 4),
        paid_before=Decimal(0),
        deductions=Decimal(0),
        is_workday=_weekdays,
    )
    defaults.update(kw)
    return payments.milestone_state(ms, **defaults)


def test_a_failed_gate_says_why_and_what_clears_it():
    ms = {"code": "h1", "name": "半年", "amount": "100", "trigger": "after_assessment_passed", "periods": [1]}
    waiting = _state(ms)
    assert waiting.status == "waiting" and waiting.gates[0].why == "考核尚未签署"
    failed = payments.Outcome(1, True, False, date(2026, 7, 10), on_failure="rectify_then_reassess")
    st = _state(ms, outcomes={1: failed})
    assert st.status == "waiting" and "整改合格后重新考核" in st.gates[0].clears
    passed = payments.Outcome(1, True, True, date(2026, 7, 10))
    st = _state({**ms, "pay_within_months": 3}, outcomes={1: passed}, deductions=Decimal("30"))
    assert (st.status, st.payable, st.deductions, st.due_by) == (
        "payable",
        Decimal("70.00"),
        Decimal("30.00"),
        date(2026, 10, 10),
    )


def test_every_word_of_the_gates_goes_through_the_callers_translation():
    """Each gate's label, reason and remedy is translated (the contract's own condition text is
    quoted as it is); without a translation they read as written."""
    ms = {
        "code": "end",
        "name": "尾款",
        "amount": "100",
        "trigger": "at_end_after_audit",
        "periods": [1, 2],
        "condition": "具备实施条件",
        "requires_all_deliverables": True,
        "requires_invoice": True,
    }
    outcomes = {
        2: payments.Outcome(
            sequence=2,
            signed=True,
            passed=False,
            signed_on=date(2026, 7, 1),
            on_failure="rectify_then_reassess",
        )
    }
    state = _state(ms, outcomes=outcomes, gettext=lambda m: "«" + m + "»")
    words = [w for g in state.gates for w in (g.label, g.why, g.clears) if w and w != "具备实施条件"]
    assert len(words) >= 15
    assert all(w.startswith("«") for w in words), words
    assert "«第2期考核签署且合格»" in words  # translated, then formatted
    plain = _state(ms, outcomes=outcomes)
    assert plain.gates[-1].why == "尚未登记发票号"
