"""Pages of the documents app: download a produced file, and the hospital's template page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.accounts.models import Organization
from weibao.audit.context import AuditContext
from weibao.core.tenancy import get_visible

from . import services
from .kinds import get_kind, template_kinds
from .models import DocumentTemplate, GeneratedDocument
from .render import DOCX_TYPE


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """A produced file, to whoever sees its hospital or contract; its SHA-256 in a header."""
    doc = get_visible(GeneratedDocument.objects, request.user, pk=pk)
    response = FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=doc.filename, content_type=doc.content_type
    )
    response["X-Content-SHA256"] = doc.sha256
    return response


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label=_("DOCX 模板"))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise ValidationError(_("请上传 .docx 文件。"))
        if upload.size > services.TEMPLATE_MAX_BYTES:
            raise ValidationError(_("模板文件不能超过 5 MB。"))
        return bytes(upload.read())


def _hospital(request: HttpRequest) -> Organization:
    """The hospital whose templates the page shows: the one asked for, among those the user manages."""
    ids = permissions.template_hospital_ids(request.user)
    if not ids:
        raise PermissionDenied(_("只有医院管理员可以管理本院的文档模板。"))
    wanted = request.GET.get("hospital") or request.POST.get("hospital") or ""
    hospital_id = int(wanted) if wanted.isdigit() and int(wanted) in ids else min(ids)
    return Organization.objects.get(pk=hospital_id)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    """文档模板: each kind of document, whether the hospital prints it from its own template, and
    the forms to upload one or go back to the default."""
    hospital = _hospital(request)
    own = {t.kind: t for t in DocumentTemplate.objects.filter(hospital=hospital)}
    rows = [{"kind": k, "own": own.get(k.code)} for k in template_kinds()]
    return render(
        request,
        "documents/template_list.html",
        {"hospital": hospital, "rows": rows, "form": TemplateUploadForm()},
    )


@login_required
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    """The template the hospital prints ``kind`` from (``?default=1``: Weibao's own)."""
    hospital = _hospital(request)
    try:
        document_kind = get_kind(kind)
        content = (
            document_kind.default_bytes()
            if request.GET.get("default")
            else services.template_bytes(kind, hospital)
        )
    except LookupError:
        raise Http404 from None
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}.docx"'
    return response


@require_POST
@login_required
def template_upload(request: HttpRequest, kind: str) -> HttpResponse:
    hospital = _hospital(request)
    try:
        get_kind(kind)
    except LookupError:
        raise Http404 from None
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.template_upload(
                actor=request.user,
                hospital=hospital,
                kind=kind,
                content=form.cleaned_data["file"],
                context=AuditContext.from_request(request),
            )
            messages.success(request, _("已启用本院模板。"))
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect(f"{request.path.rsplit('/', 2)[0]}/?hospital={hospital.pk}")


@require_POST
@login_required
def template_reset(request: HttpRequest, kind: str) -> HttpResponse:
    hospital = _hospital(request)
    services.template_reset(
        actor=request.user, hospital=hospital, kind=kind, context=AuditContext.from_request(request)
    )
    messages.success(request, _("已恢复默认模板。"))
    return redirect(f"{request.path.rsplit('/', 2)[0]}/?hospital={hospital.pk}")
