"""The home pages' bench: a vendor manager over many contracts, and a signed-in session per role.

``load`` calls :func:`make_manager_contracts` before the tickets are generated, so the generator
spreads the tickets over those contracts too: with 200 of them next to the demo's few, the bench
manager's home page covers nearly all the tickets of the data set (the hardest case for it). The
``home-*`` scenarios GET ``/`` with a session cookie (the home page is a page, not an API): the
sessions are made in-process here, hospital admins' with their second factor already given.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

VENDOR = "BENCHV"
MANAGER = "bench-manager"
ENGINEERS = [f"bench-engineer-{i}" for i in range(1, 9)]
AUDITOR = "demo-auditor"

#: Scenario → the user whose home page it reads.
HOME_USERS = {
    "home-department": "demo-radiology",
    "home-hospital": "demo-hospital",
    "home-manager": MANAGER,
    "home-engineer": "demo-engineer",
    "home-auditor": AUDITOR,
}


def make_manager_contracts(count: int, *, per_hospital: int = 10) -> int:
    """A vendor with a manager and engineers, and ``count`` PACS contracts with it over
    ``count / per_hospital`` hospitals. Idempotent; returns how many contracts the vendor has.
    The demo auditor is granted the demo hospital (HZZD) so the auditor's page has something."""
    from weibao.accounts.choices import OrgKind, Role
    from weibao.accounts.models import AccessGrant, Membership, Organization, User
    from weibao.contracts.models import Contract
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template

    vendor, _ = Organization.objects.get_or_create(
        short_code=VENDOR, defaults={"name": "压测厂商（200 合同）", "kind": OrgKind.VENDOR}
    )
    for username, role in [(MANAGER, Role.VENDOR_MANAGER), *((e, Role.VENDOR_ENGINEER) for e in ENGINEERS)]:
        user, made = User.objects.get_or_create(username=username, defaults={"display_name": username})
        if made:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, organization=vendor, defaults={"role": role})
    auditor = User.objects.filter(username=AUDITOR).first()
    demo_hospital = Organization.objects.filter(short_code="HZZD").first()
    if auditor and demo_hospital:
        AccessGrant.objects.get_or_create(user=auditor, hospital=demo_hospital)
    template = get_template("pacs-huizhou")
    have = Contract.objects.filter(vendor=vendor).count()
    n = have
    while n < count:
        h = n // per_hospital + 1
        hospital, _ = Organization.objects.get_or_create(
            short_code=f"BH{h:03d}", defaults={"name": f"压测医院{h:03d}", "kind": OrgKind.HOSPITAL}
        )
        contract_create_from_template(
            actor=None,
            template=template,
            hospital=hospital,
            vendor=vendor,
            start=date(2025, 1, 1),
            end=date(2027, 12, 31),
            amount=Decimal("100000"),
            code=f"BENCH-{n + 1:04d}",
            title=f"压测合同 {n + 1:04d}",
        )
        n += 1
    return n


def engineers_of_bench_vendor() -> list[int]:
    from weibao.accounts.models import User

    return list(User.objects.filter(username__in=[MANAGER, *ENGINEERS]).values_list("pk", flat=True))


def home_cookies() -> dict[str, str]:
    """A session cookie per home scenario (``sessionid=…``), second factor given where needed."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from weibao.accounts.mfa import has_device, mfa_required
    from weibao.accounts.models import User
    from weibao.testing.mfa import totp_device

    cookies = {}
    for scenario, username in HOME_USERS.items():
        user = User.objects.get(username=username)
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        client = Client()
        client.force_login(user)
        if mfa_required(user) or has_device(user):
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
            session.save()
        cookies[scenario] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def check_home(base: str, cookies: dict[str, str]) -> dict[str, int]:
    """Preflight: each role's home page answers 200 with its own panel; returns page sizes."""
    import urllib.request

    marks = {
        "home-department": 'id="report-button"',
        "home-hospital": 'id="compliance-vendor"',
        "home-manager": 'id="workload"',
        "home-engineer": "我的今天",
        "home-auditor": 'id="auditor-contracts"',
    }
    sizes = {}
    for scenario, cookie in cookies.items():
        request = urllib.request.Request(base + "/", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=120) as r:
            body = r.read().decode()
            assert r.status == 200 and marks[scenario] in body, (scenario, r.status, r.url)
            sizes[scenario] = len(body)
    return sizes
