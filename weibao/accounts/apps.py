from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "weibao.accounts"
    label = "accounts"
    verbose_name = "账户与机构"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.core.api import register_token_lookup
        from weibao.core.cache.generation import watch_scope_models
        from weibao.core.demo import register_demo_step
        from weibao.core.navigation import register_nav
        from weibao.core.tenancy import register_scope_resolver

        from . import receivers  # noqa: F401 - connects the audit of sign-ins
        from .models import AccessGrant, ApiToken, Department, Membership, Organization, User
        from .tokens import user_for_token
        from .visibility import compute_scope

        register_scope_resolver(compute_scope)
        register_token_lookup(user_for_token)
        # Users and tokens too: an API token's user is cached with their scope (accounts.tokens);
        # departments are cached for reports (core.tenancy.get_visible_reference).
        watch_scope_models(Membership, AccessGrant, Organization, ApiToken, Department)
        watch_scope_models(User, quiet_fields=frozenset({"last_login"}))
        from .demo import demo_auditor_grants, demo_organisations, demo_users

        register_demo_step("organisations", demo_organisations, order=0)
        register_demo_step("users", demo_users, order=1)
        register_demo_step("auditor grants", demo_auditor_grants, order=2)
        register_nav(_("工作台"), "core:home", order=0)
        register_nav(_("机构与用户"), "accounts:organization_list", group="admin", order=900)
