"""The workflow map and what each move records, as tables: no database.

The expected map is written out here by hand (not read from ``TRANSITIONS``), so a change to the
workflow has to change this table too."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from weibao.servicedesk.choices import TicketState
from weibao.servicedesk.workflow import (
    BOTH,
    HOSPITAL,
    NOBODY,
    SYSTEM,
    TRANSITIONS,
    WORK,
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

#: Which actor sides may make each move (the system makes every move; only it auto-closes).
TAKERS: dict[str, set[str]] = {
    **{
        action: {WORK, BOTH, SYSTEM}
        for action in (
            "respond",
            "start",
            "require_onsite",
            "arrive",
            "hold",
            "wait_hospital",
            "resume",
            "resolve",
        )
    },
    "confirm": {HOSPITAL, BOTH, SYSTEM},
    "reopen": {HOSPITAL, BOTH, SYSTEM},
    "cancel": {WORK, HOSPITAL, BOTH, SYSTEM},
    "auto_close": {SYSTEM},
}
ACTIONS = sorted(TAKERS)
SIDES = [WORK, HOSPITAL, BOTH, SYSTEM, NOBODY]

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


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", list(MAP))
def test_every_move_from_every_state_by_every_side(state, action, side):
    target = MAP[state].get(action)
    if target is None:
        # A move the state does not allow is refused as such, whoever asks.
        with pytest.raises(IllegalTransition) as info:
            apply_transition(Position(state, CREATED), action, AT, side, FULL)
        assert type(info.value) is IllegalTransition and info.value.field == "action"
        assert "不能执行" in str(info.value)
    elif side not in TAKERS[action]:
        with pytest.raises(NotYourMove, match="您不能对此工单执行"):
            apply_transition(Position(state, CREATED), action, AT, side, FULL)
    else:
        changes = apply_transition(Position(state, CREATED), action, AT, side, FULL)
        assert changes.state == target and changes.missing == ()
        assert changes.events[-1].action == action and changes.events[-1].from_state == state


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
        apply_transition(Position("resolved", CREATED), "confirm", at, HOSPITAL, written)
    assert info.value.field == field


def test_a_move_at_the_instant_of_the_report_is_allowed():
    changes = apply_transition(Position("new", CREATED), "respond", CREATED, WORK, Fields())
    assert changes.fields == {"responded_at": CREATED}
