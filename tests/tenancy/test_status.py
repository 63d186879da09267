"""The status page describes the installation, not a hospital: the platform admins' alone."""

from __future__ import annotations

import pytest

from weibao.accounts.choices import Role
from weibao.testing.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_the_status_page_is_the_platform_admins_alone(client_for, hospital, platform_admin):
    """运行状态 describes the installation (its processes, its queue), not a hospital's data:
    platform admins see it; hospital admins, vendor managers and everyone else get 403."""
    from weibao.core.scheduler import beat
    from weibao.testing.factories import VendorFactory, member

    beat(started_at=None)
    others = [
        member(hospital, Role.HOSPITAL_ADMIN),
        member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital)),
        member(VendorFactory(), Role.VENDOR_MANAGER),
    ]
    for user in others:
        client = client_for(user)
        assert client.get("/status/").status_code == 403
        api = client.get("/api/v1/status")
        assert api.status_code == 403 and api.json()["code"] == "forbidden"
        assert 'href="/status/"' not in client.get("/").content.decode()
    admin = client_for(platform_admin)
    assert admin.get("/status/").status_code == 200
    assert admin.get("/api/v1/status").json()["workers"][0]["alive"] is True
    assert 'href="/status/"' in admin.get("/").content.decode()
