"""The header menu by role: a department user is not shown the entries of running the service
(duty, emergencies, remote access, residency, backups, probes); the hospital's IT is."""

from __future__ import annotations

import pytest
from django.utils import translation

from weibao.accounts.choices import Role
from weibao.core.navigation import flat, nav_for
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db

SERVICE_ENTRIES = {"值班", "应急", "远程运维", "驻场", "备份", "探针", "切换方案"}


def _labels(user):
    with translation.override("zh-hans"):
        return {str(item["label"]) for item in flat(nav_for(user, "/"))}


def test_a_department_user_sees_no_service_running_entries(hospital):
    labels = _labels(member(hospital, Role.DEPARTMENT_USER))
    assert "工单" in labels and not labels & SERVICE_ENTRIES


@pytest.mark.parametrize("role", [Role.HOSPITAL_ADMIN, Role.VENDOR_ENGINEER])
def test_the_service_side_sees_them(hospital, vendor, role):
    user = member(hospital if role == Role.HOSPITAL_ADMIN else vendor, role)
    assert _labels(user) >= SERVICE_ENTRIES
