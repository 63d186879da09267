"""The network side: one email through Django's mail backend, one post to a WeCom or DingTalk
group robot. Each function either returns (the message was accepted) or raises :class:`SendError`
with a reason a hospital admin can act on; none of them touches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote_plus, urljoin, urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

#: Seconds to wait for a robot's HTTP reply: a slow robot must not hold a worker.
HTTP_TIMEOUT = 5
#: Seconds to wait for the SMTP server (connect and each command).
SMTP_TIMEOUT = 10
#: WeCom rejects markdown content over 4096 bytes; DingTalk's limit is larger but similar.
MAX_MARKDOWN_BYTES = 4000


class SendError(Exception):
    """A send failed. ``permanent`` failures (a deactivated robot) are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def absolute_url(path: str) -> str:
    """Links in emails and group messages must work outside the browser session, so they are
    made absolute with ``WEIBAO_BASE_URL`` (setting or environment) when it is configured."""
    if not path or path.startswith(("http://", "https://")):
        return path
    base = getattr(settings, "WEIBAO_BASE_URL", "") or os.environ.get("WEIBAO_BASE_URL", "")
    return urljoin(base.rstrip("/") + "/", path.lstrip("/")) if base else path


def _truncate_utf8(text: str, limit: int) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


def markdown_message(*, title: str, body: str, url: str = "") -> str:
    """The group message: bold title, body, link, and the platform's name (DingTalk robots in
    keyword mode only accept messages that contain the group's keyword, usually 维保)."""
    lines = [f"**{title}**", "", body.strip()] if body.strip() else [f"**{title}**"]
    link = absolute_url(url)
    if link:
        lines += ["", f"[{_('查看详情')}]({link})"]
    lines += ["", f"> {_('来自维保平台')}"]
    return _truncate_utf8("\n".join(lines), MAX_MARKDOWN_BYTES)


def email_text(*, body: str, url: str = "") -> str:
    parts = [body.strip()]
    link = absolute_url(url)
    if link:
        parts.append(_("查看详情：%(url)s") % {"url": link})
    parts.append("—— " + _("维保平台。可在“通知设置”中关闭此类邮件。"))
    return "\n\n".join(p for p in parts if p)


