"""Loading contract templates: the five shipped ones load, validate and quote their seed's own
words; a malformed one is reported with file, line, key path and what is wrong, all problems at
once, in line order."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import ValidationError

from weibao.contracts.template_loader import (
    TEMPLATES_DIR,
    TemplateError,
    UnknownTemplateError,
    check_template,
    get_template,
    list_templates,
    load_template,
)
from weibao.contracts.template_schema import ContractTemplate

SEEDS_DIR = Path("/work/shared/seeds")
CODES = ["drg-wuhan", "his-3y", "pacs-guangxi", "pacs-huizhou", "regional-zhenhai"]
SEED_OF = {
    "pacs-huizhou": "000_4d2fa096992f1799.txt",
    "pacs-guangxi": "001_d4013287417e841b.txt",
    "his-3y": "002_dc7ada717a40b3f1.txt",
    "drg-wuhan": "003_25f10d5745aa0707.txt",
    "regional-zhenhai": "004_4de28ad17453f330.txt",
}


# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# every template loads
# --------------------------------------------------------------------------------------------


def test_list_templates_names_the_five_seeds():
    assert [code for code, _ in list_templates()] == CODES
    assert sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml")) == CODES


@pytest.mark.parametrize("code", CODES)
def test_template_loads_validates_and_dumps_clean_json(code):
    template = get_template(code)
    assert template.code == code
    assert template.source.seed == SEED_OF[code]
    assert check_template(TEMPLATES_DIR / f"{code}.yaml") == []
    dumped = template.model_dump(mode="json")
    text = json.dumps(dumped, ensure_ascii=False)  # plain JSON: no Decimal, enum or tuple left
    assert json.loads(text) == dumped
    assert ContractTemplate.model_validate(json.loads(text)) == template
    numbers = [t.number for t in template.service_terms]
    assert numbers == sorted(numbers) == list(range(1, len(numbers) + 1))


def test_get_template_unknown_code():
    with pytest.raises(UnknownTemplateError, match="pacs-huizhou"):
        get_template("pacs-nowhere")
    with pytest.raises(UnknownTemplateError):
        get_template("../templates/pacs-huizhou")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


_QUOTE_KEYS = {"content", "detail", "mode_text", "response_text", "text", "definition", "remedy", "scope"}


def _quotes(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if key in _QUOTE_KEYS and isinstance(value, str):
                yield here, value
            else:
                yield from _quotes(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _quotes(item, f"{path}[{i}]")


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="seed documents not available")
@pytest.mark.parametrize("code", CODES)
def test_quoted_text_is_the_seeds_wording(code):
    """Every quoted field (content, text, definition, ...) is the seed's own words: each
    whitespace-separated piece occurs verbatim in the seed. Table-row item names too."""
    seed = _squash((SEEDS_DIR / SEED_OF[code]).read_text(encoding="utf-8"))
    template = get_template(code)
    missing = []
    for path, quote in _quotes(template.model_dump(mode="json")):
        for piece in quote.split():
            if piece not in seed:
                missing.append(f"{path}: {piece}")
    for term in template.service_terms:
        if term.ref is None and _squash(term.item) not in seed:
            missing.append(f"service_terms[{term.number}].item: {term.item}")
    assert missing == []


# --------------------------------------------------------------------------------------------
# malformed templates
# --------------------------------------------------------------------------------------------

BASE = """\
code: demo
title: 测试合同
source:
  seed: demo.txt
  buyer: 某医院
  project: 测试
period_months: 12
amount: 100000
channels: [phone, remote_desktop, onsite]
calendars:
  - code: hospital-hours
    name: 医院作息时间
    day_rule: statutory_workdays
    periods:
      - {start: "08:00", end: "12:00"}
      - {start: 14:00, end: 17:30}
service_terms:
  - number: 1
    category: consulting
    item: 咨询服务
    content: 软件功能的应用咨询
    channels: [phone, remote_desktop]
    response: {within: 1h, calendar: 7x24}
  - number: 2
    category: fault
    item: 故障排除
    content: 协助查找、排除软件故障
    channels: [phone, onsite]
    response: {within: 1h, calendar: 7x24}
    escalate_onsite: {within: 4h, calendar: 7x24}
    resolution: {within: 24h, calendar: hospital-hours}
payment_milestones:
  - {code: first, name: 首付款, percent: 50, trigger: on_signing, text: 合同签订后支付50%}
  - {code: last, name: 尾款, percent: 50, trigger: at_end, text: 服务期满后支付50%}
