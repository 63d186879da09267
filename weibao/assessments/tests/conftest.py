"""Contracts from the seed templates and tickets with explicit timestamps, built through the
services (no rows written behind their back)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from weibao.accounts.choices import Role
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk import services as sd
from weibao.testing.factories import member

BJ = ZoneInfo("Asia/Shanghai")


def at(day: str, hhmm: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=BJ)


class Desk:
    """Tickets of one contract at given instants."""

    def __init__(self, contract, admin):
        self.contract, self.admin = contract, admin

    def ticket(
        self,
        created: datetime,
        *,
        respond_after: timedelta | None = timedelta(minutes=20),
        close: bool = True,
        term: int = 2,
        severity: str | None = None,
        vendor_caused: bool = False,
        adverse: bool = False,
        title: str = "故障",
    ):
        contract = self.contract
        t = sd.ticket_create(
            actor=None,
            contract=contract,
            term=contract.terms.get(number=term),
            severity=contract.severities.get(code=severity) if severity else None,
            title=title,
            created_at=created,
        )
        if respond_after is not None:
            sd.ticket_transition(actor=None, ticket=t, action="respond", at=created + respond_after)
            if close:
                done = created + respond_after + timedelta(minutes=30)
                sd.ticket_transition(
                    actor=None, ticket=t, action="resolve", at=done, solution="已修复", root_cause="配置"
                )
                sd.ticket_transition(
                    actor=None, ticket=t, action="confirm", at=done + timedelta(minutes=5), rating=5
                )
        if vendor_caused:
            sd.ticket_flag(
                actor=self.admin, ticket=t, flag="vendor_caused", value=True, reason="升级未提前通知"
            )
        if adverse:
            sd.ticket_flag(
                actor=self.admin, ticket=t, flag="adverse_event", value=True, reason="影响患者结算"
            )
        t.refresh_from_db()
        return t


@pytest.fixture
def make_contract(hospital, vendor):
    admin = member(hospital, Role.HOSPITAL_ADMIN)

    def make(code: str, *, start: date = date(2026, 1, 1), amount: Decimal | None = None):
        contract = contract_create_from_template(
            actor=admin,
            template=get_template(code),
            hospital=hospital,
            vendor=vendor,
            start=start,
            amount=amount,
        )
        return contract, Desk(contract, admin), admin

    return make
