"""The API shell: one NinjaAPI under /api/v1/, token and session auth, one error shape.

Every error is ``{"detail": ..., "code": ...}`` with a 4xx status for anything the client did;
apps add routers with :func:`weibao.urls` and declare :data:`ERRORS` on their operations so the
OpenAPI schema lists every status an endpoint can answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import orjson
from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import BeforeValidator, StrictBool, WithJsonSchema

from weibao.core.db import DB_INT_MAX
from weibao.core.docs import LocalSwagger
from weibao.core.pagination import BadCursor
from weibao.core.refusals import record_refusal
from weibao.core.tenancy import get_visible  # noqa: F401 - the API modules import it from here

log = logging.getLogger(__name__)


class ErrorOut(Schema):
    detail: Any
    code: str


#: The error responses every operation may give; merge into ``response=``.
ERRORS: dict[int, type[Schema] | None] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    # The web server's own refusal of a request line over 4 KB, before the application.
    414: None,
    422: ErrorOut,
}


def responses(**ok: Any) -> dict[int, Any]:
    """``responses(_200=Out)`` → ``{200: Out, 400: ErrorOut, ...}``."""
    result: dict[int, Any] = {int(k.lstrip("_")): v for k, v in ok.items()}
    result.update({code: schema for code, schema in ERRORS.items() if code not in result})
    return result


# A number a client sends that the database cannot hold (an id, a version) is refused with 422 by
# the types below, in one place, rather than failing inside the database driver.
#: An id in a path, a query filter or a body.
Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
#: The version a client read, sent back for optimistic locking.
Version = Annotated[int, Field(ge=0, le=DB_INT_MAX)]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    """Dates and instants are ISO 8601 text (or already parsed): pydantic would otherwise read a
    number as a Unix timestamp, which the schema does not promise."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("expected ISO 8601 text such as 2026-03-01 or 2026-03-01T09:30:00+08:00")


#: A date in a body or a query: ``2026-03-01``.
IsoDate = Annotated[date, BeforeValidator(_iso_only)]
#: An instant in a body: ``2026-03-01T09:30:00+08:00``.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
#: A yes/no in a JSON body: ``true`` or ``false``, not 0 or "yes".
Flag = StrictBool


def _true_or_false(value: Any) -> Any:
    if isinstance(value, bool) or value in ("true", "false"):
        return value
    raise ValueError("expected true or false")


#: A yes/no in a multipart form: the text ``true`` or ``false``.
FormFlag = Annotated[bool, BeforeValidator(_true_or_false)]


def decimal_type(*, max_digits: int, decimal_places: int, positive: bool = False) -> Any:
    """A money or quantity field as JSON: a whole number, or text such as ``"12.50"`` (a JSON
    number with a fraction is a float, and money is not). The schema says exactly what the
    validation accepts, so a client (or a fuzzer) can tell a good value from a bad one."""
    whole = max_digits - decimal_places
    if positive:
        assert decimal_places == 2, "the positive pattern is written for two decimal places"
        pattern = rf"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{{0,{whole - 1}}}(\.[0-9]{{1,2}})?)$"
    else:
        pattern = rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{decimal_places}}})?$"
    number = {"type": "integer", "minimum": 1 if positive else 0, "maximum": 10**whole - 1}

    def whole_or_text(value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError('write a fraction as text, such as "12.50"')
        if isinstance(value, str) and not re.fullmatch(pattern, value):
            raise ValueError(f"expected a number such as 12.50 (at most {decimal_places} decimals)")
        return value

    bounds = {"gt": 0} if positive else {"ge": 0}
    return Annotated[
        Decimal,
        BeforeValidator(whole_or_text),
        Field(max_digits=max_digits, decimal_places=decimal_places, **bounds),
        WithJsonSchema({"anyOf": [number, {"type": "string", "pattern": pattern}]}),
    ]


#: Finds the active user of a personal API token, or None (unknown, revoked); may raise
#: PermissionDenied. The app that keeps tokens registers it (:func:`register_token_lookup`).
TokenLookup = Callable[[str], Any]
_token_lookup: TokenLookup | None = None


def register_token_lookup(lookup: TokenLookup) -> None:
    """Say how a bearer token is turned into a user (the accounts app, once)."""
    global _token_lookup
    _token_lookup = lookup


class TokenAuth(HttpBearer):
    """``Authorization: Bearer wb_…`` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = _token_lookup(token) if _token_lookup is not None else None
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The UI's session cookie, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class ObjectParser(Parser):
    """JSON bodies are objects: every operation's body is a schema of named fields, and an array
    or a bare string would otherwise reach it as an empty change."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = orjson.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        return data


class ORJSONRenderer(BaseRenderer):
    """JSON with orjson: several times faster than the standard library on ticket lists."""

    media_type = "application/json"
    options = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=_json_default, option=self.options)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):  # lazy translations
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_bytes(data: Any) -> bytes:
    """The body :func:`json_response` sends for ``data``."""
    return orjson.dumps(data, default=_json_default, option=ORJSONRenderer.options)


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """Rows the code built itself from known fields: rendered without validating them again."""
    return HttpResponse(
        orjson.dumps(data, default=_json_default, option=ORJSONRenderer.options),
        status=status,
        content_type=ORJSONRenderer.media_type,
    )


