"""Service terms and fault classes with their targets; clock rules, support lines, contacts."""

from __future__ import annotations

from collections import Counter

from pydantic import Field, model_validator

from .scalars import Code, Text, _Model
from .targets import Escalation, Target
from .vocabulary import Category, Channel, Party, TicketState

_CLOCKS = ("response", "onsite", "resolution")


class ServiceWindow(_Model):
    """When a term's service is offered, where the seed states only that ("法定工作日", a 7×8 or
    7×24 phone line): not a deadline. The ticket shows "服务时间：<text>"; its clocks come from
    its severity's targets, if any, and the window starts no clock of its own."""

    calendar: Code
    text: Text


class ServiceTerm(_Model):
    """One row of the seed's service table (服务项目). ``service_window`` is a window that is no
    deadline (see :class:`ServiceWindow`); ``by_severity`` says the term's targets are its fault
    class's (故障等级), so a ticket of it must name a severity when reported."""

    number: int = Field(ge=1)
    mark: str | None = Field(default=None, pattern=r"^[▲★]$")
    group: str | None = None
    ref: str | None = None
    category: Category
    item: Text
    content: Text
    mode_text: str | None = None
    response_text: str | None = None
    remark: str | None = None
    detail: str | None = None
    """The seed's fuller wording of this row elsewhere in the document (具体维护内容 ...)."""
    channels: list[Channel] = Field(default_factory=list)
    response: Target | None = None
    onsite: Target | None = None
    resolution: Target | None = None
    escalate_onsite: Escalation | None = None
    service_window: ServiceWindow | None = None
    by_severity: bool = False
    separately_paid: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _window_is_no_deadline(self) -> ServiceTerm:
        if self.service_window is not None and self.response is not None:
            raise ValueError(
                "a service window is not a response deadline: give 'service_window' or 'response', not both"
            )
        return self


class Severity(_Model):
    """A fault class (故障等级) with its own targets. A template lists its severities from the most
    severe (致命, 一级) down: the first is the one whose clocks never pause without the hospital."""

    code: Code
    label: Text
    definition: Text
    response: Target | None = None
    onsite: Target | None = None
    resolution: Target | None = None
    escalate_onsite: Escalation | None = None
    remedy: str | None = None
    text: str | None = None
    note: str | None = None


class ClockRule(_Model):
    """In which states a clock pauses (``paused_in``), and which of those pauses the vendor may
    make alone (``vendor_may_pause``): every other pause of the clock by the vendor is a request
    the hospital agrees to, and the clock runs until it does. The highest severity's clocks
    never pause without the hospital's agreement, whatever this says."""

    paused_in: list[TicketState] = Field(default_factory=list)
    vendor_may_pause: list[TicketState] = Field(default_factory=list)
    text: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> ClockRule:
        dup = [s.value for s, n in Counter(self.paused_in).items() if n > 1]
        if dup:
            raise ValueError(f"state listed twice: {', '.join(dup)}")
        bad = {TicketState.new, TicketState.resolved, TicketState.closed, TicketState.cancelled}
        wrong = [s.value for s in self.paused_in if s in bad]
        if wrong:
            raise ValueError(
                f"a clock cannot pause in {', '.join(wrong)}: it starts in 'new' and has stopped by "
                "'resolved', 'closed' or 'cancelled'"
            )
        stray = [s.value for s in self.vendor_may_pause if s not in self.paused_in]
        if stray:
            raise ValueError(f"vendor_may_pause names states the clock does not pause in: {', '.join(stray)}")
        return self


class ClockRules(_Model):
    """In which ticket states each clock pauses (a clock runs in every other open state)."""

    response: ClockRule = Field(default_factory=ClockRule)
    onsite: ClockRule = Field(default_factory=lambda: ClockRule(paused_in=[TicketState.waiting_hospital]))
    resolution: ClockRule = Field(default_factory=lambda: ClockRule(paused_in=[TicketState.waiting_hospital]))
    text: str | None = None


class SupportLine(_Model):
    code: Code
    name: Text
    calendar: Code
    channels: list[Channel] = Field(min_length=1)
    scope: str | None = None
    text: str | None = None


class Contact(_Model):
    """A role the seed names; names and numbers are filled in when the contract is signed."""

    code: Code
    role: Text
    party: Party
    escalation_level: int | None = Field(default=None, ge=1)
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    text: str | None = None