"""


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if snippet in line]
    return lines[occurrence - 1]


def errors_of(text: str) -> list[str]:
    with pytest.raises(TemplateError) as info:
        load_template(text, name="demo.yaml")
    assert str(info.value) == "\n".join(str(i) for i in info.value.issues)
    return str(info.value).splitlines()


def test_base_template_is_valid():
    t = load_template(BASE)
    assert t.calendar("hospital-hours").periods[1].start == "14:00"  # not YAML 1.1 sexagesimal 840
    assert t.amount == Decimal(100000)


def test_unknown_key():
    text = BASE.replace(
        "    response: {within: 1h, calendar: 7x24}\n  - number: 2",
        "    respnse: {within: 1h, calendar: 7x24}\n  - number: 2",
    )
    line = line_of(text, "respnse")
    (error,) = errors_of(text)
    assert error.startswith(f"demo.yaml:{line}: service_terms[0].respnse: unknown key 'respnse'")
    assert "did you mean 'response'" in error


def test_unknown_calendar():
    text = BASE.replace(
        "resolution: {within: 24h, calendar: hospital-hours}", "resolution: {within: 24h, calendar: 7x12}"
    )
    (error,) = errors_of(text)
    assert error == (
        f"demo.yaml:{line_of(text, '7x12')}: service_terms[1].resolution.calendar: "
        "unknown calendar '7x12' (known: 7x24, 7x8, 5x8, hospital-hours)"
    )


def test_bad_duration():
    text = BASE.replace("escalate_onsite: {within: 4h,", "escalate_onsite: {within: 4hours,")
    (error,) = errors_of(text)
    assert error.startswith(f"demo.yaml:{line_of(text, '4hours')}: service_terms[1].escalate_onsite.within: ")
    assert "malformed duration '4hours'" in error


def test_duplicate_term_number():
    text = BASE.replace("  - number: 2\n", "  - number: 1\n")
    (error,) = errors_of(text)
    assert error == (
        f"demo.yaml:{line_of(text, 'number: 1', 2)}: service_terms[1].number: "
        "duplicate term number 1 (first used in entry [0])"
    )


def test_payment_percents_must_sum_to_100():
    text = BASE.replace("percent: 50, trigger: at_end", "percent: 40, trigger: at_end")
    (error,) = errors_of(text)
    assert (
        error
        == f"demo.yaml:{line_of(text, 'payment_milestones:')}: payment_milestones: payment shares add up to 90 %, not 100 %"
    )


def test_payment_fractions_sum_exactly():
    sixths = "".join(
        f"  - {{code: p{k}, name: 第{k}期, fraction: 1/6, trigger: at_end, text: 六分之一}}\n"
        for k in range(6)
    )
    text = BASE[: BASE.index("payment_milestones:")] + "payment_milestones:\n" + sixths
    assert sum((m.share for m in load_template(text).payment_milestones), Fraction(0)) == 1
    five = text.replace("  - {code: p5, name: 第5期, fraction: 1/6, trigger: at_end, text: 六分之一}\n", "")
    (error,) = errors_of(five)
    assert "payment_milestones: payment shares add up to 83.33 %, not 100 %" in error


def test_yaml_syntax_error():
    text = BASE.replace(
        "channels: [phone, remote_desktop, onsite]", "channels: [phone, remote_desktop, onsite"
    )
    (error,) = errors_of(text)
    assert re.match(r"demo\.yaml:\d+: YAML syntax error: ", error)
    line = int(error.split(":")[1])
    assert (
        line_of(text, "channels: [phone, remote_desktop, onsite") <= line <= line_of(text, "calendars:") + 1
    )


def test_duplicate_yaml_key():
    text = BASE.replace("period_months: 12\n", "period_months: 12\nperiod_months: 24\n")
    (error,) = errors_of(text)
    assert (
        error
        == f"demo.yaml:{line_of(text, 'period_months: 24')}: period_months: duplicate key (first given on line {line_of(text, 'period_months: 12')})"
    )


def test_all_errors_are_collected_in_line_order():
    text = (
        BASE.replace("category: consulting", "category: consultation")
        .replace(
            "resolution: {within: 24h, calendar: hospital-hours}", "resolution: {within: 24h, calendar: 7x12}"
        )
        .replace("escalate_onsite: {within: 4h,", "escalate_onsite: {within: 4hours,")
        .replace("percent: 50, trigger: at_end", "percent: 40, trigger: at_end")
        .replace("channels: [phone, onsite]", "channels: [phone, email]")
    )
    errors = errors_of(text)
    assert len(errors) == 5
    lines = [int(e.split(":")[1]) for e in errors]
    assert lines == sorted(lines)
    joined = "\n".join(errors)
    assert (
        "service_terms[0].category: 'consultation' is not allowed here; use one of: consulting, fault"
        in joined
    )
    assert "service_terms[1].channels[1]: channel 'email' is not in the template's channels" in joined
    assert "service_terms[1].escalate_onsite.within: malformed duration '4hours'" in joined
    assert "service_terms[1].resolution.calendar: unknown calendar '7x12'" in joined
    assert "payment_milestones: payment shares add up to 90 %" in joined


def test_missing_key_and_wrong_type():
    text = BASE.replace("    item: 咨询服务\n", "").replace("period_months: 12", "period_months: twelve")
    errors = errors_of(text)
    assert f"demo.yaml:{line_of(text, 'period_months')}: period_months: " in errors[0]
    assert "(got 'twelve')" in errors[0]
    assert (
        errors[1] == f"demo.yaml:{line_of(text, 'number: 1')}: service_terms[0].item: required key is missing"
    )


def test_target_needs_exactly_one_kind_and_a_known_vocabulary():
    text = BASE.replace(
        "response: {within: 1h, calendar: 7x24}\n  - number: 2",
        "response: {within: 1h, immediate: true, calendar: 7x24}\n  - number: 2",
    )
    (error,) = errors_of(text)
    assert "service_terms[0].response: a target needs exactly one of" in error
    text = BASE.replace("channels: [phone, remote_desktop, onsite]", "channels: [phone, dingtalk, onsite]")
    (error,) = errors_of(text)
    assert f"demo.yaml:{line_of(text, 'dingtalk')}: channels[1]: 'dingtalk' is not allowed here" in error


def test_cross_references_on_deductions_and_milestones():
    text = (
        BASE
        + """\
