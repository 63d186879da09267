"""The ``check`` command line: arguments to a :class:`Target`, a result to Nagios plugin output.

``weibao probes check`` wires this to Django's command; it has no Django in it so the argument
rules are one place. Thresholds (``--warn``/``--crit``) are Nagios ranges on the kind's main
metric: seconds of response time for tcp, http, soap, dicom-echo and hl7; the count for
dicom-worklist and days left for tls, where a bare number N means "alert below N"; the query's
value for sql; the age for backup, where a bare number may carry a unit (``90m``, ``26h``, ``2d``)
and means "alert above".
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from datetime import time as dtime

from .base import (
    BackupOptions,
    ConfigError,
    DicomOptions,
    Hl7Options,
    HttpOptions,
    Options,
    Range,
    SqlOptions,
    Target,
    TlsOptions,
    WorklistOptions,
)

LOWER_IS_BAD = {"tls", "dicom-worklist"}
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>[smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def add_check_arguments(parser: argparse.ArgumentParser, kinds: tuple[str, ...]) -> None:
    parser.add_argument("--kind", required=True, choices=kinds)
    parser.add_argument("--host", default="")
    parser.add_argument("--port", type=int)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--warn", help="warning threshold (Nagios range)")
    parser.add_argument("--crit", help="critical threshold (Nagios range)")
    dicom = parser.add_argument_group("DICOM (dicom-echo, dicom-worklist)")
    dicom.add_argument("--called-aet", default="ANY-SCP")
    dicom.add_argument("--calling-aet", default="WEIBAO")
    dicom.add_argument("--modality", default="")
    dicom.add_argument("--station-aet", default="")
    dicom.add_argument("--now", help="the worklist's clock, ISO 8601 (default: now)")
    dicom.add_argument("--working-hours", default="08:00-18:00", help="HH:MM-HH:MM")
    dicom.add_argument("--working-days", default="1-5", help="ISO weekdays, e.g. 1-5 or 1,2,3,4,5,6")
    hl7 = parser.add_argument_group("HL7 over MLLP (hl7)")
    hl7.add_argument("--sending-app", default="WEIBAO")
    hl7.add_argument("--sending-facility", default="WEIBAO")
    hl7.add_argument("--receiving-app", default="")
    hl7.add_argument("--receiving-facility", default="")
    hl7.add_argument("--message-type", default="ADT^A01")
    hl7.add_argument("--hl7-version", default="2.5")
    hl7.add_argument("--encoding", default="utf-8")
    web = parser.add_argument_group("HTTP(S), SOAP and TLS (http, soap, tls)")
    web.add_argument("--url", default="")
    web.add_argument("--ssl", action="store_true", help="https when no --url is given")
    web.add_argument("--path", default="", help="URL path (http, soap) or backup directory (backup)")
    web.add_argument("--status", default="", help="expected status codes, e.g. 200,204 (default: < 400)")
    web.add_argument("--expect", default="", help="regular expression the body must match")
    web.add_argument("--soap-action", default="")
    web.add_argument("--soap-body-file", default="", help="SOAP envelope to POST (default: fetch the WSDL)")
    web.add_argument("--server-name", default="", help="TLS server name (default: the host)")
    web.add_argument("--ca-file", default="", help="CA bundle to verify against (default: system store)")
    web.add_argument("--accept-untrusted", action="store_true", help="judge only the expiry")
    sql = parser.add_argument_group("SQL and backup (sql, backup)")
    sql.add_argument("--dsn", default="", help="postgresql://… or mysql://…")
    sql.add_argument("--driver", default="", help="postgresql or mysql (default: from the DSN)")
    sql.add_argument("--query", default="")
    sql.add_argument("--glob", default="*", help="backup file pattern under --path")
    sql.add_argument("--tz", default="UTC", help="time zone of naive timestamps (backup)")


def _threshold(kind: str, text: str | None) -> Range | None:
    if text is None:
        return None
    if kind == "backup":
        match = _DURATION.match(text.strip())
        if match:
            return Range.above(float(match["n"]) * _SECONDS[match["unit"]])
    return Range.parse(text, lower_is_bad=kind in LOWER_IS_BAD)


def _hhmm(text: str) -> dtime:
    try:
        return dtime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"bad time {text!r}: expected HH:MM") from exc


def _weekdays(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ConfigError(f"bad working days {text!r}: expected e.g. 1-5")
        low, high = int(first), int(last or first)
        if not 1 <= low <= high <= 7:
            raise ConfigError(f"bad working days {text!r}: ISO weekdays are 1 (Monday) to 7")
        days.update(d - 1 for d in range(low, high + 1))
    return frozenset(days)


def _options(kind: str, args: argparse.Namespace) -> Options | None:
    tls = TlsOptions(
        server_name=args.server_name, ca_file=args.ca_file, accept_untrusted=args.accept_untrusted
    )
    if kind == "dicom-echo":
        return DicomOptions(calling_aet=args.calling_aet, called_aet=args.called_aet)
    if kind == "dicom-worklist":
        start, _, end = args.working_hours.partition("-")
        try:
            now = datetime.fromisoformat(args.now) if args.now else None
        except ValueError as exc:
            raise ConfigError(f"bad --now {args.now!r}: expected ISO 8601") from exc
        return WorklistOptions(
            calling_aet=args.calling_aet,
            called_aet=args.called_aet,
            modality=args.modality,
            station_aet=args.station_aet,
            now=now,
            working_hours=(_hhmm(start), _hhmm(end)),
            working_days=_weekdays(args.working_days),
        )
    if kind == "hl7":
        return Hl7Options(
            sending_app=args.sending_app,
            sending_facility=args.sending_facility,
            receiving_app=args.receiving_app,
            receiving_facility=args.receiving_facility,
            message_type=args.message_type,
            version=args.hl7_version,
            encoding=args.encoding,
        )
    if kind in ("http", "soap"):
        try:
            statuses = tuple(int(s) for s in args.status.split(",") if s.strip())
        except ValueError as exc:
            raise ConfigError(f"bad --status {args.status!r}: expected e.g. 200,204") from exc
        soap_body = ""
        if args.soap_body_file:
            try:
                with open(args.soap_body_file, encoding="utf-8") as handle:
                    soap_body = handle.read()
            except OSError as exc:
                raise ConfigError(f"cannot read {args.soap_body_file}: {exc.strerror}") from exc
        return HttpOptions(
            url=args.url,
            scheme="https" if args.ssl else "http",
            path=args.path or "/",
            expect_status=statuses,
            body_regex=args.expect,
            tls=tls,
            soap_body=soap_body,
            soap_action=args.soap_action,
        )
    if kind == "tls":
        return tls
    sql = SqlOptions(dsn=args.dsn, driver=args.driver, query=args.query or "SELECT 1")
    if kind == "sql":
        return sql
    if kind == "backup":
        return BackupOptions(
            directory=args.path, pattern=args.glob, sql=sql if args.query else None, timezone=args.tz
        )
    return None


def target_from_args(args: argparse.Namespace) -> Target:
    """The :class:`Target` the arguments describe; :class:`ConfigError` when they don't add up."""
    kind = args.kind
    if args.port is not None and not 0 < args.port < 65536:
        raise ConfigError(f"port {args.port} out of range")
    if not args.timeout > 0:
        raise ConfigError("timeout must be positive")
    return Target(
        host=args.host,
        port=args.port,
        options=_options(kind, args),
        warn=_threshold(kind, args.warn),
        crit=_threshold(kind, args.crit),
    )
