"""Named choices of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    HOSPITAL = "hospital", _("医院")
    VENDOR = "vendor", _("厂商")
    AUDITOR = "auditor", _("监理/审计")
    PLATFORM = "platform", _("平台")


class Role(models.TextChoices):
    HOSPITAL_ADMIN = "hospital_admin", _("医院管理员（信息科）")
    DEPARTMENT_USER = "department_user", _("科室用户")
    VENDOR_MANAGER = "vendor_manager", _("厂商项目经理")
    VENDOR_ENGINEER = "vendor_engineer", _("厂商工程师")
    AUDITOR = "auditor", _("监理/审计")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


#: Which roles a membership of an organisation of each kind may carry.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrgKind.HOSPITAL: frozenset({Role.HOSPITAL_ADMIN, Role.DEPARTMENT_USER}),
    OrgKind.VENDOR: frozenset({Role.VENDOR_MANAGER, Role.VENDOR_ENGINEER}),
    OrgKind.AUDITOR: frozenset({Role.AUDITOR}),
    OrgKind.PLATFORM: frozenset({Role.PLATFORM_ADMIN}),
}

#: Roles that administer their organisation (its users, its settings).
ADMIN_ROLES = frozenset({Role.HOSPITAL_ADMIN, Role.VENDOR_MANAGER, Role.PLATFORM_ADMIN})