assessments:
  - code: quarterly
    name: 季度考核
    period: quarter
    deductions:
      - code: faults
        kind: vendor_fault
        name: 乙方原因故障
        base: subsystem_amount
        by_severity: {fatal: 5, huge: 3}
        text: 一次致命故障扣罚子系统合同金额的5%
"""
    )
    text = text.replace(
        "percent: 50, trigger: at_end,",
        "percent: 50, trigger: after_assessment_passed, assessment: quarterly, periods: [5],",
    )
    errors = "\n".join(errors_of(text))
    assert "assessments[0].deductions[0].by_severity.fatal: unknown severity 'fatal' (known: none)" in errors
    assert "assessments[0].deductions[0].by_severity.huge: unknown severity 'huge'" in errors
    assert (
        "assessments[0].deductions[0].base: base 'subsystem_amount' needs the template's 'subsystems'"
        in errors
    )
    assert (
        "payment_milestones[1].periods[0]: period 5 does not exist: a 12-month contract has 4 'quarter' periods"
        in errors
    )


def test_percent_range_and_money():
    text = BASE.replace("percent: 50, trigger: on_signing", "percent: 150, trigger: on_signing")
    errors = "\n".join(errors_of(text))
    assert "payment_milestones[0].percent: " in errors and "100" in errors
    t = load_template(BASE.replace("amount: 100000", "amount: 2940000.10"))
    assert t.amount == Decimal("2940000.10")


def test_model_validate_without_loader_still_checks_references():
    data = get_template("pacs-huizhou").model_dump(mode="json")
    data["service_terms"][2]["response"]["calendar"] = "7x12"
    with pytest.raises(
        ValidationError, match=r"service_terms\[2\]\.response\.calendar: unknown calendar '7x12'"
    ):
        ContractTemplate.model_validate(data)


def test_shipped_template_error_names_the_file(tmp_path):
    source = (TEMPLATES_DIR / "pacs-huizhou.yaml").read_text(encoding="utf-8")
    broken = source.replace(
        "response: {within: 2h, calendar: 7x24}", "response: {within: 2h, calendar: 7x12}", 1
    )
    assert broken != source
    path = tmp_path / "pacs-huizhou.yaml"
    path.write_text(broken, encoding="utf-8")
    (issue,) = check_template(path)
    assert issue.file == "pacs-huizhou.yaml"
    assert issue.line == line_of(broken, "calendar: 7x12")
    assert issue.path == "service_terms[2].response.calendar"
    assert str(issue).startswith(
        f"pacs-huizhou.yaml:{issue.line}: service_terms[2].response.calendar: unknown calendar '7x12'"
    )
