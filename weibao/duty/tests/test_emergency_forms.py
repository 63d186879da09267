"""The emergency forms: an incident report opened from two tickets and filled in on the page, an
emergency plan written and revised (a new version), a drill recorded; bad input shows a Chinese
message and saves nothing; the signed report no longer opens its form."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from weibao.audit.models import AuditEvent
from weibao.duty.models import Drill, EmergencyPlan, IncidentReport

from .test_incidents import two_tickets  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_engineer_opens_and_fills_an_incident_report_from_two_tickets(
    client_for,
    contract,
    team,
    two_tickets,  # noqa: F811
):
    first, second = two_tickets
    engineer = client_for(team["engineers"][0])
    home = engineer.get(reverse("duty:emergency_home")).content.decode()
    assert "还没有应急报告" in home and f'<option value="{contract.pk}">' in home
    chosen = engineer.get(reverse("duty:emergency_new"), {"contract": contract.pk, "what": "incident"})
    url = reverse("duty:incident_new", args=[contract.pk])
    assert chosen.status_code == 302 and chosen["Location"] == url
    assert engineer.get(reverse("duty:emergency_new"), {"contract": "x"}).status_code == 404
    form = engineer.get(url).content.decode()
    assert first.number in form and second.number in form
    made = engineer.post(url, {"title": "国庆 DRG 服务中断", "tickets": [first.pk, second.pk]})
    report = IncidentReport.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("duty:incident_edit", args=[report.pk])
    assert sorted(t.pk for t in report.tickets.all()) == sorted([first.pk, second.pk])
    assert AuditEvent.objects.filter(action="duty.incident").count() == 1

    saved = engineer.post(
        reverse("duty:incident_edit", args=[report.pk]),
        {
            "impact_systems": "DRG 分组服务",
            "impact_departments": "病案科、医保办",
            "root_cause": "存储控制器故障",
            "actions": "增加存储冗余｜张伟｜2026-10-10\n演练切换 | 李娜 | 2026-10-20",
        },
        follow=True,
    )
    page = saved.content.decode()
    assert "应急报告已保存" in page and "存储控制器故障" in page
    assert 'data-milestone="detected">2026-10-03 03:00' in page
    assert 'data-milestone="restored">2026-10-03 05:40' in page
    report.refresh_from_db()
    assert [(a.action, a.owner, a.due) for a in report.actions.order_by("due")] == [
        ("增加存储冗余", "张伟", date(2026, 10, 10)),
        ("演练切换", "李娜", date(2026, 10, 20)),
    ]
    # The form shows the actions as it takes them.
    again = engineer.get(reverse("duty:incident_edit", args=[report.pk])).content.decode()
    assert "增加存储冗余｜张伟｜2026-10-10" in again


def test_bad_incident_input_shows_a_chinese_message_and_saves_nothing(
    client_for,
    contract,
    team,
    two_tickets,  # noqa: F811
):
    engineer = client_for(team["engineers"][0])
    url = reverse("duty:incident_new", args=[contract.pk])
    answer = engineer.post(url, {"title": "没有工单的事件"})
    assert answer.status_code == 200 and "请至少关联一张工单" in answer.content.decode()
    unknown = engineer.post(url, {"title": "事件", "ticket_numbers": f"{two_tickets[0].number}, H-NONE"})
    assert "本合同下没有这些工单：H-NONE" in unknown.content.decode()
    assert not IncidentReport.objects.exists()
    # A ticket by its number (one older than the list offers), with one ticked.
    by_number = engineer.post(
        url,
        {"title": "按编号", "tickets": [two_tickets[1].pk], "ticket_numbers": two_tickets[0].number},
    )
    assert by_number.status_code == 302
    made = IncidentReport.objects.get()
    assert sorted(made.tickets.values_list("pk", flat=True)) == sorted(t.pk for t in two_tickets)
    made.delete()

    report_url = reverse("duty:incident_new", args=[contract.pk])
    engineer.post(report_url, {"title": "事件", "tickets": [two_tickets[0].pk]})
    report = IncidentReport.objects.get()
    bad = engineer.post(
        reverse("duty:incident_edit", args=[report.pk]),
        {"root_cause": "原因", "actions": "增加冗余｜张伟｜十月十日"},
    )
    assert bad.status_code == 200
    assert "不是日期，请写成 2026-10-10" in bad.content.decode()
    report.refresh_from_db()
    assert report.root_cause == "" and not report.actions.exists()
    missing_owner = engineer.post(
        reverse("duty:incident_edit", args=[report.pk]), {"actions": "增加冗余｜｜2026-10-10"}
    )
    assert "须写明措施、责任人和完成日期" in missing_owner.content.decode()


def test_a_department_user_may_not_open_the_form(client_for, contract, hospital):
    from weibao.accounts.choices import Role
    from weibao.testing.factories import DepartmentFactory, member

    user = member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    assert client_for(user).get(reverse("duty:incident_new", args=[contract.pk])).status_code in (403, 404)


def test_a_signed_report_no_longer_opens_its_form(client_for, contract, team, two_tickets):  # noqa: F811
    from weibao.duty import incidents

    report = incidents.incident_create(
        actor=team["engineers"][0], contract=contract, title="事件", tickets=list(two_tickets)
    )
    incidents.incident_update(actor=team["engineers"][0], report=report, root_cause="控制器故障")
    incidents.incident_sign(actor=team["admin"], report=report)
    engineer = client_for(team["engineers"][0])
    answer = engineer.post(reverse("duty:incident_edit", args=[report.pk]), {"root_cause": "改"}, follow=True)
    assert "应急报告已签字，不能再修改" in answer.content.decode()
    report.refresh_from_db()
    assert report.root_cause == "控制器故障"


def test_a_plan_is_written_revised_and_drilled(client_for, contract, team):
    engineer_user = team["engineers"][0]
    engineer = client_for(engineer_user)
    bad = engineer.post(
        reverse("duty:emergency_plan_new", args=[contract.pk]),
        {"code": "YJ-DRG", "title": "DRG 应急", "responsible": engineer_user.pk, "content": "  "},
    )
    assert bad.status_code == 200 and "这个字段是必填项" in bad.content.decode()
    assert not EmergencyPlan.objects.exists()

    made = engineer.post(
        reverse("duty:emergency_plan_new", args=[contract.pk]),
        {
            "code": "YJ-DRG",
            "title": "DRG 服务中断应急预案",
            "responsible": engineer_user.pk,
            "content": "切换备用服务器",
            "escalation": "值班工程师｜张伟｜13900000001\n项目经理｜李娜",
        },
        follow=True,
    )
    plan = EmergencyPlan.objects.get()
    page = made.content.decode()
    assert "应急预案已保存" in page and "切换备用服务器" in page and "tel:13900000001" in page
    assert plan.escalation == [
        {"level": 1, "role": "值班工程师", "name": "张伟", "phone": "13900000001"},
        {"level": 2, "role": "项目经理", "name": "李娜", "phone": ""},
    ]
    revise = reverse("duty:emergency_plan_revise", args=[plan.pk])
    assert "值班工程师｜张伟｜13900000001" in engineer.get(revise).content.decode()
    engineer.post(
        revise,
        {
            "code": "OTHER",  # the code of a revision does not change
            "title": "DRG 服务中断应急预案",
            "responsible": engineer_user.pk,
            "content": "切换备用服务器；通知医保办",
            "escalation": "值班工程师｜张伟｜13900000001",
        },
    )
    versions = list(EmergencyPlan.objects.order_by("version").values_list("code", "version", "content"))
    assert versions == [("YJ-DRG", 1, "切换备用服务器"), ("YJ-DRG", 2, "切换备用服务器；通知医保办")]

    drill_url = reverse("duty:drill_new", args=[plan.pk])
    future = engineer.post(drill_url, {"date": "2099-01-01", "scenario": "存储故障", "participants": "张伟"})
    assert "演练日期不能晚于今天" in future.content.decode() and not Drill.objects.exists()
    done = engineer.post(
        drill_url,
        {"date": "2026-09-20", "scenario": "存储故障切换", "participants": "张伟、李娜"},
        follow=True,
    )
    assert "应急演练已登记" in done.content.decode() and "存储故障切换" in done.content.decode()
    assert Drill.objects.get().plan == plan


def test_a_responsible_person_of_another_organisation_is_refused(client_for, contract, team, other_hospital):
    from weibao.accounts.choices import Role
    from weibao.testing.factories import member

    stranger = member(other_hospital, Role.HOSPITAL_ADMIN)
    answer = client_for(team["engineers"][0]).post(
        reverse("duty:emergency_plan_new", args=[contract.pk]),
        {"code": "YJ", "title": "预案", "responsible": stranger.pk, "content": "x"},
    )
    assert answer.status_code == 200 and "选择一个有效的选项" in answer.content.decode()
    assert not EmergencyPlan.objects.exists()


def test_a_drill_is_corrected_on_its_page_and_through_the_api(client_for, contract, team, hospital):
    from weibao.accounts.choices import Role
    from weibao.duty import incidents
    from weibao.testing.factories import DepartmentFactory, member

    engineer_user = team["engineers"][0]
    plan = incidents.emergency_plan_save(
        actor=engineer_user,
        contract=contract,
        code="YJ",
        title="存储故障应急预案",
        responsible=engineer_user,
        content="切换备用存储",
    )
    drill = incidents.drill_record(
        actor=engineer_user, plan=plan, day=date(2026, 9, 20), scenario="存储故障", participants="张伟"
    )
    engineer = client_for(engineer_user)
    plan_page = engineer.get(reverse("duty:emergency_plan_detail", args=[plan.pk])).content.decode()
    edit_url = reverse("duty:drill_edit", args=[drill.pk])
    assert edit_url in plan_page
    assert "存储故障" in engineer.get(edit_url).content.decode()  # the form opens filled in

    future = engineer.post(edit_url, {"date": "2099-01-01", "scenario": "存储故障", "participants": "张伟"})
    assert "演练日期不能晚于今天" in future.content.decode()
    drill.refresh_from_db()
    assert drill.date == date(2026, 9, 20)

    done = engineer.post(
        edit_url,
        {
            "date": "2026-09-21",
            "scenario": "存储故障切换",
            "participants": "张伟、李娜",
            "findings": "切换用时 12 分钟",
        },
        follow=True,
    )
    assert "应急演练已修改" in done.content.decode() and "切换用时 12 分钟" in done.content.decode()
    drill.refresh_from_db()
    assert (drill.date, drill.scenario, drill.participants) == (
        date(2026, 9, 21),
        "存储故障切换",
        "张伟、李娜",
    )
    event = AuditEvent.objects.get(action="duty.drill_update")
    assert event.detail["fields"] == ["date", "findings", "participants", "scenario"]

    api = engineer.put(
        f"/api/v1/duty/drills/{drill.pk}",
        {"date": "2026-09-21", "scenario": "存储故障切换", "participants": "张伟、李娜、王强"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["participants"] == "张伟、李娜、王强"
    assert api.json()["findings"] == ""  # a PUT says every field

    doctor = client_for(
        member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    )
    assert doctor.get(edit_url).status_code in (403, 404)
    assert doctor.put(
        f"/api/v1/duty/drills/{drill.pk}",
        {"date": "2026-09-21", "scenario": "x", "participants": "x"},
        content_type="application/json",
    ).status_code in (403, 404)
    drill.refresh_from_db()
    assert drill.scenario == "存储故障切换"
