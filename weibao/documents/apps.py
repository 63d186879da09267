from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "weibao.documents"
    label = "documents"
    verbose_name = "文档"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from weibao.audit.labels import register_action_labels
        from weibao.core.navigation import register_nav

        from . import permissions_nav, services, tasks

        # The job that storing a DOCX queues (and that calls back into the services).
        services.make_pdf_copy.bind(tasks.make_pdf_copy)

        register_action_labels(
            {
                "document.produce": _("文档：生成"),
                "document.template_upload": _("文档：上传本院模板"),
                "document.template_reset": _("文档：恢复默认模板"),
            }
        )
        register_nav(
            _("文档模板"),
            "documents:template_list",
            group="admin",
            order=900,
            visible=permissions_nav.sees_templates,
        )
