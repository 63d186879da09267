"""A Chinese word that is both a ticket state and a button (挂起, 重新打开, 已到场, 等待医院) and a
clock and a button (响应) carries a context, so another language tells them apart."""

from __future__ import annotations

from django.utils import translation

from weibao.servicedesk.choices import ClockKind, TicketState
from weibao.servicedesk.workflow import TRANSITIONS

PAIRS = [
    (TicketState.ON_HOLD.label, "hold", "On hold", "Put on hold"),
    (TicketState.REOPENED.label, "reopen", "Reopened", "Reopen"),
    (TicketState.ONSITE.label, "arrive", "On site", "Arrived on site"),
    (TicketState.WAITING_HOSPITAL.label, "wait_hospital", "Waiting for hospital", "Wait for the hospital"),
    (ClockKind.RESPONSE.label, "respond", "Response", "Respond"),
]


def test_the_same_chinese_word_reads_differently_as_a_state_and_as_a_button():
    with translation.override("zh-hans"):
        for state, action, _, _ in PAIRS:
            assert str(state) == str(TRANSITIONS[action].label)
    with translation.override("en"):
        for state, action, as_state, as_button in PAIRS:
            assert (str(state), str(TRANSITIONS[action].label)) == (as_state, as_button)
