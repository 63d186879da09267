"""The workflow map and what each move records, as tables: no database.

The expected map is written out here by hand (not read from ``TRANSITIONS``), so a change to the
workflow has to change this table too."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from weibao.servicedesk.choices import TicketState
from weibao.servicedesk.workflow import (
    ANSWERS,
    HOSPITAL_ADMIN,
    HOSPITAL_USER,
    NOBODY,
    SYSTEM,
    TRANSITIONS,
    VENDOR,
    WHO,
    Event,
    Fields,
    IllegalTransition,
    NotYourMove,
    Position,
    apply_transition,
)

#: From each state, the moves the workflow allows and where each goes.
MAP: dict[str, dict[str, str]] = {
    "new": {
        "respond": "responded",
        "start": "in_progress",
        "require_onsite": "onsite_required",
        "resolve": "resolved",
        "cancel": "cancelled",
    },
    "responded": {
        "start": "in_progress",
        "require_onsite": "onsite_required",
        "hold": "on_hold",
        "wait_hospital": "waiting_hospital",
        "resolve": "resolved",
        "cancel": "cancelled",
    },
    "in_progress": {
        "require_onsite": "onsite_required",
        "hold": "on_hold",
        "wait_hospital": "waiting_hospital",
        "resolve": "resolved",
        "cancel": "cancelled",
    },
    "onsite_required": {
        "arrive": "onsite",
        "hold": "on_hold",
        "wait_hospital": "waiting_hospital",
        "cancel": "cancelled",
    },
    "onsite": {
        "hold": "on_hold",
        "wait_hospital": "waiting_hospital",
        "resolve": "resolved",
        "cancel": "cancelled",
    },
    "on_hold": {"resume": "in_progress", "cancel": "cancelled"},
    "waiting_hospital": {"resume": "in_progress", "cancel": "cancelled"},
    "resolved": {"confirm": "closed", "auto_close": "closed", "reopen": "reopened"},
    "reopened": {
        "start": "in_progress",
        "require_onsite": "onsite_required",
        "hold": "on_hold",
        "wait_hospital": "waiting_hospital",
        "resolve": "resolved",
        "cancel": "cancelled",
    },
    "closed": {"reopen": "reopened"},
    "cancelled": {},
}

#: Who moves which clock, written out again by hand: per move, its effect on the clocks and what
#: the vendor's people, the hospital's admins, the reporter/department and the system may do
#: (``may``: at once; ``asks``: a request the hospital answers; ``pause``: at once unless the
#: contract's clock rules or the 致命 severity need the hospital's agreement; ``no``).
EXPECTED_WHO = {
    "respond": ("stops response", "may", "no", "no", "may"),
    "start": ("none", "may", "no", "no", "may"),
    "require_onsite": ("starts on-site", "may", "no", "no", "may"),
    "arrive": ("stops on-site", "may", "no", "no", "may"),
    "hold": ("pauses", "pause", "no", "no", "may"),
    "wait_hospital": ("pauses", "pause", "no", "no", "may"),
    "resume": ("resumes", "may", "may", "no", "may"),
    "resolve": ("stops resolution", "may", "no", "no", "may"),
    "confirm": ("closes", "no", "may", "may", "may"),
    "auto_close": ("closes", "no", "no", "no", "may"),
    "reopen": ("restarts resolution", "no", "may", "may", "may"),
    "cancel": ("ends every running clock", "asks", "may", "may", "may"),
    "agree": ("as the move asked", "no", "may", "may", "may"),
    "refuse": ("none", "no", "may", "may", "may"),
}
KINDS = [VENDOR, HOSPITAL_ADMIN, HOSPITAL_USER, SYSTEM]


def _expected(action: str, actor: str) -> str:
    return "no" if actor == NOBODY else EXPECTED_WHO[action][1 + KINDS.index(actor)]


ACTIONS = sorted(EXPECTED_WHO)
SIDES = [*KINDS, NOBODY]
MOVES = [a for a in ACTIONS if a not in ANSWERS]

Z = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=Z)
AT = CREATED + timedelta(hours=1)
#: Enough written for every move that asks for something.
FULL = Fields(reason="等待备件", solution="更换网卡", root_cause="硬件", rating=5)


def test_the_tables_name_every_state_and_action():
    assert set(MAP) == set(TicketState.values)
    assert set(ACTIONS) == set(TRANSITIONS)


def test_one_vocabulary_of_states():
    """The contract templates name the service desk's states by code; the labels are only the
    service desk's, and 待确认 is what a resolved ticket waits for."""
    from weibao.contracts.template_schema import TicketState as TemplateState

    assert {s.value for s in TemplateState} == set(TicketState.values)
    assert not hasattr(TemplateState.resolved, "label")
    assert TicketState.RESOLVED.label == "待确认"


