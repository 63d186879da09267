"""Users, organisations (hospitals, vendors, auditors, the platform), and memberships."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import Scope, TenantModel, TenantQuerySet, user_scope

from .choices import ADMIN_ROLES, OrgKind, Role


class User(AbstractUser):
    """A person who logs in. What they may see comes from their memberships, never from here."""

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    #: What the user may see, once :func:`weibao.core.tenancy.user_scope` has worked it out (not a
    #: column: a user object lives for one request, and an API token's cached user keeps it).
    scope: Scope | None = None

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def active_memberships(self) -> list[Membership]:
        """The user's memberships, loaded once per request (the user object lives per request)."""
        cached = getattr(self, "_memberships_cache", None)
        if cached is None:
            cached = list(
                Membership.objects.filter(user=self, is_active=True).select_related(
                    "organization", "department"
                )
            )
            self._memberships_cache = cached
        return cached

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or any(m.role == Role.PLATFORM_ADMIN for m in self.active_memberships())

    def has_role(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.active_memberships())

    def admin_org_ids(self) -> set[int]:
        """Organisations this user administers."""
        return {m.organization_id for m in self.active_memberships() if m.role in ADMIN_ROLES}

    @property
    def primary_membership(self) -> Membership | None:
        memberships = self.active_memberships()
        return memberships[0] if memberships else None


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrganizationQuerySet:
        """Own organisations, hospitals one can see records of, vendors contracted with them."""
        scope = user_scope(user)
        if scope.everything:
            return self
        ids = set(scope.org_ids) | set(scope.hospital_ids) | set(scope.contract_hospital_ids)
        ids |= set(scope.partner_org_ids)
        return self.filter(pk__in=ids)


class Organization(models.Model):
    """A hospital, a vendor, an auditor (监理/审计) or the platform operator."""

    name = models.CharField(_("名称"), max_length=128, unique=True)
    short_code = models.CharField(
        _("简称代码"),
        max_length=12,
        unique=True,
        help_text=_("大写字母和数字，用于工单编号前缀，如 HZZD"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    address = models.CharField(_("地址"), max_length=256, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=64, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Campus(TenantModel):
    """院区: a site of a hospital (广西中医药大学第一附属医院 has 东葛 and 仙葫)."""

    hospital = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="campuses")
    name = models.CharField(_("院区名称"), max_length=64)
    address = models.CharField(_("地址"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("院区")
        verbose_name_plural = _("院区")
        constraints = [models.UniqueConstraint(fields=["hospital", "name"], name="campus_unique_name")]
        ordering = ["hospital_id", "name"]

    def __str__(self) -> str:
        return self.name


class Department(TenantModel):
    """科室: 放射科, 超声科, 内镜中心, 病理科, 信息科 …; department users report from here."""

    hospital = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="departments")
    campus = models.ForeignKey(
        Campus, on_delete=models.SET_NULL, null=True, blank=True, related_name="departments"
    )
    name = models.CharField(_("科室名称"), max_length=64)
    phone = models.CharField(_("科室电话"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "campus", "name"], name="department_unique_name")
        ]
        ordering = ["hospital_id", "name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(TenantQuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        """Memberships are administrative data: admins see their organisations' members, others
        their own memberships."""
        if user_scope(user).everything:
            return self
        return self.filter(models.Q(organization_id__in=user.admin_org_ids()) | models.Q(user_id=user.pk))


class Membership(models.Model):
    """A user's role in an organisation; the only source of what the user may see and do."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员身份")
        verbose_name_plural = _("成员身份")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role")
        ]
        ordering = ["organization_id", "role", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class AccessGrant(models.Model):
    """What an auditor (监理/审计) was granted: a whole hospital, for a while."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants")
    hospital = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="access_grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审计授权")
        verbose_name_plural = _("审计授权")
        constraints = [models.UniqueConstraint(fields=["user", "hospital"], name="grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.hospital}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once at creation."""

    PREFIX = "wb_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(_("尾号"), max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.key_hint})"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