api = NinjaAPI(
    renderer=ORJSONRenderer(),
    parser=ObjectParser(),
    title="Weibao API",
    version="1",
    description="维保平台 REST API。认证：`Authorization: Bearer <个人令牌>`，或浏览器会话。"
    '错误统一为 `{"detail": ..., "code": ...}`。',
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    docs=LocalSwagger(),
)


def _error(request: HttpRequest, detail: Any, code: str, status: int):
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc):
    return _error(request, exc.errors, "validation_error", 422)


@api.exception_handler(BadCursor)
def _bad_cursor(request, exc):
    # A cursor of the right form that this list did not hand out: 400, like any request the schema
    # allows but the server cannot act on (422 is kept for what the schema itself refuses).
    return _error(request, _("分页游标无效：请去掉 cursor 从第一页重新读取。"), "bad_cursor", 400)


@api.exception_handler(ValidationError)
def _django_validation_error(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return _error(request, detail, "invalid", 400)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, _("未认证：请提供有效的令牌或登录。"), "unauthorized", 401)


@api.exception_handler(PermissionDenied)
def _permission_denied(request, exc):
    record_refusal(request, str(exc))
    # A refusal may name itself (e.g. ``password_change_required``) so that clients can act on it.
    return _error(request, str(exc) or _("没有权限。"), getattr(exc, "code", None) or "forbidden", 403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, _("未找到。"), "not_found", 404)


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request, exc):
    return _error(request, _("未找到。"), "not_found", 404)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        429: "too_many_requests",
    }
    return _error(request, exc.message, codes.get(exc.status_code, "error"), exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return _error(request, _("请求体超过 %(mb)d MB 的上限。") % {"mb": limit}, "too_large", 413)


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request, exc):
    return _error(request, _("multipart 请求体无法解析：%(e)s") % {"e": exc}, "bad_request", 400)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
def _bad_request(request, exc):
    # Too many fields, a malformed upload name and the like: the client's fault, said plainly.
    return _error(request, _("请求格式不正确。"), "bad_request", 400)


@api.exception_handler(ProtectedError)
@api.exception_handler(RestrictedError)
def _still_referenced(request, exc):
    return _error(request, _("仍有其他记录引用它，不能删除。"), "conflict", 409)


@api.exception_handler(Exception)
def _server_error(request, exc):
    log.exception("unhandled API error on %s %s", request.method, request.path)
    return _error(request, _("服务器内部错误，已记录。"), "server_error", 500)


class StatusOut(Schema):
    status: str
    problems: list[str]
    checked_at: Any
    web: dict[str, Any]
    workers: list[dict[str, Any]]
    queue: dict[str, Any]
    backlog: dict[str, dict[str, int]]
    periodic: list[dict[str, Any]]


@api.get("/status", response=responses(_200=StatusOut), summary="运行状态（平台管理员）", tags=["status"])
def installation_status(request):
    """Web and worker health, the job queue's depth, the outbox, the last run of each periodic
    job. ``status`` is ``ok`` or ``degraded`` (``problems`` says why: ``no_worker``,
    ``queue_silent``, ``queue_unreachable``)."""
    from .status import installation_status as status

    if not request.user.is_platform_admin:
        raise PermissionDenied(_("只有平台管理员可以查看运行状态。"))
    return json_response(status())
