"""Writes of the training app: sessions, QR sign-in, feedback. Each is atomic and audited."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record, save_audited
from weibao.contracts.models import Contract

from .choices import SignInChannel, TrainingKind
from .models import Trainee, TrainingSession

if TYPE_CHECKING:
    from weibao.accounts.models import User


def session_create(
    *,
    actor: User,
    contract: Contract,
    kind: str,
    title: str,
    trainer: str,
    starts_at: datetime,
    content: str,
    duration_minutes: int = 60,
    place: str = "",
    remote: bool = False,
    materials: str = "",
    context: AuditContext | None = None,
) -> TrainingSession:
    """Record a training session of the contract; its sign-in QR code opens with it."""
    if not permissions.can_organise_training(actor, contract):
        raise PermissionDenied(_("只有该合同的厂商人员或医院管理员可以登记培训。"))
    errors: dict[str, str] = {}
    if kind not in TrainingKind.values:
        errors["kind"] = _("培训类别须为管理培训、维护培训或操作培训。")
    for field, value, message in (
        ("title", title, _("请填写培训主题。")),
        ("trainer", trainer, _("请填写培训讲师。")),
        ("content", content, _("请填写培训内容。")),
    ):
        if not (value or "").strip():
            errors[field] = message
    if not remote and not place.strip():
        errors["place"] = _("现场培训请填写地点，或选择远程培训。")
    if not 1 <= int(duration_minutes) <= 24 * 60:
        errors["duration_minutes"] = _("时长须在 1–1440 分钟之间。")
    if timezone.is_naive(starts_at):
        errors["starts_at"] = _("开始时间须带时区。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = TrainingSession.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            kind=kind,
            title=title.strip(),
            trainer=trainer.strip(),
            starts_at=starts_at,
            duration_minutes=int(duration_minutes),
            place=place.strip(),
            remote=remote,
            content=content.strip(),
            materials=materials.strip(),
            token=secrets.token_urlsafe(32),
            created_by=actor,
        )
        audit_record(action="training.session_create", actor=actor, context=context, obj=session)
    return session


def sign_in_set_open(
    *, actor: User, session: TrainingSession, open_: bool, context: AuditContext | None = None
) -> TrainingSession:
    """Open or close the session's QR sign-in."""
    if not permissions.can_organise_training(actor, session.contract):
        raise PermissionDenied(_("只有该合同的厂商人员或医院管理员可以开关签到。"))
    session.sign_in_open = open_
    save_audited(
        session,
        action="training.sign_in_open" if open_ else "training.sign_in_close",
        update_fields=["sign_in_open"],
        actor=actor,
        context=context,
    )
    return session


def trainee_sign_in(
    *,
    actor: User,
    session: TrainingSession,
    token: str,
    department: str = "",
    channel: str = SignInChannel.QR,
    context: AuditContext | None = None,
) -> Trainee:
    """The signed-in user signs in to the session with the token of its QR code (once)."""
    if not permissions.can_attend_training(actor, session.contract):
        raise PermissionDenied(_("您不是该医院或厂商的人员，不能签到。"))
    if not secrets.compare_digest((token or "").encode(), session.token.encode()):
        raise ValidationError({"token": _("签到码无效，请重新扫描现场的二维码。")})
    if not session.sign_in_open:
        raise ValidationError({"token": _("该培训的签到已关闭。")})
    existing: Trainee | None = Trainee.objects.filter(session=session, user=actor).first()
    if existing is not None:
        return existing
    if not department:
        first = actor.active_memberships()
        dept = next((m.department for m in first if getattr(m, "department_id", None)), None)
        department = dept.name if dept is not None else ""
    try:
        with transaction.atomic():
            trainee = Trainee.objects.create(
                hospital_id=session.hospital_id,
                contract_id=session.contract_id,
                session=session,
                user=actor,
                name=actor.get_full_name() or actor.username,
                department=department.strip()[:128],
                signed_at=timezone.now(),
                channel=channel,
            )
            audit_record(action="training.sign_in", actor=actor, context=context, obj=trainee)
    except IntegrityError:  # the same person scanning twice at once
        found: Trainee = Trainee.objects.get(session=session, user=actor)
        return found
    return trainee


def trainee_feedback(
    *, actor: User, trainee: Trainee, rating: int, feedback: str = "", context: AuditContext | None = None
) -> Trainee:
    """A trainee rates the session (1–5) and says what they think."""
    if actor.pk != trainee.user_id:
        raise PermissionDenied(_("只能对自己参加的培训提交反馈。"))
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("评分须为 1–5。")})
    trainee.rating, trainee.feedback = int(rating), (feedback or "").strip()[:2000]
    save_audited(
        trainee,
        action="training.feedback",
        update_fields=["rating", "feedback"],
        actor=actor,
        context=context,
    )
    return trainee
