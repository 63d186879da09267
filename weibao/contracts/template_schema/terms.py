"""Service terms and fault classes with their targets; clock rules, support lines, contacts."""

from __future__ import annotations

from collections import Counter

from pydantic import Field, model_validator

from .scalars import Code, Text, _Model
from .targets import Escalation, Target
from .vocabulary import Category, Channel, Party, TicketState

_CLOCKS = ("response", "onsite", "resolution")


class ServiceTerm(_Model):
    """One row of the seed's service table (服务项目)."""

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
    separately_paid: bool = False
    note: str | None = None


class Severity(_Model):
    """A fault class (故障等级) with its own targets."""

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
    paused_in: list[TicketState] = Field(default_factory=list)
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
