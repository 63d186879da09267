"""The maintained-system inventory (维保范围): systems, modules, interfaces, probe endpoints."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.contracts.template_schema import Direction, Protocol, SystemKind
from weibao.core import crypto
from weibao.core.tenancy import TenantModel

SYSTEM_KIND_CHOICES = [(k.value, k.value) for k in SystemKind]


class MaintainedSystem(TenantModel):
    """A maintained system (PACS, HIS, DRG, a regional platform system) of one hospital, and the
    contract that covers it."""

    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="systems", verbose_name=_("医院")
    )
    campus = models.ForeignKey(
        "accounts.Campus",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="systems",
        verbose_name=_("院区"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="systems",
        verbose_name=_("维保合同"),
    )
    vendor = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vendor_systems",
        verbose_name=_("厂商"),
    )
    code = models.CharField(_("代码"), max_length=48)
    name = models.CharField(_("系统名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=SYSTEM_KIND_CHOICES)
    version = models.CharField(_("版本"), max_length=64, blank=True)
    description = models.TextField(_("说明"), blank=True)
    campuses_text = models.CharField(_("部署院区"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("维保系统")
        verbose_name_plural = _("维保系统")
        ordering = ["hospital_id", "name"]
        constraints = [models.UniqueConstraint(fields=["hospital", "code"], name="system_unique_code")]

    def __str__(self) -> str:
        return self.name


class SystemChild(TenantModel):
    tenant_hospital_field = "system__hospital"
    tenant_contract_field = "system__contract"

    class Meta:
        abstract = True


class Module(SystemChild):
    """A module or subsystem of a maintained system (seed 000's 15 PACS modules)."""

    system = models.ForeignKey(MaintainedSystem, on_delete=models.CASCADE, related_name="modules")
    code = models.CharField(_("代码"), max_length=48, blank=True)
    name = models.CharField(_("模块名称"), max_length=128)
    group = models.CharField(_("分组"), max_length=64, blank=True)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("模块")
        verbose_name_plural = _("模块")
        ordering = ["system_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Interface(SystemChild):
    """An interface from a maintained system to another system or an external platform."""

    system = models.ForeignKey(MaintainedSystem, on_delete=models.CASCADE, related_name="interfaces")
    module = models.ForeignKey(
        Module, on_delete=models.SET_NULL, null=True, blank=True, related_name="interfaces"
    )
    code = models.CharField(_("代码"), max_length=48)
    name = models.CharField(_("接口名称"), max_length=128)
    peer = models.CharField(_("对端"), max_length=128)
    direction = models.CharField(_("方向"), max_length=16, choices=[(d.value, d.label) for d in Direction])
    protocol = models.CharField(_("协议"), max_length=24, choices=[(p.value, p.label) for p in Protocol])
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("接口")
        verbose_name_plural = _("接口")
        ordering = ["system_id", "code"]

    def __str__(self) -> str:
        return self.name


class EndpointKind(models.TextChoices):
    DICOM = "dicom", "DICOM"
    HL7 = "hl7_mllp", "HL7 v2 / MLLP"
    HTTP = "http", "HTTP(S)"
    TCP = "tcp", "TCP"
    DATABASE = "database", _("数据库")


class Endpoint(SystemChild):
    """Where a system (or one of its interfaces) can be reached, for the probes. The credential is
    encrypted at rest with a key kept outside the database, and never shown back in full."""

    system = models.ForeignKey(MaintainedSystem, on_delete=models.CASCADE, related_name="endpoints")
    interface = models.ForeignKey(
        Interface, on_delete=models.SET_NULL, null=True, blank=True, related_name="endpoints"
    )
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=EndpointKind.choices)
    host = models.CharField(_("主机"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("端口"), null=True, blank=True)
    ae_title = models.CharField(_("AE Title"), max_length=16, blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    dsn = models.CharField(_("数据库 DSN（不含密码）"), max_length=500, blank=True)
    username = models.CharField(_("用户名"), max_length=128, blank=True)
    credential_encrypted = models.TextField(blank=True, editable=False)
    credential_hint = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("探测端点")
        verbose_name_plural = _("探测端点")
        ordering = ["system_id", "name"]

    def __str__(self) -> str:
        return self.name

    def set_credential(self, secret: str) -> None:
        self.credential_encrypted = crypto.encrypt(secret)
        self.credential_hint = crypto.mask(secret, keep=1)[:32]

    def get_credential(self) -> str:
        """Only the probe runner calls this."""
        return crypto.decrypt(self.credential_encrypted)

    @property
    def has_credential(self) -> bool:
        return bool(self.credential_encrypted)
