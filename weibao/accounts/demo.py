"""Demo organisations and one user per role.

The hospitals are those of the five seed documents; the vendors, the auditor and every person
are fictional. Passwords are random and printed once, when the user is created.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .choices import OrgKind, Role
from .models import AccessGrant, Campus, Department, Membership, Organization, User
from .services import access_grant_create, generate_password

HOSPITALS = [
    # (short code, name, campuses, departments)
    ("HZZD", "惠州市中大惠亚医院", [], ["放射科", "超声科", "内镜中心", "病理科", "信息科", "体检中心"]),
    ("GXZY", "广西中医药大学第一附属医院", ["东葛", "仙葫"], ["放射科", "超声科", "信息科"]),
    ("YSRM", "演示市人民医院（HIS 三年维保）", [], ["门诊部", "住院部", "药剂科", "信息科"]),
    ("WHZX", "武汉市中心医院", [], ["医保办", "病案室", "信息科"]),
    ("ZHWJ", "镇海区卫生健康局", [], ["信息中心", "基层卫生科"]),
]
VENDORS = [
    ("DEMOPACS", "演示影像科技有限公司（虚构）"),
    ("DEMOHIS", "演示医疗信息有限公司（虚构）"),
    ("DEMODRG", "演示数据智能有限公司（虚构）"),
    ("DEMOREG", "演示区域健康科技有限公司（虚构）"),
]
AUDITOR = ("DEMOJL", "演示工程监理有限公司（虚构）")
PLATFORM = ("WBPLAT", "维保平台运营")

# (username, display name, org code, role, department name)
USERS = [
    ("demo-admin", "平台管理员", "WBPLAT", Role.PLATFORM_ADMIN, None),
    ("demo-hospital", "信息科 张工", "HZZD", Role.HOSPITAL_ADMIN, None),
    ("demo-radiology", "放射科 李医生", "HZZD", Role.DEPARTMENT_USER, "放射科"),
    ("demo-manager", "项目经理 王经理", "DEMOPACS", Role.VENDOR_MANAGER, None),
    ("demo-engineer", "工程师 赵工", "DEMOPACS", Role.VENDOR_ENGINEER, None),
    ("demo-auditor", "监理 陈工", "DEMOJL", Role.AUDITOR, None),
]


def _org(code: str, name: str, kind: str) -> Organization:
    org, _created = Organization.objects.get_or_create(short_code=code, defaults={"name": name, "kind": kind})
    return org


def demo_organisations(ctx: dict[str, Any]) -> list[str]:
    orgs: dict[str, Organization] = {}
    for code, name, campuses, departments in HOSPITALS:
        hospital = orgs[code] = _org(code, name, OrgKind.HOSPITAL)
        campus_objs = [Campus.objects.get_or_create(hospital=hospital, name=c)[0] for c in campuses] or [None]
        for campus in campus_objs:
            for dept in departments:
                Department.objects.get_or_create(hospital=hospital, campus=campus, name=dept)
    for code, name in VENDORS:
        orgs[code] = _org(code, name, OrgKind.VENDOR)
    orgs[AUDITOR[0]] = _org(*AUDITOR, OrgKind.AUDITOR)
    orgs[PLATFORM[0]] = _org(*PLATFORM, OrgKind.PLATFORM)
    ctx["orgs"] = orgs
    return []


def demo_users(ctx: dict[str, Any]) -> list[str]:
    orgs: dict[str, Organization] = ctx["orgs"]
    lines: list[str] = []
    shown = []
    for username, display, org_code, role, dept_name in USERS:
        org = orgs[org_code]
        user = User.objects.filter(username=username).first()
        password = None
        if user is None or ctx.get("reset_passwords"):
            password = generate_password()
            if user is None:
                user = User(username=username, display_name=display)
            user.set_password(password)
            # Demo logins are meant to be tried at once; real users created by an admin must
            # change their password at first login.
            user.must_change_password = False
            user.password_changed_at = timezone.now()
            user.save()
        department = Department.objects.filter(hospital=org, name=dept_name).first() if dept_name else None
        Membership.objects.get_or_create(
            user=user, organization=org, role=role, defaults={"department": department}
        )
        shown.append((username, password, f"{org.name} · {Role(role).label}"))
    ctx["users"] = {u: User.objects.get(username=u) for u, *_ in USERS}
    if any(p for _, p, _ in shown):
        lines.append("演示账户 / demo logins (密码只显示这一次 / passwords are shown once):")
        for username, password, what in shown:
            lines.append(f"  {username:<16} {password or '(unchanged)':<18} {what}")
        lines.append(
            "  管理员首次登录须绑定身份验证器（两步验证）/ admins enrol an authenticator app at first sign-in"
        )
    else:
        lines.append(
            "演示账户已存在 / demo users exist: "
            + ", ".join(u for u, *_ in USERS)
            + " — `weibao demo --reset-passwords` 生成新密码 / prints new passwords"
        )
    return lines


def demo_auditor_grants(ctx: dict[str, Any]) -> list[str]:
    """The hospital admin grants the demo auditor read access to the hospital, as a hospital
    would before an audit: the auditor can then read its contracts, tickets and audit trail."""
    users: dict[str, User] = ctx["users"]
    admin, auditor = users["demo-hospital"], users["demo-auditor"]
    hospitals = [m.organization for m in admin.active_memberships() if m.role == Role.HOSPITAL_ADMIN]
    for hospital in hospitals:
        if not AccessGrant.objects.filter(user=auditor, hospital=hospital).exists():
            access_grant_create(actor=admin, user=auditor, hospital=hospital)
    return []
