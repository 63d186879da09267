from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "weibao.training"
    label = "training"
    verbose_name = "培训"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav

        register_action_labels(
            {
                "training.session_create": _("培训：登记培训"),
                "training.sign_in_open": _("培训：开放签到"),
                "training.sign_in_close": _("培训：关闭签到"),
                "training.sign_in": _("培训：学员签到"),
                "training.feedback": _("培训：学员反馈"),
            }
        )
        register_nav(_("培训"), "training:session_list", group="operations", order=340)