def test_who_moves_which_clock_is_the_table_written_here():
    assert WHO == EXPECTED_WHO


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("action", MOVES)
@pytest.mark.parametrize("state", list(MAP))
def test_every_move_from_every_state_by_every_side(state, action, side):
    target = MAP[state].get(action)
    rule = _expected(action, side)
    if target is None:
        # A move the state does not allow is refused as such, whoever asks.
        with pytest.raises(IllegalTransition) as info:
            apply_transition(Position(state, CREATED), action, AT, side, FULL)
        assert type(info.value) is IllegalTransition and info.value.field == "action"
        assert "不能执行" in str(info.value)
    elif rule == "no":
        with pytest.raises(NotYourMove, match="您不能对此工单执行"):
            apply_transition(Position(state, CREATED), action, AT, side, FULL)
    elif rule == "asks":
        # Asked of the hospital: the ticket stays where it is, so its clocks keep running.
        changes = apply_transition(Position(state, CREATED), action, AT, side, FULL)
        assert (changes.state, changes.requested, changes.clock_events) == (state, action, ())
        assert changes.fields["pending_action"] == action and changes.events[-1].kind == "request"
    else:
        # ``pause`` where no clock of the ticket would pause: made at once, like ``may``.
        changes = apply_transition(Position(state, CREATED), action, AT, side, FULL)
        assert changes.state == target and changes.missing == () and not changes.requested
        assert changes.events[-1].action == action and changes.events[-1].from_state == state


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("action", ANSWERS)
def test_an_answer_needs_a_request_and_the_hospital(action, side):
    if _expected(action, side) == "no":
        with pytest.raises(NotYourMove):
            apply_transition(Position("in_progress", CREATED, pending="cancel"), action, AT, side, FULL)
        return
    with pytest.raises(IllegalTransition, match="没有待医院确认的申请"):
        apply_transition(Position("in_progress", CREATED), action, AT, side, FULL)


#: A ticket whose resolution clock pauses on hold, where the contract does not let the vendor
#: pause it alone.
GUARDED = Position("in_progress", CREATED, needs_agreement=frozenset({"on_hold", "waiting_hospital"}))


@pytest.mark.parametrize("action", ["hold", "wait_hospital"])
def test_a_vendor_pause_the_contract_does_not_give_is_a_request(action):
    changes = apply_transition(GUARDED, action, AT, VENDOR, Fields(reason="等待备件"))
    assert changes.state == "in_progress" and changes.requested == action
    assert changes.fields == {"pending_action": action, "pending_reason": "等待备件", "pending_at": AT}
    assert changes.events == (
        Event(
            at=AT,
            kind="request",
            action=action,
            from_state="in_progress",
            body="等待备件",
            data={"request": action},
        ),
    )
    # The system (a replay of history) and a pause that stops no clock are made at once.
    assert (
        apply_transition(GUARDED, action, AT, SYSTEM, Fields(reason="x")).state == MAP["in_progress"][action]
    )
    other = {"on_hold", "waiting_hospital"} - {MAP["in_progress"][action]}
    free = Position("in_progress", CREATED, needs_agreement=frozenset(other))
    assert apply_transition(free, action, AT, VENDOR, Fields(reason="x")).state == MAP["in_progress"][action]


def test_a_request_without_its_reason_is_refused_for_the_missing_reason():
    changes = apply_transition(Position("new", CREATED), "cancel", AT, VENDOR, Fields())
    assert changes.missing == ("reason",)


PENDING = Position("in_progress", CREATED, pending="cancel", pending_reason="重复报修", pending_by="工程师甲")


@pytest.mark.parametrize("side", [HOSPITAL_ADMIN, HOSPITAL_USER])
def test_the_hospital_agrees_and_the_asked_move_is_made_then(side):
    changes = apply_transition(PENDING, "agree", AT, side, Fields(comment="同意"))
    assert changes.state == "cancelled" and changes.clock_events == ("cancelled",)
    assert changes.fields == {
        "pending_action": "",
        "pending_reason": "",
        "pending_at": None,
        "cancel_reason": "重复报修",
    }
    (event,) = changes.events
    assert (event.action, event.from_state, event.to_state, event.body) == (
        "cancel",
        "in_progress",
        "cancelled",
        "重复报修\n同意",
    )
    assert event.data == {"agreed": True, "requested_by": "工程师甲"}


