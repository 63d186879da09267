"""Writes of the accounts app. Each is atomic and leaves an audit record."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record, save_audited

from . import permissions
from .choices import ROLES_BY_KIND, OrgKind, Role
from .models import AccessGrant, ApiToken, Campus, Department, Membership, Organization, User, hash_token

if TYPE_CHECKING:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice


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


def _user_orgs(user: User) -> list[Organization]:
    return [m.organization for m in user.memberships.select_related("organization")]


def user_for_admin(*, actor: User, user_id: int | None) -> User:
    """The user ``user_id`` if ``actor`` administers them, else 404, the same answer as for an id
    that does not exist: an admin learns nothing (not even a username) about other tenants' users."""
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None or not permissions.can_administer_user(actor, user):
        raise Http404
    return user


def organization_create(
    *,
    actor: User,
    name: str,
    short_code: str,
    kind: str,
    address: str = "",
    contact_phone: str = "",
    context: AuditContext | None = None,
) -> Organization:
    """Create an organisation (platform admins only)."""
    permissions.require_create_org(actor)
    short_code = short_code.strip().upper()
    org = Organization(
        name=name.strip(), short_code=short_code, kind=kind, address=address, contact_phone=contact_phone
    )
    org.full_clean()
    if not short_code.isalnum() or not short_code.isascii():
        raise ValidationError({"short_code": _("简称代码只能包含大写字母和数字。")})
    save_audited(org, action="organization.create", actor=actor, context=context)
    return org


def organization_update(
    *, actor: User, organization: Organization, context: AuditContext | None = None, **fields: Any
) -> Organization:
    """Change an organisation's name, address, phone or active flag (its admins or platform admins)."""
    permissions.require_administer_org(actor, organization)
    allowed = {"name", "address", "contact_phone", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    before = {k: getattr(organization, k) for k in fields}
    for key, value in fields.items():
        setattr(organization, key, value)
    organization.full_clean()
    save_audited(
        organization,
        action="organization.update",
        update_fields=list(fields),
        actor=actor,
        context=context,
        detail={"before": before, "after": fields},
    )
    return organization


def campus_create(
    *, actor: User, hospital: Organization, name: str, context: AuditContext | None = None
) -> Campus:
    permissions.require_administer_org(actor, hospital)
    if hospital.kind != OrgKind.HOSPITAL:
        raise ValidationError(_("只有医院可以有院区。"))
    campus = Campus(hospital=hospital, name=name.strip())
    campus.full_clean()
    save_audited(campus, action="campus.create", actor=actor, context=context)
    return campus


def department_create(
    *,
    actor: User,
    hospital: Organization,
    name: str,
    campus: Campus | None = None,
    phone: str = "",
    context: AuditContext | None = None,
) -> Department:
    permissions.require_administer_org(actor, hospital)
    if hospital.kind != OrgKind.HOSPITAL:
        raise ValidationError(_("只有医院可以有科室。"))
    if campus is not None and campus.hospital_id != hospital.pk:
        raise ValidationError(_("院区不属于该医院。"))
    dept = Department(hospital=hospital, campus=campus, name=name.strip(), phone=phone)
    dept.full_clean()
    save_audited(dept, action="department.create", actor=actor, context=context)
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
    context: AuditContext | None = None,
) -> tuple[User, str]:
    """Create a user with one membership. Returns the user and the initial password, which is
    random unless given; the user must change it at first login unless told otherwise."""
    if actor is not None:
        permissions.require_administer_org(actor, organization)
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
            context=context,
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
    context: AuditContext | None = None,
) -> Membership:
    """Give an existing user a (further) role in ``organization``, or bring back a deactivated one.
    The actor must administer the organisation and every organisation the user belongs to: an
    account of another organisation, or the platform's, is never pulled in (a new person gets a
    new account, :func:`user_create`)."""
    permissions.require_administer_org(actor, organization)
    if not permissions.can_add_member(actor, organization, user):
        raise PermissionDenied(_("只能添加本机构的用户；其他机构的用户请由其机构或平台管理员处理。"))
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
            context=context,
            obj=membership,
            organization=organization,
            detail={"user": user.username, "role": role},
        )
    return membership


def membership_deactivate(
    *, actor: User, membership: Membership, context: AuditContext | None = None
) -> Membership:
    permissions.require_administer_org(actor, membership.organization)
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            action="membership.deactivate",
            actor=actor,
            context=context,
            obj=membership,
            organization=membership.organization,
        )
    return membership


def user_set_active(*, actor: User, user: User, active: bool, context: AuditContext | None = None) -> User:
    """Deactivate (or reactivate) an account: an admin of every organisation the user belongs to."""
    permissions.require_administer_user(actor, user)
    orgs = _user_orgs(user)
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            action="user.activate" if active else "user.deactivate",
            actor=actor,
            context=context,
            obj=user,
            organization=orgs[0] if orgs else None,
        )
    return user


def user_reset_password(*, actor: User, user: User, context: AuditContext | None = None) -> str:
    """An admin of every organisation the user belongs to resets the user's password: a random
    one, to be changed at next login."""
    permissions.require_administer_user(actor, user)
    orgs = _user_orgs(user)
    password = generate_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        audit_record(
            action="user.password_reset",
            actor=actor,
            context=context,
            obj=user,
            organization=orgs[0] if orgs else None,
        )
    return password


def user_lockouts(user: User) -> int:
    """How many client addresses are locked out of this account now (failed logins, django-axes)."""
    from axes.models import AccessAttempt

    locked: int = AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).count()
    return locked


