"""The archive of produced documents, and the templates hospitals put in place of the defaults."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel


def document_path(instance: GeneratedDocument, filename: str) -> str:
    return f"documents/{instance.hospital_id}/{instance.produced_at:%Y%m}/{instance.sha256[:16]}-{filename}"


class GeneratedDocument(TenantModel):
    """One file Weibao produced (a 巡检报告, a quarter's 记录单…), kept as it was handed out: its
    SHA-256 lets either party prove later that a printed or mailed copy is this one. Never
    changed after it is stored; producing again stores a new row."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents_produced",
        verbose_name=_("合同"),
    )
    kind = models.CharField(_("文档类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    # What the document is about ("inspections.inspection:12") and the period it covers ("2026Q3").
    subject = models.CharField(max_length=100, blank=True, db_index=True)
    period = models.CharField(_("期间"), max_length=16, blank=True)
    file = models.FileField(upload_to=document_path, max_length=300)
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField("SHA-256", max_length=64)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    produced_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    # Set on the PDF copy LibreOffice made of a DOCX (the DOCX stays the primary document).
    pdf_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pdf_copy",
        verbose_name=_("PDF 副本的原件"),
    )

    class Meta:
        verbose_name = _("生成的文档")
        verbose_name_plural = _("生成的文档")
        ordering = ["-produced_at", "-pk"]
        indexes = [models.Index(fields=["contract", "kind", "period"], name="document_contract_kind")]

    def __str__(self) -> str:
        return self.filename

    @property
    def pdf(self) -> GeneratedDocument | None:
        """The PDF copy of this DOCX, once LibreOffice has made it (``select_related("pdf_copy")``
        when listing)."""
        try:
            return self.pdf_copy  # type: ignore[no-any-return]
        except GeneratedDocument.DoesNotExist:
            return None


def template_path(instance: DocumentTemplate, filename: str) -> str:
    return f"document-templates/{instance.hospital_id}/{instance.kind}.docx"


class DocumentTemplate(TenantModel):
    """A hospital's own DOCX template for a kind, used instead of the shipped default."""

    tenant_hospital_field = "hospital"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("医院")
    )
    kind = models.CharField(_("文档类型"), max_length=64)
    file = models.FileField(upload_to=template_path, max_length=300)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("本院文档模板")
        verbose_name_plural = _("本院文档模板")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "kind"], name="document_template_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.kind}"