def test_the_hospital_refuses_and_nothing_moves():
    changes = apply_transition(PENDING, "refuse", AT, HOSPITAL_ADMIN, Fields(reason="问题仍在"))
    assert changes.state == "in_progress" and changes.clock_events == ()
    assert changes.fields == {"pending_action": "", "pending_reason": "", "pending_at": None}
    assert changes.events[0].data == {"refused": "cancel", "requested_by": "工程师甲"}
    assert changes.events[0].body == "问题仍在"


def test_any_move_of_the_ticket_clears_a_pending_request():
    changes = apply_transition(PENDING, "resolve", AT, VENDOR, Fields(solution="重启", root_cause="配置"))
    assert changes.state == "resolved" and changes.fields["pending_action"] == ""
    # The hospital's own cancellation is immediate, request or not.
    assert (
        apply_transition(PENDING, "cancel", AT, HOSPITAL_USER, Fields(reason="已自行解决")).state
        == "cancelled"
    )


def test_an_unknown_action_is_refused():
    with pytest.raises(IllegalTransition, match="未知的操作"):
        apply_transition(Position("new", CREATED), "explode", AT, SYSTEM, Fields())


def _move(
    action: str, *, from_state: str, to_state: str, clock: str = "", body: str = "", data=None
) -> Event:
    return Event(
        at=AT,
        kind="transition",
        action=action,
        from_state=from_state,
        to_state=to_state,
        clock_event=clock,
        body=body,
        data=data or {},
    )


def _response(label: str) -> Event:
    return Event(at=AT, kind="sla", clock_event="responded", body=f"随“{label}”视为已响应")