def user_unlock(*, actor: User, user: User, context: AuditContext | None = None) -> int:
    """Clear the failed logins of ``user`` from every address, so a locked-out user can log in
    again before the cool-off ends: an admin of every organisation the user belongs to. Returns
    the number of (username, address) records cleared."""
    from axes.handlers.proxy import AxesProxyHandler

    return _administer_user(
        actor=actor,
        user=user,
        action="user.unlock",
        context=context,
        change=lambda: AxesProxyHandler.reset_attempts(username=user.username),
        counted="cleared",
    )


def _administer_user(
    *,
    actor: User,
    user: User,
    action: str,
    context: AuditContext | None,
    change: Callable[[], int],
    counted: str,
) -> int:
    """Run ``change`` (returning how many things it changed) on ``user`` for an admin of every
    organisation the user belongs to, audited as ``action`` with that count."""
    permissions.require_administer_user(actor, user)
    orgs = _user_orgs(user)
    with transaction.atomic():
        count = change()
        audit_record(
            action=action,
            actor=actor,
            context=context,
            obj=user,
            organization=orgs[0] if orgs else None,
            detail={counted: count},
        )
    return count


def password_change(
    *, user: User, old_password: str, new_password: str, context: AuditContext | None = None
) -> None:
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
        audit_record(action="user.password_change", actor=user, context=context, obj=user)


def api_token_create(*, user: User, name: str, context: AuditContext | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; the raw token is returned once and never stored. A user who
    must change their password first gets none."""
    from .middleware import password_expired

    if password_expired(user):
        raise permissions.PasswordChangeRequired(_("请先修改密码。"))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称。")})
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:64], key_hash=hash_token(raw), key_hint=raw[-4:]
        )
        audit_record(
            action="api_token.create", actor=user, context=context, obj=token, detail={"name": token.name}
        )
    return token, raw


def api_token_revoke(*, user: User, token: ApiToken, context: AuditContext | None = None) -> ApiToken:
    permissions.require_revoke_token(user, token)
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(action="api_token.revoke", actor=user, context=context, obj=token)
    return token


def access_grant_create(
    *,
    actor: User,
    user: User | None,
    hospital: Organization,
    valid_until: date | None = None,
    context: AuditContext | None = None,
) -> AccessGrant:
    """A hospital admin grants an auditor (a user with the auditor role in an auditor organisation)
    read access to the hospital. ``user`` None (an id that matched nobody) gets the same answer as
    a user who is not an auditor."""
    if hospital.kind != OrgKind.HOSPITAL:
        raise ValidationError({"hospital": _("只能授权查看医院。")})
    permissions.require_administer_org(actor, hospital, _("只有本医院的管理员可以授权。"))
    if user is None or not permissions.can_grant_auditor(actor, hospital, user):
        raise ValidationError({"user_id": _("只能向监理/审计机构的审计用户授权。")})
    with transaction.atomic():
        grant, _created = AccessGrant.objects.update_or_create(
            user=user, hospital=hospital, defaults={"granted_by": actor, "valid_until": valid_until}
        )
        audit_record(
            action="access_grant.create",
            actor=actor,
            context=context,
            obj=grant,
            organization=hospital,
            detail={"user": user.username},
        )
    return grant


# --- two-factor sign-in -----------------------------------------------------------------------------


def mfa_totp_pending(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: the user's unconfirmed TOTP device, made on first call
    (its secret is shown until a code from it is given)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from .mfa import RECOVERY_CODES, RECOVERY_DEVICE_NAME

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def mfa_totp_confirm(
    *, user: User, device: TOTPDevice, token: str, context: AuditContext | None = None
) -> list[str]:
    """Confirm the pending authenticator with a code it shows; any earlier authenticator of the
    user is replaced. Returns the ten new recovery codes (shown once)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"token": _("请重新开始绑定。")})
    if not device.verify_token((token or "").strip()):
        raise ValidationError({"token": _("验证码不正确，请确认手机时间准确后重试。")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(action="user.mfa_enrol", actor=user, context=context, obj=user)
    return codes


def mfa_recovery_regenerate(*, user: User, context: AuditContext | None = None) -> list[str]:
    """New recovery codes for a user with an authenticator; the old ones stop working."""
    from .mfa import has_device

    if not has_device(user):
        raise ValidationError(_("请先绑定身份验证器。"))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(action="user.mfa_recovery_regenerate", actor=user, context=context, obj=user)
    return codes


def _remove_devices(user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    totp, static = TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)
    removed: int = totp.count() + static.count()
    totp.delete()
    static.delete()  # with its recovery codes
    return removed


def mfa_match(*, user: User, token: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``token``: six digits are asked of the authenticator, anything else
    of the recovery codes (a recovery code is used up). None if refused; each device throttles its
    own failures (django-otp: the next try waits 1, 2, 4 … seconds)."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    token = "".join((token or "").split()).lower()
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
    return None


def mfa_disable(*, user: User, token: str, context: AuditContext | None = None) -> None:
    """The user turns two-factor sign-in off, confirming with a current code. Not for those who
    must have it (platform and hospital admins)."""
    from .mfa import mfa_required

    if mfa_required(user):
        raise PermissionDenied(_("管理员必须使用两步验证，不能关闭。"))
    if mfa_match(user=user, token=token) is None:
        raise ValidationError({"token": _("验证码不正确。")})
    with transaction.atomic():
        _remove_devices(user)
        audit_record(action="user.mfa_disable", actor=user, context=context, obj=user)


def user_mfa_reset(*, actor: User, user: User, context: AuditContext | None = None) -> int:
    """An admin of every organisation the user belongs to removes the user's second factor (a lost
    phone): the user enrols again at next sign-in if their role needs it. Returns the number of
    devices removed; the user's sessions that gave a code lose it (the device is gone)."""
    return _administer_user(
        actor=actor,
        user=user,
        action="user.mfa_reset",
        context=context,
        change=lambda: _remove_devices(user),
        counted="devices",
    )
