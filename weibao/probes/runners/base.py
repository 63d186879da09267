"""What every probe shares: the target it checks, the result it returns, thresholds and perfdata.

Rules:

* A state has the Nagios meaning and number: OK 0, WARN 1, CRIT 2, UNKNOWN 3. CRIT means the
  service is down or answers wrongly (refused connection, rejected association, an AE
  acknowledgement, an expired certificate, a threshold crossed); UNKNOWN means the probe could not
  say (bad configuration, an answer it cannot read).
* Thresholds are Nagios ranges (``10``, ``10:``, ``~:10``, ``10:20``, ``@10:20``): a value *outside*
  the range alerts, or inside it with ``@``. For a measure where less is worse (days to a
  certificate's expiry, a row count) a bare number ``N`` is read as ``N:`` (alert below N); see
  :meth:`Range.parse`.
* A runner never raises: :func:`guarded` turns an exception into a result (a :class:`ConfigError`
  into UNKNOWN, a network error into CRIT, anything else into UNKNOWN naming the exception) and
  stamps the duration.
* Nothing here keeps state between calls, so runners can run in many threads at once.
"""

from __future__ import annotations

import enum
import functools
import math
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from datetime import time as dtime
from typing import TypeVar


class State(enum.IntEnum):
    """A probe's verdict, numbered as Nagios plugins' exit codes."""

    OK = 0
    WARN = 1
    CRIT = 2
    UNKNOWN = 3


class ConfigError(ValueError):
    """The target is not configured well enough to probe (the result is UNKNOWN, not CRIT)."""


class ProbeFailure(Exception):
    """The peer answered wrongly or not at all: the result is CRIT with this message."""


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^(?P<inside>@)?(?:(?P<start>~|{_NUMBER})?:)?(?P<end>{_NUMBER})?$")


@dataclass(frozen=True, slots=True)
class Range:
    """A Nagios threshold range: ``start``..``end`` inclusive; ``inside`` alerts within it."""

    start: float = 0.0
    end: float = math.inf
    inside: bool = False

    @classmethod
    def parse(cls, text: str, *, lower_is_bad: bool = False) -> Range:
        """Parse Nagios range syntax. With ``lower_is_bad`` a bare number ``N`` means ``N:``."""
        text = text.strip()
        if lower_is_bad and re.fullmatch(_NUMBER, text):
            return cls(start=float(text))
        match = _RANGE.match(text)
        if match is None or (match["start"] is None and match["end"] is None):
            raise ConfigError(
                f"bad threshold {text!r}: expected a Nagios range like 10, 10:, ~:10, 10:20, @10:20"
            )
        start_text = match["start"]
        start = -math.inf if start_text == "~" else float(start_text) if start_text else 0.0
        end = float(match["end"]) if match["end"] else math.inf
        if start > end:
            raise ConfigError(f"bad threshold {text!r}: start is above end")
        return cls(start=start, end=end, inside=bool(match["inside"]))

    @classmethod
    def below(cls, limit: float) -> Range:
        """Alert when the value is below ``limit``."""
        return cls(start=limit)

    @classmethod
    def above(cls, limit: float) -> Range:
        """Alert when the value is above ``limit``."""
        return cls(start=-math.inf, end=limit)

    def alerts(self, value: float) -> bool:
        within = self.start <= value <= self.end
        return within if self.inside else not within

    def __str__(self) -> str:
        start = "~" if self.start == -math.inf else _num(self.start)
        end = "" if self.end == math.inf else _num(self.end)
        prefix = "@" if self.inside else ""
        if self.start == 0.0:
            return f"{prefix}{end}" if end else f"{prefix}0:"
        return f"{prefix}{start}:{end}"