# (state, action, what was written) → (new state, fields set, events recorded, required fields left empty)
CHANGES = [
    pytest.param(
        "new",
        "respond",
        Fields(),
        (
            "responded",
            {"responded_at": AT},
            [_move("respond", from_state="new", to_state="responded", clock="responded")],
            (),
        ),
        id="respond",
    ),
    pytest.param(
        "new",
        "start",
        Fields(),
        (
            "in_progress",
            {"responded_at": AT},
            [_response("开始处理"), _move("start", from_state="new", to_state="in_progress")],
            (),
        ),
        id="start-from-new-is-also-the-response",
    ),
    pytest.param(
        "responded",
        "start",
        Fields(comment="远程连接中"),
        (
            "in_progress",
            {},
            [_move("start", from_state="responded", to_state="in_progress", body="远程连接中")],
            (),
        ),
        id="start",
    ),
    pytest.param(
        "new",
        "require_onsite",
        Fields(),
        (
            "onsite_required",
            {"responded_at": AT},
            [
                _response("需要到场"),
                _move(
                    "require_onsite", from_state="new", to_state="onsite_required", clock="escalated_onsite"
                ),
            ],
            (),
        ),
        id="require-onsite-from-new",
    ),
    pytest.param(
        "onsite_required",
        "arrive",
        Fields(),
        (
            "onsite",
            {},
            [_move("arrive", from_state="onsite_required", to_state="onsite", clock="arrived")],
            (),
        ),
        id="arrive",
    ),
    pytest.param(
        "in_progress",
        "hold",
        Fields(reason="  等待厂商补丁 "),
        (
            "on_hold",
            {},
            [_move("hold", from_state="in_progress", to_state="on_hold", body="等待厂商补丁")],
            (),
        ),
        id="hold",
    ),
    pytest.param(
        "in_progress",
        "hold",
        Fields(reason="  "),
        ("on_hold", {}, [_move("hold", from_state="in_progress", to_state="on_hold")], ("reason",)),
        id="hold-without-reason",
    ),
    pytest.param(
        "onsite",
        "wait_hospital",
        Fields(reason="等待医院提供账号"),
        (
            "waiting_hospital",
            {},
            [
                _move(
                    "wait_hospital", from_state="onsite", to_state="waiting_hospital", body="等待医院提供账号"
                )
            ],
            (),
        ),
        id="wait-hospital",
    ),
    pytest.param(
        "waiting_hospital",
        "resume",
        Fields(),
        ("in_progress", {}, [_move("resume", from_state="waiting_hospital", to_state="in_progress")], ()),
        id="resume",
    ),
    pytest.param(
        "in_progress",
        "resolve",
        Fields(solution=" 更换网卡 ", root_cause="硬件"),
        (
            "resolved",
            {"resolved_at": AT, "solution": "更换网卡", "root_cause": "硬件"},
            [
                _move(
                    "resolve",
                    from_state="in_progress",
                    to_state="resolved",
                    clock="resolved",
                    body="更换网卡",
                    data={"root_cause": "硬件"},
                )
            ],
            (),
        ),
        id="resolve",
    ),
    pytest.param(
        "new",
        "resolve",
        Fields(solution="远程重启", root_cause="配置"),
        (
            "resolved",
            {"responded_at": AT, "resolved_at": AT, "solution": "远程重启", "root_cause": "配置"},
            [
                _response("已解决"),
                _move(
                    "resolve",
                    from_state="new",
                    to_state="resolved",
                    clock="resolved",
                    body="远程重启",
                    data={"root_cause": "配置"},
                ),
            ],
            (),
        ),
        id="resolve-from-new-is-also-the-response",
    ),
    pytest.param(
        "reopened",
        "resolve",
        Fields(),
        (
            "resolved",
            {"resolved_at": AT, "solution": "", "root_cause": ""},
            [_move("resolve", from_state="reopened", to_state="resolved", clock="resolved")],
            ("solution", "root_cause"),
        ),
        id="resolve-without-solution",
    ),
    pytest.param(
        "resolved",
        "confirm",
        Fields(rating=4, comment="响应及时"),
        (
            "closed",
            {"closed_at": AT, "rating": 4, "rating_comment": "响应及时"},
            [
                _move(
                    "confirm",
                    from_state="resolved",
                    to_state="closed",
                    clock="closed",
                    body="响应及时",
                    data={"rating": 4},
                )
            ],
            (),
        ),
        id="confirm",
    ),
    pytest.param(
        "resolved",
        "confirm",
        Fields(),
        (
            "closed",
            {"closed_at": AT},
            [_move("confirm", from_state="resolved", to_state="closed", clock="closed")],
            ("rating",),
        ),
        id="confirm-without-rating",
    ),
    pytest.param(
        "resolved",
        "auto_close",
        Fields(),
        (
            "closed",
            {"closed_at": AT},
            [_move("auto_close", from_state="resolved", to_state="closed", clock="closed")],
            (),
        ),
        id="auto-close",
    ),
    pytest.param(
        "closed",
        "reopen",
        Fields(reason="仍然报错"),
        (
            "reopened",
            {"resolved_at": None, "closed_at": None},
            [_move("reopen", from_state="closed", to_state="reopened", clock="reopened", body="仍然报错")],
            (),
        ),
        id="reopen",
    ),
    pytest.param(
        "new",
        "cancel",
        Fields(reason="重复报修"),
        (
            "cancelled",
            {"cancel_reason": "重复报修"},
            [_move("cancel", from_state="new", to_state="cancelled", clock="cancelled", body="重复报修")],
            (),
        ),
        id="cancel-from-new-is-no-response",
    ),
    pytest.param(
        "on_hold",
        "cancel",
        Fields(reason="用户已自行解决"),
        (
            "cancelled",
            {"cancel_reason": "用户已自行解决"},
            [
                _move(
                    "cancel",
                    from_state="on_hold",
                    to_state="cancelled",
                    clock="cancelled",
                    body="用户已自行解决",
                )
            ],
            (),
        ),
        id="cancel",
    ),
]


@pytest.mark.parametrize(("state", "action", "written", "expected"), CHANGES)
def test_what_each_move_records(state, action, written, expected):
    changes = apply_transition(Position(state, CREATED), action, AT, SYSTEM, written)
    target, fields, events, missing = expected
    assert (changes.state, changes.fields, list(changes.events), changes.missing) == (
        target,
        fields,
        events,
        missing,
    )
    assert changes.clock_events == tuple(e.clock_event for e in events if e.clock_event)


@pytest.mark.parametrize(
    ("written", "at", "field"),
    [
        (Fields(rating=0), AT, "rating"),
        (Fields(rating=6), AT, "rating"),
        (Fields(rating=5), CREATED - timedelta(seconds=1), "at"),
    ],
)
def test_a_rating_out_of_range_or_a_time_before_the_report_is_refused(written, at, field):
    with pytest.raises(IllegalTransition) as info:
        apply_transition(Position("resolved", CREATED), "confirm", at, HOSPITAL_USER, written)
    assert info.value.field == field


def test_a_move_at_the_instant_of_the_report_is_allowed():
    changes = apply_transition(Position("new", CREATED), "respond", CREATED, VENDOR, Fields())
    assert changes.fields == {"responded_at": CREATED}


def test_the_partial_indexes_of_open_tickets_name_every_open_state():
    from weibao.servicedesk.choices import OPEN_STATES
    from weibao.servicedesk.models.ticket import OPEN_STATE_CODES

    assert sorted(OPEN_STATE_CODES) == sorted(OPEN_STATES)
