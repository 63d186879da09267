"""Pages of the accounts app: login, password, organisations, members, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.audit.context import AuditContext
from weibao.core.forms import submit
from weibao.core.tenancy import get_visible

from . import permissions, services
from .forms import LoginForm, MemberForm, NameForm, OrganizationForm, PasswordChangeForm, TokenForm
from .mfa import has_device, require_second_factor
from .middleware import password_expired
from .models import ApiToken, Membership, Organization, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)

    def changed(_result: None) -> str:
        update_session_auth_hash(request, request.user)  # this session stays signed in
        return "core:home"

    done = submit(
        request,
        form,
        lambda data: services.password_change(
            user=request.user,
            old_password=data["old_password"],
            new_password=data["new_password"],
            context=AuditContext.from_request(request),
        ),
        then=changed,
        message=_("密码已修改。"),
    )
    return done or render(
        request, "accounts/password_change.html", {"form": form, "forced": password_expired(request.user)}
    )


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    qs = Organization.objects.visible_to(request.user)
    kind = request.GET.get("kind")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/organization_list.html",
        {"page": page, "kind": kind, "can_create": permissions.can_create_org(request.user)},
    )


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    permissions.require_create_org(request.user)
    form = OrganizationForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.organization_create(
            actor=request.user, context=AuditContext.from_request(request), **data
        ),
        then=lambda org: reverse("accounts:organization_detail", args=[org.pk]),
        message=_("机构已创建。"),
    )
    return done or render(request, "accounts/form.html", {"form": form, "title": _("新建机构")})


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(Organization.objects, request.user, pk=pk)
    is_admin = permissions.can_administer_org(request.user, org)
    members = (
        Membership.objects.visible_to(request.user)
        .filter(organization=org)
        .select_related("user", "department")
        if is_admin
        else Membership.objects.none()
    )
    return render(
        request,
        "accounts/organization_detail.html",
        {
            "org": org,
            "is_admin": is_admin,
            "members": members,
            "campuses": org.campuses.all(),
            "departments": org.departments.select_related("campus"),
        },
    )


def _admin_org(request: HttpRequest, pk: int) -> Organization:
    org = get_visible(Organization.objects, request.user, pk=pk)
    permissions.require_administer_org(request.user, org)
    return org


@login_required
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = _admin_org(request, pk)
    form = MemberForm(request.POST or None, organization=org)
    done = submit(
        request,
        form,
        lambda data: services.user_create(
            actor=request.user,
            username=data["username"],
            organization=org,
            role=data["role"],
            display_name=data["display_name"],
            phone=data["phone"],
            department=data["department"],
            context=AuditContext.from_request(request),
        ),
        # The new user's first password, shown once.
        then=lambda created: render(
            request,
            "accounts/password_shown.html",
            {"shown_user": created[0], "password": created[1], "org": org},
        ),
    )
    return done or render(request, "accounts/form.html", {"form": form, "title": _("添加用户"), "org": org})


@login_required
def campus_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _named_create(request, pk, services.campus_create, _("新建院区"))


@login_required
def department_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _named_create(request, pk, services.department_create, _("新建科室"))


def _named_create(request: HttpRequest, pk: int, service, title: str) -> HttpResponse:
    org = _admin_org(request, pk)
    form = NameForm(request.POST or None, hospital=org)
    if service is services.campus_create:
        del form.fields["campus"]

    def save(data: dict) -> None:
        kwargs = {"actor": request.user, "hospital": org, "name": data["name"], "request": request}
        if "campus" in form.fields:
            kwargs["campus"] = data["campus"]
        service(**kwargs)

    done = submit(
        request,
        form,
        save,
        then=lambda _result: reverse("accounts:organization_detail", args=[org.pk]),
        message=_("已保存。"),
    )
    return done or render(request, "accounts/form.html", {"form": form, "title": title, "org": org})


def _shown_user(request: HttpRequest, pk: int) -> User:
    """A user's page is for the user and for admins of every organisation the user belongs to;
    anyone else gets the answer of an id that does not exist."""
    user = User.objects.filter(pk=pk).first()
    if user is None or not permissions.can_view_user(request.user, user):
        raise Http404
    return user


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _shown_user(request, pk)
    memberships = user.memberships.select_related("organization", "department")
    can_admin = permissions.can_administer_user(request.user, user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "shown_user": user,
            "memberships": memberships,
            "can_admin": can_admin,
            "lockouts": services.user_lockouts(user) if can_admin else 0,
            "has_mfa": has_device(user),
        },
    )


@login_required
@require_POST
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _shown_user(request, pk)
    if action not in {"reset-password", "deactivate", "activate", "unlock", "mfa-reset"}:
        raise Http404
    if not permissions.can_administer_user(request.user, user):
        raise Http404  # one's own page offers no actions
    if action == "reset-password":
        password = services.user_reset_password(
            actor=request.user, user=user, context=AuditContext.from_request(request)
        )
        return render(request, "accounts/password_shown.html", {"shown_user": user, "password": password})
    if action == "mfa-reset":
        services.user_mfa_reset(actor=request.user, user=user, context=AuditContext.from_request(request))
        messages.success(request, _("已重置两步验证，该用户下次登录时需重新绑定。"))
        return redirect("accounts:user_detail", pk=user.pk)
    if action == "unlock":
        services.user_unlock(actor=request.user, user=user, context=AuditContext.from_request(request))
        messages.success(request, _("已解除登录锁定。"))
        return redirect("accounts:user_detail", pk=user.pk)
    services.user_set_active(
        actor=request.user, user=user, active=action == "activate", context=AuditContext.from_request(request)
    )
    messages.success(request, _("已更新。"))
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        require_second_factor(request)
        _token, raw = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], context=AuditContext.from_request(request)
        )
        created = raw
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "created": created})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    services.api_token_revoke(user=request.user, token=token, context=AuditContext.from_request(request))
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:tokens")
