"""Training sessions (培训) of a contract and their trainees: the 用户培训记录."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import TenantModel

from .choices import SignInChannel, TrainingKind


class TrainingSession(TenantModel):
    """One training the vendor gives under a contract: kind, trainer, when, where (or remote),
    what was taught and with which materials. ``token`` is the secret of its sign-in QR code;
    trainees sign in with it while ``sign_in_open``."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("医院")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="+", verbose_name=_("合同")
    )
    kind = models.CharField(_("类别"), max_length=16, choices=TrainingKind.choices)
    title = models.CharField(_("主题"), max_length=200)
    trainer = models.CharField(_("培训讲师"), max_length=64)
    starts_at = models.DateTimeField(_("开始时间"))
    duration_minutes = models.PositiveIntegerField(_("时长（分钟）"), default=60)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    remote = models.BooleanField(_("远程培训"), default=False)
    content = models.TextField(_("培训内容"))
    materials = models.TextField(_("培训材料"), blank=True)
    token = models.CharField(max_length=43, unique=True, editable=False)
    sign_in_open = models.BooleanField(_("开放签到"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["contract", "starts_at"], name="training_contract_start")]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_kind_display()}）"


class Trainee(TenantModel):
    """One person's attendance of a session (signed in by QR code, or added by the organiser),
    with their feedback."""

    tenant_hospital_field = "hospital"
    tenant_contract_field = "contract"

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="trainees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("学员")
    )
    name = models.CharField(_("姓名"), max_length=64)
    department = models.CharField(_("科室"), max_length=128, blank=True)
    signed_at = models.DateTimeField(_("签到时间"))
    channel = models.CharField(_("签到方式"), max_length=8, choices=SignInChannel.choices)
    rating = models.PositiveSmallIntegerField(_("评分（1–5）"), null=True, blank=True)
    feedback = models.TextField(_("反馈"), blank=True)

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="trainee_once_per_session")]
