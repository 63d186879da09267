"""Writes of the accounts app. Each is atomic and leaves an audit record."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.audit.services import audit_record

from .choices import ROLES_BY_KIND, OrgKind, Role
from .models import AccessGrant, ApiToken, Campus, Department, Membership, Organization, User, hash_token


def generate_password(length: int = 14) -> str:
    """A random password that satisfies the policy (all four classes, no look-alikes)."""
    alphabet = {
        "upper": "ABCDEFGHJKLMNPQRSTUVWXYZ",
        "lower": "abcdefghijkmnpqrstuvwxyz",
        "digit": "23456789",
        "symbol": "!@#%^*-_+=?",
    }
    chars = [secrets.choice(group) for group in alphabet.values()]
    pool = "".join(alphabet.values())
    chars += [secrets.choice(pool) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _require_admin_of(actor: User, organization: Organization) -> None:
    if actor.is_platform_admin:
        return
    if organization.pk not in actor.admin_org_ids():
        raise PermissionDenied(_("只有本机构的管理员可以执行此操作。"))


def _require_admin_of_user(actor: User, user: User) -> list[Organization]:
    """The actor must administer one of the user's organisations; returns those organisations."""
    orgs = [m.organization for m in user.memberships.select_related("organization")]
    if not actor.is_platform_admin and not any(o.pk in actor.admin_org_ids() for o in orgs):
        raise PermissionDenied(_("只有本机构的管理员可以执行此操作。"))
    return orgs


def organization_create(
    *,
    actor: User,
    name: str,
    short_code: str,
    kind: str,
    address: str = "",
    contact_phone: str = "",
    request: Any = None,
) -> Organization:
    """Create an organisation (platform admins only)."""
    if not actor.is_platform_admin:
        raise PermissionDenied(_("只有平台管理员可以创建机构。"))
    short_code = short_code.strip().upper()
    org = Organization(
        name=name.strip(), short_code=short_code, kind=kind, address=address, contact_phone=contact_phone
    )
    org.full_clean()
    if not short_code.isalnum() or not short_code.isascii():
        raise ValidationError({"short_code": _("简称代码只能包含大写字母和数字。")})
    with transaction.atomic():
        org.save()
        audit_record(action="organization.create", actor=actor, request=request, obj=org)
    return org


def organization_update(
    *, actor: User, organization: Organization, request: Any = None, **fields: Any
) -> Organization:
    """Change an organisation's name, address, phone or active flag (its admins or platform admins)."""
    _require_admin_of(actor, organization)
    allowed = {"name", "address", "contact_phone", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    before = {k: getattr(organization, k) for k in fields}
    for key, value in fields.items():
        setattr(organization, key, value)
    organization.full_clean()
    with transaction.atomic():
        organization.save(update_fields=list(fields))
        audit_record(
            action="organization.update",
            actor=actor,
            request=request,
            obj=organization,
            detail={"before": before, "after": fields},
        )
    return organization


def campus_create(*, actor: User, hospital: Organization, name: str, request: Any = None) -> Campus:
    _require_admin_of(actor, hospital)
    if hospital.kind != OrgKind.HOSPITAL:
        raise ValidationError(_("只有医院可以有院区。"))
    campus = Campus(hospital=hospital, name=name.strip())
    campus.full_clean()
    with transaction.atomic():
        campus.save()
        audit_record(action="campus.create", actor=actor, request=request, obj=campus)
    return campus


def department_create(
    *,
    actor: User,
    hospital: Organization,
    name: str,
    campus: Campus | None = None,
    phone: str = "",
    request: Any = None,
) -> Department:
    _require_admin_of(actor, hospital)
    if hospital.kind != OrgKind.HOSPITAL:
        raise ValidationError(_("只有医院可以有科室。"))
    if campus is not None and campus.hospital_id != hospital.pk:
        raise ValidationError(_("院区不属于该医院。"))
    dept = Department(hospital=hospital, campus=campus, name=name.strip(), phone=phone)
    dept.full_clean()
    with transaction.atomic():
        dept.save()
        audit_record(action="department.create", actor=actor, request=request, obj=dept)
    return dept


def _check_role(organization: Organization, role: str, department: Department | None) -> None:
    if role not in ROLES_BY_KIND.get(organization.kind, frozenset()):
        raise ValidationError(
            {
                "role": _("角色“%(role)s”不适用于%(kind)s。")
                % {
                    "role": Role(role).label if role in Role.values else role,
                    "kind": organization.get_kind_display(),
                }
            }
        )
    if role == Role.DEPARTMENT_USER and department is None:
        raise ValidationError({"department": _("科室用户必须指定科室。")})
    if department is not None and department.hospital_id != organization.pk:
        raise ValidationError({"department": _("科室不属于该医院。")})


def user_create(
    *,
    actor: User | None,
    username: str,
    organization: Organization,
    role: str,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    department: Department | None = None,
    password: str | None = None,
    must_change_password: bool = True,
    request: Any = None,
) -> tuple[User, str]:
    """Create a user with one membership. Returns the user and the initial password, which is
    random unless given; the user must change it at first login unless told otherwise."""
    if actor is not None:
        _require_admin_of(actor, organization)
    _check_role(organization, role, department)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名已存在。")})
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        email=email,
        must_change_password=must_change_password,
    )
    password = password or generate_password()
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        membership = Membership.objects.create(
            user=user, organization=organization, role=role, department=department
        )
        audit_record(
            action="user.create",
            actor=actor,
            request=request,
            obj=user,
            organization=organization,
            detail={"role": role, "membership": membership.pk},
        )
    return user, password


