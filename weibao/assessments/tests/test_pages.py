"""The assessment pages through the test client: what each role may do, and bad input answered
with a message on the page (never a 500)."""

from __future__ import annotations

import pytest

from weibao.accounts.choices import Role
from weibao.assessments import services
from weibao.assessments.models import Assessment
from weibao.testing.factories import member

from .test_scenarios import seed_003_quarter

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_admin_opens_draws_and_sees_the_drill_down(make_contract, client_for):
    contract, admin, late, *_ = seed_003_quarter(make_contract)
    c = client_for(admin)
    page = c.get(f"/assessments/contract/{contract.pk}/")
    assert page.status_code == 200 and "付款节点" in page.content.decode()
    bad = c.post(
        f"/assessments/contract/{contract.pk}/open/", {"rule": "quarterly", "period": "2026Q9"}, follow=True
    )
    assert bad.status_code == 200 and any("考核期格式" in m for m in _messages(bad))
    wrong = c.post(
        f"/assessments/contract/{contract.pk}/open/", {"rule": "quarterly", "period": "2026H2"}, follow=True
    )
    assert any("3 个月一期" in m for m in _messages(wrong))
    assert not Assessment.objects.exists()
    done = c.post(f"/assessments/contract/{contract.pk}/open/", {"rule": "quarterly", "period": "2026q3"})
    a = Assessment.objects.get()
    assert done["Location"] == f"/assessments/{a.pk}/" and a.period == "2026Q3"
    detail = c.get(f"/assessments/{a.pk}/?show=late.late-response").content.decode()
    assert "明细（2 条）" in detail
    assert all(t.number in detail for t in late)
    ev = a.evaluations.first()
    nothing = c.post(f"/assessments/evaluations/{ev.pk}/draw/", {"size": "", "percent": ""}, follow=True)
    assert any("抽查数量" in m for m in _messages(nothing))
    c.post(f"/assessments/evaluations/{ev.pk}/draw/", {"size": "5", "seed": "9"})
    ev.refresh_from_db()
    assert (ev.seed, ev.rows.count()) == (9, 5)
    row = ev.rows.first()
    no_reason = c.post(f"/assessments/rows/{row.pk}/mark/", {"result": "fail", "reason": ""}, follow=True)
    assert any("不合格请填写理由" in m for m in _messages(no_reason))
    sign_early = c.post(f"/assessments/{a.pk}/act/sign/", follow=True)
    assert any("尚未全部评价" in m for m in _messages(sign_early))
    unknown = c.post(f"/assessments/{a.pk}/act/explode/", follow=True)
    assert any("未知的操作" in m for m in _messages(unknown))
    bad_pay = c.post(
        f"/assessments/milestones/{contract.payment_milestones.first().pk}/",
        {"paid_amount": "abc"},
        follow=True,
    )
    assert bad_pay.status_code == 200 and _messages(bad_pay)


def test_vendor_submits_but_cannot_evaluate_and_department_users_see_no_money(make_contract, client_for):
    contract, admin, *_ = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    manager = member(contract.vendor, Role.VENDOR_MANAGER)
    vc = client_for(manager)
    page = vc.get(f"/assessments/{a.pk}/").content.decode()
    assert (
        "提交自评" in page and "draw-form" not in page and "mark-form" not in page and 'id="sign"' not in page
    )
    vc.post(f"/assessments/{a.pk}/act/submit/", {"note": "本季度按时响应"})
    a.refresh_from_db()
    assert (a.state, a.self_assessment) == ("submitted", "本季度按时响应")
    ev = a.evaluations.first()
    assert vc.post(f"/assessments/evaluations/{ev.pk}/draw/", {"size": "3"}).status_code == 403
    assert vc.post(f"/assessments/{a.pk}/act/review/", {"note": "x"}).status_code == 403
    line = a.deduction_lines.first()
    assert (
        vc.post(f"/assessments/deductions/{line.pk}/waive/", {"waive": "1", "reason": "x"}).status_code == 403
    )
    line.refresh_from_db()
    assert not line.waived and not ev.rows.exists()
    doctor = member(contract.hospital, Role.DEPARTMENT_USER)
    dc = client_for(doctor)
    assert dc.get("/assessments/").status_code == 403
    assert dc.get(f"/assessments/{a.pk}/").status_code == 403
    assert dc.get(f"/api/v1/contracts/{contract.pk}/payments").status_code == 403


def test_api_opens_marks_and_lists_payments(make_contract, client_for):
    contract, admin, *_ = seed_003_quarter(make_contract)
    c = client_for(admin)
    opened = c.post(
        f"/api/v1/contracts/{contract.pk}/assessments", {"period": "2026Q3"}, content_type="application/json"
    )
    assert opened.status_code == 200
    body = opened.json()
    assert body["deduction_total"] in ("2200.00", "2200") and len(body["evaluations"]) == 2
    bad = c.post(
        f"/api/v1/contracts/{contract.pk}/assessments", {"period": "Q3"}, content_type="application/json"
    )
    assert bad.status_code in (400, 422) and "code" in bad.json()
    ev = body["evaluations"][0]["id"]
    drawn = c.post(
        f"/api/v1/assessment-evaluations/{ev}/sample", {"size": 2, "seed": 5}, content_type="application/json"
    )
    assert drawn.status_code == 200 and len(drawn.json()["rows"]) == 2
    row = drawn.json()["rows"][0]["id"]
    marked = c.post(
        f"/api/v1/assessment-samples/{row}/mark",
        {"result": "fail", "reason": "未解决"},
        content_type="application/json",
    )
    assert marked.status_code == 200 and marked.json()["result"] == "fail"
    manager = member(contract.vendor, Role.VENDOR_MANAGER)
    refused = client_for(manager).post(
        f"/api/v1/assessment-samples/{row}/mark", {"result": "pass"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"]
    pays = c.get(f"/api/v1/contracts/{contract.pk}/payments").json()
    assert [p["code"] for p in pays] == ["down-payment", "progress-payment", "final-payment"]
    assert pays[0]["gates"][-1]["clears"] == "厂商开具发票并登记发票号"
