"""HTTP(S): the status, an optional body regex, and thresholds on the response time in seconds.

Redirects are not followed (a 3xx is a status like another). HTTPS verifies the certificate as
the TLS probe does (system store or ``ca_file``; ``accept_untrusted`` skips verification).
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .base import (
    ConfigError,
    Deadline,
    HttpOptions,
    Metric,
    ProbeFailure,
    ProbeResult,
    Target,
    guarded,
    judge,
)
from .tls import verifying_context


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    reason: str
    content_type: str
    body: bytes
    elapsed: float

    def text(self) -> str:
        match = re.search(r"charset=([\w.-]+)", self.content_type)
        try:
            return self.body.decode(match[1] if match else "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def target_url(target: Target, options: HttpOptions) -> str:
    if options.url:
        return options.url
    host, port = target.require_endpoint(443 if options.scheme == "https" else 80)
    path = options.path if options.path.startswith("/") else f"/{options.path}"
    return f"{options.scheme}://{host}:{port}{path}"


def fetch(
    target: Target,
    options: HttpOptions,
    deadline: Deadline,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    url = target_url(target, options)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"not an http(s) URL: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad port in {url!r}") from exc
    timeout = deadline.remaining()
    if parts.scheme == "https":
        if options.tls.accept_untrusted:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            context = verifying_context(options.tls)
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers={"User-Agent": "Weibao-probe/1", **(headers or {})})
        reply = conn.getresponse()
        data = reply.read(options.max_body_bytes)
        elapsed = time.monotonic() - started
        deadline.remaining()  # a body trickling in past the budget is a timeout too
        return Response(url, reply.status, reply.reason, reply.getheader("Content-Type", ""), data, elapsed)
    except http.client.HTTPException as exc:
        raise ProbeFailure(f"{url}: bad HTTP answer: {type(exc).__name__} {exc}") from exc
    finally:
        conn.close()


def check_status_and_body(response: Response, options: HttpOptions) -> None:
    """Raise :class:`ProbeFailure` when the status or the body is not what is expected."""
    expected = options.expect_status
    if (expected and response.status not in expected) or (not expected and response.status >= 400):
        wanted = "/".join(map(str, expected)) if expected else "< 400"
        raise ProbeFailure(f"{response.url}: HTTP {response.status} {response.reason} (expected {wanted})")
    if options.body_regex:
        try:
            pattern = re.compile(options.body_regex)
        except re.error as exc:
            raise ConfigError(f"bad body regex {options.body_regex!r}: {exc}") from exc
        if not pattern.search(response.text()):
            raise ProbeFailure(
                f"{response.url}: HTTP {response.status}, body does not match /{options.body_regex}/"
            )


def metrics(response: Response, target: Target) -> list[Metric]:
    warn, crit = target.thresholds()
    return [
        Metric("time", round(response.elapsed, 6), "s", warn=warn, crit=crit, min=0),
        Metric("size", len(response.body), "B", min=0),
    ]


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(HttpOptions)
    response = fetch(target, options, deadline)
    check_status_and_body(response, options)
    return judge(
        f"{response.url}: HTTP {response.status} {response.reason} in {response.elapsed * 1000:.0f} ms",
        metrics(response, target),
    )
