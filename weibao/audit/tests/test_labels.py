"""Every action the code records reads as words on the audit pages, not as its code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from weibao.audit.labels import action_label
from weibao.audit.services import audit_record
from weibao.servicedesk.workflow import TRANSITIONS

ROOT = Path(__file__).resolve().parents[2]


def recorded_actions() -> set[str]:
    """The literal action codes passed to the audit services anywhere outside the tests."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found |= set(re.findall(r'\baction="([a-z_]+\.[a-z_.]+)"', path.read_text("utf-8")))
    return found


@pytest.mark.parametrize("code", sorted(recorded_actions()))
def test_every_recorded_action_has_words(code):
    label = action_label(code)
    assert label != code and not re.search(r"[a-z_]{3,}", label), label


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_ticket_move_has_words(action):
    assert action_label(f"ticket.{action}") == f"工单：{TRANSITIONS[action].label}"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("auth.login", "登录"),
        ("user.mfa_reset", "用户：重置两步验证"),
        ("ticket.flag.vendor_caused", "工单：标记乙方原因"),
        ("contract.create", "合同：新建"),
        ("made.up", "made.up"),
    ],
)
def test_labels(code, label):
    assert action_label(code) == label


@pytest.mark.django_db
def test_the_audit_pages_show_words(client_for, hospital, hospital_admin):
    audit_record(action="auth.login", actor=hospital_admin, organization=hospital)
    page = client_for(hospital_admin).get(reverse("audit:event_list")).content.decode()
    assert "<td>登录</td>" in page and "auth.login" not in page


@pytest.mark.django_db
def test_the_audit_list_filters_by_words(client_for, hospital, hospital_admin):
    audit_record(action="auth.login", actor=hospital_admin, organization=hospital)
    audit_record(action="user.password_change", actor=hospital_admin, organization=hospital)
    client = client_for(hospital_admin)
    page = client.get(reverse("audit:event_list"), {"action": "修改密码"}).content.decode()
    assert "用户：修改密码" in page and "<td>登录</td>" not in page
    page = client.get(reverse("audit:event_list"), {"action": "auth."}).content.decode()
    assert "<td>登录</td>" in page and "用户：修改密码" not in page
