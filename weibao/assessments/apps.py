from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "weibao.assessments"
    label = "assessments"
    verbose_name = "考核与付款"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav

        register_action_labels(
            {
                "assessment.open": _("考核：创建考核"),
                "assessment.refresh": _("考核：重新计算"),
                "assessment.submit": _("考核：厂商提交自评"),
                "assessment.review": _("考核：医院评价"),
                "assessment.sign": _("考核：签署"),
                "assessment.reopen": _("考核：重新打开"),
                "assessment.sample": _("考核：抽取样本"),
                "assessment.mark": _("考核：评价样本"),
                "assessment.waive": _("考核：免除扣款"),
                "assessment.unwaive": _("考核：恢复扣款"),
                "assessment.termination": _("考核：确认是否终止合同"),
                "payment.record": _("付款：登记"),
            }
        )
        from weibao.accounts.permissions import sees_contract_money

        register_nav(
            _("考核"),
            "assessments:assessment_list",
            group="contracts",
            order=340,
            visible=sees_contract_money,
        )

        from weibao.documents.kinds import DocumentKind, register_kind

        from .report import KIND, default_template, sample_context

        register_kind(
            DocumentKind(
                code=KIND,
                label=_("维保服务评价报告"),
                default_template=default_template,
                sample_context=sample_context,
            )
        )
