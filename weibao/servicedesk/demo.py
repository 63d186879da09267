"""Demo tickets: a few days of a PACS contract's life, in every state, with live clocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from weibao.contracts.models import Contract

from .models import Ticket
from .services import ticket_create, ticket_transition

# (minutes ago, term number, title, channel, actions as (minutes after creation, action, extra))
STORIES = [
    (20, 2, "3号工作站无法调阅影像", "qr_form", []),
    (55, 2, "CT 图像传输到 PACS 延迟", "phone", [(5, "respond", {})]),
    (150, 5, "误删一名患者的检查记录，需要恢复", "phone", [(10, "respond", {}), (30, "start", {})]),
    (
        600,
        11,
        "热线：报告打印格式错乱",
        "phone",
        [(3, "respond", {}), (20, "resolve", {"solution": "重新安装打印模板", "root_cause": "模板被覆盖"})],
    ),
    (
        1500,
        3,
        "增加超声报告的图片数量上限",
        "web",
        [(60, "respond", {}), (120, "wait_hospital", {"reason": "等待科室确认需求细节"})],
    ),
    (
        2900,
        2,
        "胃镜工作站图像采集卡无信号",
        "phone",
        [
            (30, "respond", {}),
            (90, "require_onsite", {}),
            (300, "arrive", {}),
            (400, "resolve", {"solution": "更换采集卡线缆", "root_cause": "线缆老化"}),
            (900, "confirm", {"rating": 5, "comment": "处理及时"}),
        ],
    ),
    (
        4300,
        1,
        "咨询：如何导出胶片打印统计",
        "wechat",
        [
            (200, "respond", {}),
            (240, "resolve", {"solution": "已远程演示", "root_cause": "操作咨询"}),
            (600, "confirm", {"rating": 4}),
        ],
    ),
]


def demo_tickets(ctx: dict[str, Any]) -> list[str]:
    contract = Contract.objects.filter(template_code="pacs-huizhou").select_related("hospital").first()
    if contract is None or Ticket.objects.filter(contract=contract).exists():
        return []
    users = ctx.get("users", {})
    radiology = users.get("demo-radiology")
    engineer = users.get("demo-engineer")
    department = radiology.memberships.first().department if radiology else None
    system = contract.systems.first()
    now = timezone.now()
    made = 0
    for minutes_ago, number, title, channel, actions in STORIES:
        created = now - timedelta(minutes=minutes_ago)
        ticket = ticket_create(
            actor=None,
            contract=contract,
            term=contract.terms.get(number=number),
            title=title,
            channel=channel,
            reporter=radiology,
            department=department,
            system=system,
            created_at=created,
            assignee=engineer if actions else None,
        )
        for after, action, extra in actions:
            ticket = ticket_transition(
                actor=None, ticket=ticket, action=action, at=created + timedelta(minutes=after), **extra
            )
        made += 1
    return [f"演示工单 / demo tickets: {made}"]
