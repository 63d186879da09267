from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "weibao.accounts"
    label = "accounts"
    verbose_name = "账户与机构"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.core.demo import register_demo_step
        from weibao.core.navigation import register_nav

        from . import receivers
        from .models import AccessGrant, ApiToken, Department, Membership, Organization, User

        # Users and tokens too: an API token's user is cached with their scope (accounts.tokens);
        # departments are cached for reports (core.tenancy.get_visible_reference).
        receivers.watch_scope_models(Membership, AccessGrant, Organization, User, ApiToken, Department)
        from .demo import demo_organisations, demo_users

        register_demo_step("organisations", demo_organisations, order=0)
        register_demo_step("users", demo_users, order=1)
        register_nav(_("工作台"), "core:home", order=0)
        register_nav(_("机构与用户"), "accounts:organization_list", order=900)