def membership_add(
    *,
    actor: User,
    user: User,
    organization: Organization,
    role: str,
    department: Department | None = None,
    request: Any = None,
) -> Membership:
    _require_admin_of(actor, organization)
    _check_role(organization, role, department)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user,
            organization=organization,
            role=role,
            defaults={"department": department},
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.department = department
            membership.save(update_fields=["is_active", "department"])
        audit_record(
            action="membership.add",
            actor=actor,
            request=request,
            obj=membership,
            organization=organization,
            detail={"user": user.username, "role": role},
        )
    return membership


def membership_deactivate(*, actor: User, membership: Membership, request: Any = None) -> Membership:
    _require_admin_of(actor, membership.organization)
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            action="membership.deactivate",
            actor=actor,
            request=request,
            obj=membership,
            organization=membership.organization,
        )
    return membership


def user_set_active(*, actor: User, user: User, active: bool, request: Any = None) -> User:
    orgs = _require_admin_of_user(actor, user)
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            action="user.activate" if active else "user.deactivate",
            actor=actor,
            request=request,
            obj=user,
            organization=orgs[0] if orgs else None,
        )
    return user


def user_reset_password(*, actor: User, user: User, request: Any = None) -> str:
    """An admin resets a user's password: a random one, to be changed at next login."""
    orgs = _require_admin_of_user(actor, user)
    password = generate_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        audit_record(
            action="user.password_reset",
            actor=actor,
            request=request,
            obj=user,
            organization=orgs[0] if orgs else None,
        )
    return password


def password_change(*, user: User, old_password: str, new_password: str, request: Any = None) -> None:
    """The user changes their own password."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确。")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("新密码不能与原密码相同。")})
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        audit_record(action="user.password_change", actor=user, request=request, obj=user)


def api_token_create(*, user: User, name: str, request: Any = None) -> tuple[ApiToken, str]:
    """Create a personal API token; the raw token is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称。")})
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:64], key_hash=hash_token(raw), key_hint=raw[-4:]
        )
        audit_record(
            action="api_token.create", actor=user, request=request, obj=token, detail={"name": token.name}
        )
    return token, raw


def api_token_revoke(*, user: User, token: ApiToken, request: Any = None) -> ApiToken:
    if token.user_id != user.pk and not user.is_platform_admin:
        raise PermissionDenied(_("只能吊销自己的令牌。"))
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(action="api_token.revoke", actor=user, request=request, obj=token)
    return token


def access_grant_create(
    *, actor: User, user: User, hospital: Organization, valid_until=None, request: Any = None
) -> AccessGrant:
    """A hospital admin grants an auditor read access to the hospital."""
    _require_admin_of(actor, hospital)
    if not user.has_role(Role.AUDITOR):
        raise ValidationError(_("只能向监理/审计用户授权。"))
    with transaction.atomic():
        grant, _created = AccessGrant.objects.update_or_create(
            user=user, hospital=hospital, defaults={"granted_by": actor, "valid_until": valid_until}
        )
        audit_record(
            action="access_grant.create",
            actor=actor,
            request=request,
            obj=grant,
            organization=hospital,
            detail={"user": user.username},
        )
    return grant