def _num(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


@dataclass(frozen=True, slots=True)
class Metric:
    """One measured value with its Nagios unit (s, ms, %, B, c, or none) and thresholds."""

    label: str
    value: float
    uom: str = ""
    warn: Range | None = None
    crit: Range | None = None
    min: float | None = None
    max: float | None = None

    def state(self) -> State:
        if self.crit is not None and self.crit.alerts(self.value):
            return State.CRIT
        if self.warn is not None and self.warn.alerts(self.value):
            return State.WARN
        return State.OK

    def perfdata(self) -> str:
        """``label=value[UOM];warn;crit;min;max`` (trailing empty fields dropped)."""
        label = (
            self.label
            if re.fullmatch(r"[A-Za-z0-9_.-]+", self.label)
            else "'{}'".format(self.label.replace("'", "''"))
        )
        fields = [
            f"{_num(self.value)}{self.uom}",
            "" if self.warn is None else str(self.warn),
            "" if self.crit is None else str(self.crit),
            "" if self.min is None else _num(self.min),
            "" if self.max is None else _num(self.max),
        ]
        while len(fields) > 1 and fields[-1] == "":
            fields.pop()
        return f"{label}={';'.join(fields)}"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe run found."""

    state: State
    message: str
    duration: float = 0.0
    metrics: tuple[Metric, ...] = ()

    def perfdata(self) -> str:
        return " ".join(m.perfdata() for m in self.metrics)

    def nagios_line(self) -> str:
        """The first line of a Nagios plugin's output: ``STATE message[ | perfdata]``."""
        message = " ".join(self.message.split()).replace("|", "/")
        line = f"{self.state.name} {message}"
        perf = self.perfdata()
        return f"{line} | {perf}" if perf else line


# -- target options, one dataclass per kind ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class DicomOptions:
    """C-ECHO and worklist: who we say we are (calling) and whom we call."""

    calling_aet: str = "WEIBAO"
    called_aet: str = "ANY-SCP"


@dataclass(frozen=True, slots=True)
class WorklistOptions:
    """Modality Worklist C-FIND for the day of ``now`` (the run's clock when None).

    An empty worklist is a WARN only on ``working_days`` (Monday 0 … Sunday 6) between
    ``working_hours``; ``now`` must be timezone-aware or naive local time of the hospital.
    """

    calling_aet: str = "WEIBAO"
    called_aet: str = "ANY-SCP"
    modality: str = ""
    station_aet: str = ""
    now: datetime | None = None
    working_hours: tuple[dtime, dtime] = (dtime(8, 0), dtime(18, 0))
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True, slots=True)
class Hl7Options:
    """The test message's MSH fields; processing ID is always ``T`` (training/test)."""

    sending_app: str = "WEIBAO"
    sending_facility: str = "WEIBAO"
    receiving_app: str = ""
    receiving_facility: str = ""
    message_type: str = "ADT^A01"
    version: str = "2.5"
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """How to judge a certificate: against the system store or ``ca_file``; ``accept_untrusted``
    checks only the expiry (a self-signed certificate a hospital chose to keep)."""

    server_name: str = ""
    ca_file: str = ""
    accept_untrusted: bool = False


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """An HTTP(S) GET (or a SOAP POST): the URL, or ``scheme://host:port/path`` from the target.

    ``expect_status`` empty means any status below 400; ``body_regex`` must match the body.
    For the ``soap`` kind, ``soap_body`` (an envelope) is POSTed with ``soap_action``; without it
    the URL is fetched and must be a WSDL document.
    """

    url: str = ""
    scheme: str = "http"
    path: str = "/"
    expect_status: tuple[int, ...] = ()
    body_regex: str = ""
    tls: TlsOptions = field(default_factory=TlsOptions)
    soap_body: str = ""
    soap_action: str = ""
    max_body_bytes: int = 1_000_000


@dataclass(frozen=True, slots=True)
class SqlOptions:
    """A database to connect to and a query whose first column of the first row is the value.

    ``dsn`` is a URL (``postgresql://user:pw@host:5432/db``, ``mysql://user:pw@host:3306/db``); its
    host and port give way to the target's when those are set. ``driver`` is ``postgresql`` or
    ``mysql`` (MariaDB too); empty means taken from the DSN's scheme.
    """

    dsn: str = ""
    driver: str = ""
    query: str = "SELECT 1"


@dataclass(frozen=True, slots=True)
class BackupOptions:
    """Where the newest backup is read: the newest file matching ``pattern`` under ``directory``,
    or the timestamp a SQL query returns (naive timestamps are in ``timezone``)."""

    directory: str = ""
    pattern: str = "*"
    sql: SqlOptions | None = None
    timezone: str = "UTC"
    now: datetime | None = None


Options = DicomOptions | WorklistOptions | Hl7Options | HttpOptions | TlsOptions | SqlOptions | BackupOptions

OptionsT = TypeVar(
    "OptionsT", DicomOptions, WorklistOptions, Hl7Options, HttpOptions, TlsOptions, SqlOptions, BackupOptions
)


