"""A stored probe's configuration as a runner's :class:`~weibao.probes.runners.Target`.

The options of a probe are the options of ``weibao probes check`` (argparse's names, with
underscores: ``called_aet``, ``calling_aet``, ``expect``, ``status``, ``query``, ``path`` …), so
one set of rules (:mod:`weibao.probes.runners.cli`) reads both. The endpoint gives the host, the
port, the called AE title, the URL and the DSN; the endpoint's credential, decrypted here and only
here, is put into the DSN of SQL and backup probes. Options that would make the server read a file
it names (``soap_body_file``) are refused; a SOAP envelope is given as ``soap_body`` text.
"""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .runners import KINDS, ConfigError, HttpOptions, Target
from .runners.cli import add_check_arguments, target_from_args

#: Set from the probe's own fields or the endpoint, never from the options.
FROM_FIELDS = frozenset({"kind", "host", "port", "timeout", "warn", "crit", "soap_body_file"})


@functools.cache
def _defaults() -> dict[str, Any]:
    parser = argparse.ArgumentParser(add_help=False)
    add_check_arguments(parser, KINDS)
    return {a.dest: a.default for a in parser._actions if a.dest != "help"}


def option_names() -> list[str]:
    """The option keys a probe may set."""
    return [*sorted(set(_defaults()) - FROM_FIELDS), "soap_body"]


@dataclass(frozen=True)
class EndpointView:
    """What a target needs of an endpoint (so the bench and tests can build one without a row)."""

    host: str = ""
    port: int | None = None
    ae_title: str = ""
    url: str = ""
    dsn: str = ""
    username: str = ""
    password: str = ""


def _with_credential(dsn: str, username: str, password: str) -> str:
    if not dsn or not (username or password):
        return dsn
    parts = urlsplit(dsn)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = quote(username or parts.username or "", safe="")
    if password:
        netloc += ":" + quote(password, safe="")
    netloc += "@" + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def build_target(
    *,
    kind: str,
    endpoint: EndpointView,
    options: dict[str, Any],
    timeout: float,
    warn: str = "",
    crit: str = "",
) -> Target:
    """The runner's target; :class:`ConfigError` when the configuration does not add up."""
    if kind not in KINDS:
        raise ConfigError(f"unknown probe kind {kind!r}")
    if not isinstance(options, dict):
        raise ConfigError("options must be a JSON object")
    values = dict(_defaults())
    unknown = sorted(set(options) - set(option_names()))
    if unknown:
        raise ConfigError(f"unknown options: {', '.join(unknown)}")
    values.update(
        kind=kind,
        host=endpoint.host,
        port=endpoint.port,
        timeout=timeout,
        warn=warn or None,
        crit=crit or None,
        soap_body_file="",
    )
    if endpoint.ae_title:
        values["called_aet"] = endpoint.ae_title
    if endpoint.url:
        values["url"] = endpoint.url
    if endpoint.dsn:
        values["dsn"] = endpoint.dsn
    soap_body = ""
    for key, value in options.items():
        if key == "soap_body":
            soap_body = str(value)
            continue
        default = values.get(key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"option {key} must be true or false")
        elif value is not None and not isinstance(value, str | int | float):
            raise ConfigError(f"option {key} must be text or a number")
        values[key] = value if isinstance(value, bool) or value is None else str(value)
    if values.get("dsn"):
        values["dsn"] = _with_credential(str(values["dsn"]), endpoint.username, endpoint.password)
    target = target_from_args(argparse.Namespace(**values))
    if soap_body and isinstance(target.options, HttpOptions):
        target = replace(target, options=replace(target.options, soap_body=soap_body))
    return target
