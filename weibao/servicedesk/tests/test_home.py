"""The role home pages: each figure checked against data counted by hand, the report button only
for the hospital side, and the notices a move leaves without purpose marked done."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.models import AccessGrant
from weibao.servicedesk import dashboards, services
from weibao.servicedesk.charts import trend_chart
from weibao.servicedesk.models import Ticket, TicketClock
from weibao.servicedesk.reporting import report_term
from weibao.testing.factories import AuditorOrgFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings):
    settings.WEIBAO_DASHBOARD_SECONDS = 0
    settings.WEIBAO_TREND_SECONDS = 0


def _ticket(contract, reporter, title, *, created, state, clocks, assignee=None, closed=None, due=None):
    """A ticket whose clock rows are exactly ``clocks``: (kind, status, breached_at or None)."""
    t = services.ticket_create(actor=reporter, contract=contract, term=report_term(contract), title=title)
    TicketClock.objects.filter(ticket=t).delete()
    TicketClock.objects.bulk_create(
        TicketClock(
            ticket=t,
            kind=kind,
            status=status,
            target={},
            calendar="7x24",
            stop_event="x",
            breached_at=breached,
            due_at=due if status == "running" else None,
        )
        for kind, status, breached in clocks
    )
    Ticket.objects.filter(pk=t.pk).update(
        created_at=created, state=state, assignee=assignee, closed_at=closed, next_due_at=due
    )
    return t


@pytest.fixture
def world(seed, people):
    """Five tickets, counted by hand in the tests below:

    A closed, response met, resolution met; B 待确认 (reported by the doctor), response met,
    resolution breached now; C new, response breached now, resolution running due in 2 h (at
    risk); D in progress, response met, resolution due in 2 days; E opened 20 weeks ago, response
    breached then (outside the 12-week window and this month). Engineer has A–D."""
    now = timezone.now()
    contract = seed("pacs-huizhou")
    doc, eng = people["doctor"], people["engineer"]
    made = {
        "A": _ticket(
            contract,
            doc,
            "A",
            created=now - timedelta(hours=5),
            state="closed",
            assignee=eng,
            closed=now - timedelta(hours=1),
            clocks=[("response", "met", None), ("resolution", "met", None)],
        ),
        "B": _ticket(
            contract,
            doc,
            "B",
            created=now - timedelta(hours=6),
            state="resolved",
            assignee=eng,
            clocks=[("response", "met", None), ("resolution", "breached", now)],
        ),
        "C": _ticket(
            contract,
            doc,
            "C",
            created=now - timedelta(hours=3),
            state="new",
            assignee=eng,
            due=now + timedelta(hours=2),
            clocks=[("response", "breached", now), ("resolution", "running", None)],
        ),
        "D": _ticket(
            contract,
            people["admin"],
            "D",
            created=now - timedelta(hours=1),
            state="in_progress",
            assignee=eng,
            due=now + timedelta(days=2),
            clocks=[("response", "met", None), ("resolution", "running", None)],
        ),
        "E": _ticket(
            contract,
            doc,
            "E",
            created=now - timedelta(weeks=20),
            state="closed",
            closed=now - timedelta(weeks=19),
            clocks=[("response", "breached", now - timedelta(weeks=20))],
        ),
    }
    return {"contract": contract, "now": now, **made}


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return re.sub(r"<[^>]+>", " ", match.group(2))


def _stat(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*><strong>(\d+)</strong>', html)
    assert match, element_id
    return int(match.group(1))


def test_figures_counted_by_sql_match_the_hand_count(world, people):
    admin = people["admin"]
    live = dashboards.live_counts(admin, now=world["now"])
    assert live == {"open": 2, "at_risk": 1, "breached_month": 2}
    [row] = dashboards.compliance(dashboards.window_tickets(admin), by="contract", label="contract__title")
    # settled in the window: met A.r A.res B.r D.r, breached B.res C.r (E is 20 weeks old)
    assert (row.met, row.breached, row.percent) == (4, 2, 66.7)
    assert row.kind_percent("response") == 75.0 and row.kind_percent("resolution") == 50.0
    assert row.kind_percent("onsite") is None
    [vendor] = dashboards.compliance(
        dashboards.window_tickets(admin), by="contract__vendor", label="contract__vendor__name"
    )
    assert vendor.key == world["contract"].vendor_id and vendor.percent == 66.7
    weeks = dashboards.trend(dashboards.visible_tickets(admin), now=world["now"])
    assert len(weeks) == dashboards.WEEKS
    assert sum(w.opened for w in weeks) == 4 and sum(w.closed for w in weeks) == 1
    assert (sum(w.met for w in weeks), sum(w.breached for w in weeks)) == (4, 2)


def test_trend_puts_each_ticket_in_its_week(seed, people):
    now = timezone.now()
    starts = dashboards.week_starts(now)
    contract = seed("pacs-huizhou")
    doc = people["doctor"]
    _ticket(
        contract,
        doc,
        "w0",
        created=starts[0] + timedelta(hours=1),
        state="closed",
        closed=starts[1] + timedelta(hours=2),
        clocks=[("response", "met", None)],
    )
    _ticket(
        contract,
        doc,
        "w9a",
        created=starts[9] + timedelta(hours=3),
        state="new",
        clocks=[("response", "breached", starts[9])],
    )
    _ticket(
        contract,
        doc,
        "w9b",
        created=starts[9] + timedelta(hours=4),
        state="new",
        clocks=[("response", "met", None)],
    )
    weeks = dashboards.trend(dashboards.visible_tickets(people["admin"]), now=now)
    assert [w.opened for w in weeks] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]
    assert [w.closed for w in weeks] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert (weeks[0].percent, weeks[9].percent, weeks[5].percent) == (100.0, 50.0, None)
    chart = trend_chart(weeks)
    assert chart.max_count == 2 and len(chart.opened) == 12 and len(chart.points) == 2
    assert (
        chart.opened[9].height == chart.base - chart.top
        and chart.opened[0].height * 2 == chart.opened[9].height
    )


def test_hospital_admin_home_shows_the_figures(world, people, client_for):
    html = client_for(people["admin"]).get("/").content.decode()
    assert (_stat(html, "stat-open"), _stat(html, "stat-risk"), _stat(html, "stat-breached")) == (2, 1, 2)
    contract_table = _text(html, "compliance-contract")
    assert "66.7 %" in contract_table and "75 %" in contract_table and "50 %" in contract_table
    assert "66.7 %" in _text(html, "compliance-vendor")
    assert "<svg" in html and "近 12 周趋势" in html and 'id="trend-table"' in html
    assert "近12周数据更新于" in _text(html, "figures-at")
    assert 'id="report-button"' in html


def test_department_user_report_first_and_awaiting_confirmation(world, people, client_for):
    html = client_for(people["doctor"]).get("/").content.decode()
    assert html.index('id="report-button"') < html.index("我报修的")
    # 我的待办 counts B, the ticket in 待确认 the doctor reported
    assert _stat(html, "stat-todo") == 1 and _stat(html, "stat-awaiting") == 1
    awaiting = _text(html, "awaiting-list")
    assert world["B"].number in awaiting and world["A"].number not in awaiting
    assert dashboards.my_todo_count(people["doctor"]) == 1


def test_engineer_day_is_sorted_by_the_nearest_due(world, people, client_for):
    html = client_for(people["engineer"]).get("/").content.decode()
    day = _text(html, "my-day")
    assert day.index(world["C"].number) < day.index(world["D"].number)
    assert world["A"].number not in day and world["B"].number not in day
    assert _stat(html, "stat-todo") == 2
    assert 'id="report-button"' not in html and "我要报修" not in html


def test_vendor_manager_sees_risk_compliance_and_workload(world, people, client_for):
    html = client_for(people["manager"]).get("/").content.decode()
    risk = _text(html, "risk-list")
    assert risk.index(world["C"].number) < risk.index(world["D"].number)
    assert "66.7 %" in _text(html, "compliance-engineer")
    workload = _text(html, "workload")
    assert people["engineer"].username in workload or str(people["engineer"]) in workload
    assert re.search(r"\s2\s+1\s", workload), workload  # 2 open, 1 at risk
    assert 'id="report-button"' not in html and "我要报修" not in html


def test_auditor_sees_contracts_compliance_and_the_audit_link(world, people, hospital, client_for):
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    AccessGrant.objects.create(user=auditor, hospital=hospital)
    html = client_for(auditor).get("/").content.decode()
    assert world["contract"].code in _text(html, "auditor-contracts")
    assert "66.7 %" in _text(html, "compliance-contract")
    assert 'id="audit-link"' in html
    assert 'id="report-button"' not in html and "我要报修" not in html


def test_another_hospitals_tickets_are_not_counted(world, people, other_hospital):
    from weibao.testing.factories import member as make_member

    stranger = make_member(other_hospital, Role.HOSPITAL_ADMIN)
    assert dashboards.live_counts(stranger) == {"open": 0, "at_risk": 0, "breached_month": 0}
    assert (
        dashboards.compliance(dashboards.window_tickets(stranger), by="contract", label="contract__title")
        == []
    )


def test_report_ends_on_a_confirmation_page(seed, people, client_for):
    contract = seed("pacs-huizhou")
    client = client_for(people["doctor"])
    form = client.get(f"/m/report/?c={contract.pk}")
    token = re.search(r'name="submit_token" value="([^"]+)"', form.content.decode())
    data = {"title": "打印机卡纸", "description": "", "location": "放射科", "phone": ""}
    if token:
        data["submit_token"] = token.group(1)
    made = client.post(f"/m/report/?c={contract.pk}", data)
    ticket = Ticket.objects.get(title="打印机卡纸")
    assert made.status_code == 302 and made["Location"] == f"/m/tickets/{ticket.pk}/done/"
    page = client.get(made["Location"]).content.decode()
    assert ticket.number in page and "接下来" in page and "确认并评价" in page


def test_confirm_notice_is_marked_done_when_the_ticket_moves_on(
    seed, people, django_capture_on_commit_callbacks
):
    from weibao.notifications.models import Notification

    contract = seed("pacs-huizhou")
    doc, eng = people["doctor"], people["engineer"]
    t = services.ticket_create(actor=doc, contract=contract, term=report_term(contract), title="无法登录")
    with django_capture_on_commit_callbacks(execute=True):
        t = services.ticket_transition(actor=eng, ticket=t, action="respond")
        t = services.ticket_transition(
            actor=eng, ticket=t, action="resolve", solution="重置密码", root_cause="口令过期"
        )
    asks = Notification.objects.filter(
        event="ticket.resolved", recipient=doc, subject=f"servicedesk.ticket:{t.pk}"
    )
    assert asks.count() == 1 and asks.get().read_at is None
    assert asks.get().subject == f"servicedesk.ticket:{t.pk}"
    other = services.ticket_create(actor=doc, contract=contract, term=report_term(contract), title="另一单")
    with django_capture_on_commit_callbacks(execute=True):
        other = services.ticket_transition(actor=eng, ticket=other, action="respond")
        services.ticket_transition(actor=eng, ticket=other, action="resolve", solution="x", root_cause="y")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(actor=doc, ticket=t, action="confirm", rating=5)
    assert asks.get().read_at is not None
    # the other ticket's notice still asks for confirmation
    assert (
        Notification.objects.get(
            event="ticket.resolved", recipient=doc, subject__endswith=f":{other.pk}"
        ).read_at
        is None
    )


def test_a_notice_for_a_fix_confirmed_before_it_went_out_is_not_sent(seed, people):
    from weibao.notifications.models import Notification
    from weibao.servicedesk import notify

    contract = seed("pacs-huizhou")
    doc, eng = people["doctor"], people["engineer"]
    t = services.ticket_create(actor=doc, contract=contract, term=report_term(contract), title="无法打印")
    t = services.ticket_transition(actor=eng, ticket=t, action="respond")
    t = services.ticket_transition(actor=eng, ticket=t, action="resolve", solution="换纸", root_cause="缺纸")
    t = services.ticket_transition(actor=doc, ticket=t, action="reopen", reason="仍卡纸")
    notify.deliver("transition", t, {"action": "resolve"})
    assert not Notification.objects.filter(event="ticket.resolved").exists()


def test_one_scan_gives_the_three_tables(world, people):
    tables = dashboards.compliance_tables(dashboards.window_tickets(people["admin"]))
    [contract], [vendor], [engineer] = tables["contract"], tables["vendor"], tables["engineer"]
    for row in (contract, vendor, engineer):
        assert (row.met, row.breached, row.percent) == (4, 2, 66.7)
        assert row.kind_percent("response") == 75.0 and row.kind_percent("resolution") == 50.0
    assert engineer.label == people["engineer"].username


def test_my_reports_are_the_visible_tickets_i_reported(world, people, hospital):
    """``reported_by`` leaves out the department narrowing (one's own reports are within it) and
    nothing else: another user's reports and another hospital's tickets stay out."""
    doctor, admin = people["doctor"], people["admin"]
    contract = world["A"].contract
    theirs = services.ticket_create(
        actor=admin, contract=contract, term=report_term(contract), title="他人的"
    )
    mine = set(Ticket.objects.reported_by(doctor).values_list("pk", flat=True))
    expected = set(
        Ticket.objects.visible_to(doctor).filter(reporter_id=doctor.pk).values_list("pk", flat=True)
    )
    assert mine == expected and world["A"].pk in mine and theirs.pk not in mine
    membership = doctor.memberships.get(organization=hospital)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    former = type(doctor).objects.get(pk=doctor.pk)  # memberships are read once per user object
    assert not Ticket.objects.reported_by(former).exists()


def test_kept_figures_are_served_until_they_are_due_again(world, people, client_for, settings, monkeypatch):
    """With the figures kept, a second visit reads them without computing them; once their time
    has passed, the next visit computes them anew and says so."""
    from django.core.cache import cache

    from weibao.core.cache import fresh

    cache.clear()
    settings.WEIBAO_DASHBOARD_SECONDS = 60
    settings.WEIBAO_TREND_SECONDS = 600
    computed = []
    real_trend = dashboards.trend
    monkeypatch.setattr(dashboards, "trend", lambda *a, **k: computed.append(1) or real_trend(*a, **k))
    clock = [1_000_000.0]
    monkeypatch.setattr(fresh.time, "time", lambda: clock[0])
    client = client_for(people["admin"])
    first = client.get("/").content.decode()
    assert len(computed) == 1 and 'id="compliance-vendor"' in first
    clock[0] += 599
    second = client.get("/").content.decode()
    assert len(computed) == 1
    assert (
        re.search(r'id="figures-at">([^<]*)<', second)[1] == re.search(r'id="figures-at">([^<]*)<', first)[1]
    )
    clock[0] += 2
    client.get("/")
    assert len(computed) == 2
    cache.clear()


def test_kept_figures_follow_the_users_view_not_every_change(
    world, people, client_for, settings, monkeypatch
):
    """A change elsewhere (a new hospital joins) leaves the admin's figures kept; a change of what
    the admin sees (a membership of another hospital) has them computed for the new view."""
    from django.core.cache import cache

    from weibao.core.cache.generation import generation
    from weibao.testing.factories import HospitalFactory, MembershipFactory

    cache.clear()
    settings.WEIBAO_DASHBOARD_SECONDS = 60
    settings.WEIBAO_TREND_SECONDS = 600
    computed = []
    real_trend = dashboards.trend
    monkeypatch.setattr(dashboards, "trend", lambda *a, **k: computed.append(1) or real_trend(*a, **k))
    client = client_for(people["admin"])
    client.get("/")
    assert len(computed) == 1
    before = generation()
    HospitalFactory()
    assert generation() != before  # every kept scope is worked out again…
    client.get("/")
    assert len(computed) == 1  # …but the admin's view did not change: the figures are kept
    MembershipFactory(user=people["admin"], organization=HospitalFactory(), role=Role.HOSPITAL_ADMIN)
    client.get("/")
    assert len(computed) == 2
    cache.clear()