def send_email(*, to: str, subject: str, body: str, message_id: str = "") -> None:
    """Send one plain-text email through the configured backend (SMTP in production)."""
    try:
        connection = get_connection(timeout=SMTP_TIMEOUT)
        headers = {"Message-ID": message_id} if message_id else None
        EmailMessage(subject, body, None, [to], connection=connection, headers=headers).send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())
        raise SendError(_("收件人被拒绝：%(r)s") % {"r": codes}) from exc
    except smtplib.SMTPResponseException as exc:
        message = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        raise SendError(f"SMTP {exc.smtp_code}: {message}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(_("邮件服务器不可用：%(e)s") % {"e": exc or type(exc).__name__}) from exc


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` keyed by the secret, base64,
    URL-encoded (the value of the ``sign`` query parameter)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot's reply is never followed elsewhere: a redirect fails the send as its status."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class RobotURLError(ValueError):
    """A robot address that is refused; ``reason`` says why (``host``: not an allowed host)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
MAX_URL_LENGTH = 2000


def robot_url(url: str) -> str:
    """The address a robot's messages are posted to: ``url`` parsed once, checked, and rebuilt
    from the parsed parts (the rebuilt one is what is sent to, so no other parser gets to read
    the original differently). Only ``https://`` to a host of ``settings.WEIBAO_ROBOT_HOSTS`` (an
    entry without a port allows the host on any port); refused are user info (``@``), backslashes,
    whitespace, control and non-ASCII characters, and percent-encoding in the host: the spots
    where URL parsers disagree (``https://127.0.0.1:8021\\@qyapi.weixin.qq.com/x``). Raises
    :class:`RobotURLError`."""
    if not isinstance(url, str) or not url:
        raise RobotURLError(_("请填写 Webhook 地址。"), reason="empty")
    if len(url) > MAX_URL_LENGTH:
        raise RobotURLError(_("Webhook 地址过长。"), reason="length")
    if "\\" in url or any(not 0x20 < ord(ch) < 0x7F for ch in url):
        raise RobotURLError(
            _("Webhook 地址含有反斜杠、空白、控制字符或非 ASCII 字符，请使用平台给出的原始地址。"),
            reason="characters",
        )
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.netloc:
        raise RobotURLError(_("请填写完整的 Webhook 地址（以 https:// 开头）。"), reason="scheme")
    if "@" in parts.netloc or "%" in parts.netloc:
        raise RobotURLError(_("Webhook 地址的主机部分不能含有“@”或“%”。"), reason="netloc")
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = (parts.hostname or "").lower()
    literal = host
    if host.count(":"):  # an IPv6 literal, brackets removed by the parser
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            host = ""
        literal = f"[{host}]"
    elif not _HOST.match(host):
        host = ""
    if port == -1 or not host:
        raise RobotURLError(_("Webhook 地址的主机或端口无效。"), reason="host")
    allowed = settings.WEIBAO_ROBOT_HOSTS
    if host not in allowed and (port is None or f"{host}:{port}" not in allowed):
        raise RobotURLError(
            _("机器人地址的主机 %(h)s 不在允许的列表中（WEIBAO_ROBOT_HOSTS）") % {"h": host}, reason="host"
        )
    netloc = literal if port is None else f"{literal}:{port}"
    return urlunsplit(("https", netloc, parts.path or "/", parts.query, ""))


def robot_host_allowed(url: str) -> bool:
    """Whether ``url`` is an address robots may post to (see :func:`robot_url`)."""
    try:
        robot_url(url)
    except RobotURLError:
        return False
    return True


def _opener() -> urllib.request.OpenerDirector:
    """No redirects; TLS verified against the system's CAs, or ``WEIBAO_ROBOT_CA_FILE`` (an
    intranet relay's own CA)."""
    context = ssl.create_default_context(cafile=getattr(settings, "WEIBAO_ROBOT_CA_FILE", None) or None)
    return urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))


def _post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST JSON and return the JSON reply; the robot's key is in the URL, so no reason given
    here ever contains the URL."""
    try:
        url = robot_url(url)
    except RobotURLError as exc:
        # A robot saved before its host left the list (or before the rules were this strict):
        # never posted to, and not retried.
        raise SendError(str(exc), permanent=True) from exc
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with _opener().open(request, timeout=HTTP_TIMEOUT) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        snippet = exc.read(200).decode(errors="replace").strip()
        raise SendError(f"HTTP {exc.code}" + (f": {snippet}" if snippet else "")) from exc
    except urllib.error.URLError as exc:
        raise SendError(_("无法连接机器人地址：%(e)s") % {"e": exc.reason}) from exc
    except TimeoutError as exc:
        raise SendError(_("机器人 %(s)s 秒内无应答") % {"s": HTTP_TIMEOUT}) from exc
    except OSError as exc:
        raise SendError(_("网络错误：%(e)s") % {"e": exc}) from exc
    try:
        reply = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise SendError(
            _("机器人返回的不是 JSON：%(r)s") % {"r": raw[:120].decode(errors="replace")}
        ) from exc
    if not isinstance(reply, dict):
        raise SendError(_("机器人返回的不是 JSON 对象"))
    return reply


def _check_errcode(reply: dict[str, Any]) -> None:
    errcode = reply.get("errcode")
    if errcode != 0:
        raise SendError(f"errcode {errcode}: {reply.get('errmsg', '')}".strip())


def post_wecom(*, url: str, content: str) -> None:
    """企业微信群机器人: a markdown message; accepted when the reply's ``errcode`` is 0."""
    _check_errcode(_post_json(url, {"msgtype": "markdown", "markdown": {"content": content}}))


def post_dingtalk(*, url: str, secret: str, title: str, text: str) -> None:
    """钉钉群机器人: a markdown message to the (加签-signed) URL; accepted when ``errcode`` is 0."""
    payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    _check_errcode(_post_json(dingtalk_signed_url(url, secret), payload))
