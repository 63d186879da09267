"""API of the accounts app: the current user, organisations, memberships, personal tokens."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.core.api import Flag, Id, IsoDate, get_visible, responses
from weibao.core.api_crud import ModelRoutes, paginated

from . import permissions, services
from .choices import OrgKind, Role
from .mfa import require_second_factor
from .models import ApiToken, Campus, Department, Membership, Organization, User

router = Router(tags=["accounts"])


class MembershipBrief(Schema):
    id: int
    organization_id: int
    organization: str = Field(..., alias="organization.name")
    role: str
    department_id: int | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    phone: str
    must_change_password: bool
    is_platform_admin: bool
    memberships: list[MembershipBrief]

    @staticmethod
    def resolve_memberships(obj: User) -> list[Membership]:
        return obj.active_memberships()


class OrganizationOut(Schema):
    id: int
    name: str
    short_code: str
    kind: OrgKind
    address: str
    contact_phone: str
    is_active: bool


class OrganizationIn(Schema):
    name: str = Field(..., min_length=2, max_length=128)
    short_code: str = Field(..., min_length=2, max_length=12, pattern=r"^[A-Za-z0-9]+$")
    kind: OrgKind
    address: str = Field("", max_length=256)
    contact_phone: str = Field("", max_length=64)


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=2, max_length=128)
    address: str | None = Field(None, max_length=256)
    contact_phone: str | None = Field(None, max_length=64)
    is_active: Flag | None = None


class CampusOut(Schema):
    id: int
    hospital_id: int
    name: str


class DepartmentOut(Schema):
    id: int
    hospital_id: int
    campus_id: int | None
    name: str
    phone: str


class NamedIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    campus_id: Id | None = None


class MembershipOut(Schema):
    id: int
    user_id: int
    username: str = Field(..., alias="user.username")
    organization_id: int
    role: Role
    department_id: int | None
    is_active: bool


class MembershipIn(Schema):
    organization_id: Id
    role: Role
    department_id: Id | None = None
    # Either an existing user, or the fields of a new one.
    user_id: Id | None = None
    username: str | None = Field(None, min_length=3, max_length=150, pattern=r"^[\w.@+-]+$")
    display_name: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)


class MembershipCreated(MembershipOut):
    initial_password: str | None = None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)


class TokenOut(Schema):
    id: int
    name: str
    key_hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="只显示这一次，请妥善保存")


class GrantIn(Schema):
    user_id: Id
    valid_until: IsoDate | None = None


@router.get("/me", response=responses(_200=MeOut), summary="当前用户")
def me(request):
    return request.user


class OrganizationFilter(FilterSchema):
    kind: OrgKind | None = None


organizations = ModelRoutes(router, "/organizations", Organization.objects, OrganizationOut, id="org_id")
organizations.list("机构列表", filters=OrganizationFilter)
organizations.detail("机构详情")


@organizations.create(OrganizationIn, "创建机构（平台管理员）")
def organization_create(request, payload: OrganizationIn):
    return services.organization_create(
        actor=request.user, context=AuditContext.from_request(request), **payload.dict()
    )


@organizations.update(OrganizationPatch, "修改机构")
def organization_update(request, org: Organization, payload: OrganizationPatch):
    return services.organization_update(
        actor=request.user,
        organization=org,
        context=AuditContext.from_request(request),
        **payload.dict(exclude_none=True),
    )


@router.get("/organizations/{org_id}/campuses", response=responses(_200=list[CampusOut]), summary="院区")
@paginated
def campus_list(request, org_id: Id):
    org = organizations.get(request, org_id)
    return Campus.objects.visible_to(request.user).filter(hospital=org)


@router.post("/organizations/{org_id}/campuses", response=responses(_201=CampusOut), summary="新建院区")
def campus_create(request, org_id: Id, payload: NamedIn):
    org = organizations.get(request, org_id)
    return Status(
        201,
        services.campus_create(
            actor=request.user, hospital=org, name=payload.name, context=AuditContext.from_request(request)
        ),
    )


@router.get(
    "/organizations/{org_id}/departments", response=responses(_200=list[DepartmentOut]), summary="科室"
)
@paginated
def department_list(request, org_id: Id):
    org = organizations.get(request, org_id)
    return Department.objects.visible_to(request.user).filter(hospital=org)


@router.post(
    "/organizations/{org_id}/departments", response=responses(_201=DepartmentOut), summary="新建科室"
)
def department_create(request, org_id: Id, payload: NamedIn):
    org = organizations.get(request, org_id)
    campus = None
    if payload.campus_id is not None:
        campus = get_visible(Campus.objects, request.user, pk=payload.campus_id, hospital=org)
    dept = services.department_create(
        actor=request.user,
        hospital=org,
        campus=campus,
        name=payload.name,
        context=AuditContext.from_request(request),
    )
    return Status(201, dept)


@router.post("/organizations/{org_id}/grants", response=responses(_201=dict), summary="向审计用户授权")
def grant_create(request, org_id: Id, payload: GrantIn):
    org = organizations.get(request, org_id)
    # An id that matches nobody and one that is not an auditor get the same answer.
    user = User.objects.filter(pk=payload.user_id).first()
    grant = services.access_grant_create(
        actor=request.user,
        user=user,
        hospital=org,
        valid_until=payload.valid_until,
        context=AuditContext.from_request(request),
    )
    return Status(201, {"id": grant.pk, "user_id": user.pk, "hospital_id": org.pk})


class MembershipFilter(FilterSchema):
    organization_id: Id | None = None


memberships = ModelRoutes(
    router,
    "/memberships",
    Membership.objects.select_related("user", "organization"),
    MembershipOut,
    id="membership_id",
    guard=permissions.require_some_admin,
)
memberships.list("成员（管理员）", filters=MembershipFilter)
memberships.detail("成员详情")


@router.post("/memberships", response=responses(_201=MembershipCreated), summary="添加成员（管理员）")
def membership_create(request, payload: MembershipIn):
    permissions.require_some_admin(request.user)
    org = get_visible(Organization.objects, request.user, pk=payload.organization_id)
    department = None
    if payload.department_id is not None:
        department = get_visible(Department.objects, request.user, pk=payload.department_id)
    password = None
    if payload.user_id is not None:
        # 404 for an account the caller does not administer, as for one that does not exist.
        user = services.user_for_admin(actor=request.user, user_id=payload.user_id)
        membership = services.membership_add(
            actor=request.user,
            user=user,
            organization=org,
            role=payload.role,
            department=department,
            context=AuditContext.from_request(request),
        )
    elif payload.username:
        user, password = services.user_create(
            actor=request.user,
            username=payload.username,
            organization=org,
            role=payload.role,
            department=department,
            display_name=payload.display_name,
            phone=payload.phone,
            context=AuditContext.from_request(request),
        )
        membership = user.memberships.get()
    else:
        raise ValidationError(_("请提供 user_id 或新用户的 username。"))
    membership.initial_password = password
    return Status(201, membership)


@router.delete("/memberships/{membership_id}", response=responses(_200=MembershipOut), summary="停用成员身份")
def membership_delete(request, membership_id: Id):
    return services.membership_deactivate(
        actor=request.user,
        membership=memberships.get(request, membership_id),
        context=AuditContext.from_request(request),
    )


class UnlockOut(Schema):
    user_id: int
    cleared: int


@router.post(
    "/users/{user_id}/unlock",
    response=responses(_200=UnlockOut),
    summary="解除登录锁定（该用户所属全部机构的管理员）",
)
def user_unlock(request, user_id: int):
    user = services.user_for_admin(actor=request.user, user_id=user_id)
    cleared = services.user_unlock(actor=request.user, user=user, context=AuditContext.from_request(request))
    return {"user_id": user.pk, "cleared": cleared}


class MfaResetOut(Schema):
    user_id: int
    removed: int


@router.post(
    "/users/{user_id}/mfa-reset",
    response=responses(_200=MfaResetOut),
    summary="重置两步验证（该用户所属全部机构的管理员）",
)
def user_mfa_reset(request, user_id: int):
    user = services.user_for_admin(actor=request.user, user_id=user_id)
    removed = services.user_mfa_reset(
        actor=request.user, user=user, context=AuditContext.from_request(request)
    )
    return {"user_id": user.pk, "removed": removed}


@router.get("/tokens", response=responses(_200=list[TokenOut]), summary="我的 API 令牌")
@paginated
def token_list(request):
    return ApiToken.objects.filter(user=request.user)


@router.post("/tokens", response=responses(_201=TokenCreated), summary="创建 API 令牌（只显示一次）")
def token_create(request, payload: TokenIn):
    # A bearer token outlives the session: only a session that gave the second factor mints one.
    require_second_factor(request)
    token, raw = services.api_token_create(
        user=request.user, name=payload.name, context=AuditContext.from_request(request)
    )
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{token_id}", response=responses(_200=TokenOut), summary="吊销 API 令牌")
def token_revoke(request, token_id: Id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    return services.api_token_revoke(
        user=request.user, token=token, context=AuditContext.from_request(request)
    )
