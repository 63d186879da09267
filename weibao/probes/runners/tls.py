"""TLS certificate: days to expiry and whether the chain is trusted.

Default thresholds: WARN below 30 days, CRIT below 7; an expired certificate is CRIT. The chain and
the host name are verified against the system store, or ``ca_file`` when given; a certificate
that does not verify (self-signed, unknown issuer, wrong name) is CRIT unless the target sets
``accept_untrusted``, and then only its expiry counts.
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime

from cryptography import x509

from .base import ConfigError, Deadline, Metric, ProbeResult, Range, State, Target, TlsOptions, guarded, judge

DEFAULT_WARN = Range.below(30)
DEFAULT_CRIT = Range.below(7)


def verifying_context(options: TlsOptions) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=options.ca_file or None)
    except (FileNotFoundError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot read CA file {options.ca_file!r}: {exc}") from exc


def _peer_certificate(
    host: str, port: int, server_name: str, context: ssl.SSLContext, timeout: float
) -> bytes:
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        context.wrap_socket(sock, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ConfigError("the peer sent no certificate")
    return der


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(TlsOptions)
    host, port = target.require_endpoint(443)
    server_name = options.server_name or host
    problem = ""
    try:
        der = _peer_certificate(host, port, server_name, verifying_context(options), deadline.remaining())
    except ssl.SSLCertVerificationError as exc:
        problem = exc.verify_message or str(exc.reason)
        unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        der = _peer_certificate(host, port, server_name, unverified, deadline.remaining())
    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    days = (not_after - datetime.now(UTC)).total_seconds() / 86400
    warn, crit = target.thresholds(DEFAULT_WARN, DEFAULT_CRIT)
    metric = Metric("days_left", round(days, 2), warn=warn, crit=crit)
    subject = cert.subject.rfc4514_string() or "(no subject)"
    expiry = f"expires {not_after:%Y-%m-%d %H:%M} UTC"
    if days < 0:
        return ProbeResult(
            State.CRIT, f"certificate {subject} expired on {not_after:%Y-%m-%d %H:%M} UTC", metrics=(metric,)
        )
    if problem and not options.accept_untrusted:
        return ProbeResult(
            State.CRIT,
            f"certificate {subject} not trusted: {problem}; {expiry} ({days:.1f} days)",
            metrics=(metric,),
        )
    trust = "accepted untrusted" if problem else "trusted"
    return judge(f"certificate {subject} {trust}, {expiry} ({days:.1f} days left)", [metric])
