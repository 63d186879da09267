"""Pages of training: sessions with their sign-in QR code, the phone sign-in, feedback, and a
person's records."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.forms import submit
from weibao.core.pagination import request_page
from weibao.core.tenancy import get_visible

from . import selectors, services
from .choices import TrainingKind
from .forms import FeedbackForm, SessionForm
from .models import Trainee, TrainingSession


def sign_in_url(request: HttpRequest, session: TrainingSession) -> str:
    """The address the session's QR code holds."""
    return request.build_absolute_uri(reverse("training:sign_in", args=[session.pk, session.token]))


def qr_svg(url: str) -> str:
    return str(segno.make(url, error="m").svg_inline(scale=4, dark="#17364a"))


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """培训: the sessions of the contracts the user sees, newest first, filtered by kind."""
    rows = TrainingSession.objects.visible_to(request.user).select_related("contract", "hospital")
    kind = request.GET.get("kind", "")
    if kind in TrainingKind.values:
        rows = rows.filter(kind=kind)
    items, next_url = request_page(request, rows.order_by("-starts_at", "-pk"), limit=50)
    return render(
        request,
        "training/session_list.html",
        {"items": items, "next_url": next_url, "kind": kind, "kinds": TrainingKind.choices},
    )


@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    contracts = [
        c
        for c in Contract.objects.visible_to(request.user)
        .select_related("hospital")
        .order_by("-start", "pk")[:200]
        if permissions.can_organise_training(request.user, c)
    ]
    form = SessionForm(request.POST or None, contracts=contracts)

    def save(data: dict[str, Any]) -> TrainingSession:
        contract = next((c for c in contracts if c.pk == data.pop("contract")), None)
        if contract is None:
            raise ValidationError({"contract": _("请选择合同。")})
        return services.session_create(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **data
        )

    done = submit(
        request,
        form,
        save,
        then=lambda s: reverse("training:session_detail", args=[s.pk]),
        message=_("已登记培训，请让学员扫码签到。"),
    )
    if done is not None:
        return done
    return render(request, "training/session_new.html", {"form": form, "no_contract": not contracts})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One session: what was taught, the sign-in QR code (for the organiser), who signed in."""
    session = get_visible(TrainingSession.objects.select_related("contract", "hospital"), request.user, pk=pk)
    organiser = permissions.can_organise_training(request.user, session.contract)
    url = sign_in_url(request, session) if organiser else ""
    trainees = list(session.trainees.all())
    mine = next((t for t in trainees if t.user_id == request.user.pk), None)
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "organiser": organiser,
            "sign_url": url,
            "qr": qr_svg(url) if organiser and session.sign_in_open else "",
            "trainees": trainees,
            "mine": mine,
            "feedback_form": FeedbackForm(initial={"rating": mine.rating} if mine and mine.rating else None),
            "materials": [line for line in session.materials.splitlines() if line.strip()],
        },
    )


@login_required
@require_POST
def sign_in_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_visible(TrainingSession.objects.select_related("contract"), request.user, pk=pk)
    services.sign_in_set_open(
        actor=request.user,
        session=session,
        open_=request.POST.get("open") == "1",
        context=AuditContext.from_request(request),
    )
    return redirect("training:session_detail", pk=session.pk)


@login_required
def sign_in(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The page the QR code opens on a phone: the session, and one button to sign in."""
    session = get_visible(TrainingSession.objects.select_related("contract", "hospital"), request.user, pk=pk)
    trainee = Trainee.objects.filter(session=session, user=request.user).first()
    error = ""
    if request.method == "POST" and trainee is None:
        try:
            trainee = services.trainee_sign_in(
                actor=request.user,
                session=session,
                token=token,
                department=request.POST.get("department", "")[:128],
                context=AuditContext.from_request(request),
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, _("签到成功。"))
            return redirect("training:sign_in", pk=session.pk, token=token)
    elif token != session.token:
        error = _("签到码无效，请重新扫描现场的二维码。")
    return render(
        request,
        "training/sign_in.html",
        {"session": session, "trainee": trainee, "error": error, "feedback_form": FeedbackForm()},
        status=400 if error and request.method == "POST" else 200,
    )


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    trainee = get_visible(Trainee.objects.select_related("session"), request.user, pk=pk)
    form = FeedbackForm(request.POST)
    back = request.POST.get("back") == "sign" and reverse(
        "training:sign_in", args=[trainee.session_id, trainee.session.token]
    )
    if not form.is_valid():
        messages.error(request, _("请选择 1–5 星的评分。"))
    else:
        try:
            services.trainee_feedback(
                actor=request.user,
                trainee=trainee,
                context=AuditContext.from_request(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("谢谢您的反馈。"))
    return redirect(back or reverse("training:session_detail", args=[trainee.session_id]))


@login_required
def my_records(request: HttpRequest) -> HttpResponse:
    """我的培训记录."""
    items, next_url = request_page(request, selectors.records_of(request.user), limit=50)
    return render(request, "training/my_records.html", {"items": items, "next_url": next_url})