@dataclass(frozen=True, slots=True)
class Target:
    """What to probe: an endpoint, the kind's options, and thresholds on the kind's main metric."""

    host: str = ""
    port: int | None = None
    options: Options | None = None
    warn: Range | None = None
    crit: Range | None = None

    def options_as(self, cls: type[OptionsT]) -> OptionsT:
        """The options, or the kind's defaults; a wrong options type is a configuration error."""
        if self.options is None:
            return cls()
        if not isinstance(self.options, cls):
            raise ConfigError(f"expected {cls.__name__}, got {type(self.options).__name__}")
        return self.options

    def require_endpoint(self, default_port: int | None = None) -> tuple[str, int]:
        if not self.host:
            raise ConfigError("no host given")
        port = self.port if self.port is not None else default_port
        if port is None:
            raise ConfigError("no port given")
        if not 0 < port < 65536:
            raise ConfigError(f"port {port} out of range")
        return self.host, port

    def thresholds(
        self, warn: Range | None = None, crit: Range | None = None
    ) -> tuple[Range | None, Range | None]:
        """The target's thresholds, else the kind's defaults."""
        return (self.warn if self.warn is not None else warn, self.crit if self.crit is not None else crit)


# -- running ---------------------------------------------------------------------------------


class Deadline:
    """The time left of a probe's budget, to hand to each blocking call in turn."""

    __slots__ = ("_end", "timeout")

    def __init__(self, timeout: float) -> None:
        if not timeout > 0:
            raise ConfigError(f"timeout must be positive, got {timeout!r}")
        self.timeout = timeout
        self._end = time.monotonic() + timeout

    def expired(self) -> bool:
        return time.monotonic() >= self._end

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"timed out after {self.timeout:g}s")
        return left


def worst(*states: State) -> State:
    """The most severe state, UNKNOWN ranking between WARN and CRIT as Nagios does for
    aggregation (CRIT > UNKNOWN > WARN > OK)."""
    order = {State.OK: 0, State.WARN: 1, State.UNKNOWN: 2, State.CRIT: 3}
    return max(states, key=order.__getitem__, default=State.OK)


def judge(
    message: str, metrics: tuple[Metric, ...] | list[Metric], *, state: State = State.OK
) -> ProbeResult:
    """A result whose state is the worst of ``state`` and the metrics' thresholds; the message
    says which threshold was crossed."""
    metrics = tuple(metrics)
    crossed = [m for m in metrics if m.state() != State.OK]
    final = worst(state, *(m.state() for m in crossed))
    if crossed:
        notes = ", ".join(
            f"{m.label} {_num(m.value)}{m.uom} outside {m.crit if m.state() == State.CRIT else m.warn}"
            for m in crossed
        )
        message = f"{message} ({notes})"
    return ProbeResult(state=final, message=message, metrics=metrics)


def describe_os_error(exc: BaseException, host: str = "", port: int | None = None) -> str:
    """A one-line description of a network failure."""
    where = f"{host}:{port}" if host and port is not None else host
    prefix = f"{where}: " if where else ""
    if isinstance(exc, ConnectionRefusedError):
        return f"{prefix}connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"{prefix}timed out" + (f" ({exc})" if str(exc) and "timed out" not in str(exc) else "")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{prefix}certificate not trusted: {exc.verify_message or exc.reason}"
    if isinstance(exc, ssl.SSLError):
        return f"{prefix}TLS error: {exc.reason or exc}"
    if isinstance(exc, ConnectionResetError):
        return f"{prefix}connection reset by peer"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{prefix}{exc.strerror}"
    return f"{prefix}{exc}" if str(exc) else f"{prefix}{type(exc).__name__}"


Runner = Callable[..., ProbeResult]


def guarded(fn: Callable[[Target, Deadline], ProbeResult]) -> Callable[..., ProbeResult]:
    """Make ``fn(target, deadline)`` a runner ``run(target, *, timeout)`` that never raises."""

    @functools.wraps(fn)
    def run(target: Target, *, timeout: float) -> ProbeResult:
        started = time.monotonic()
        try:
            deadline = Deadline(timeout)
            result = fn(target, deadline)
        except ConfigError as exc:
            result = ProbeResult(State.UNKNOWN, f"bad configuration: {exc}")
        except ProbeFailure as exc:
            result = ProbeResult(State.CRIT, str(exc))
        except socket.gaierror as exc:
            result = ProbeResult(State.UNKNOWN, f"cannot resolve host {target.host!r}: {exc.strerror or exc}")
        except OSError as exc:  # refused, reset, unreachable, timed out, TLS failures
            result = ProbeResult(State.CRIT, describe_os_error(exc, target.host, target.port))
        except Exception as exc:
            result = ProbeResult(State.UNKNOWN, f"probe error: {type(exc).__name__}: {exc}")
        return replace(result, duration=time.monotonic() - started)

    return run
