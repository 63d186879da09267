"""HL7 v2 over MLLP: send a test message (processing ID ``T``) and read the acknowledgement.

OK when MSA-1 is AA or CA and MSA-2 echoes the message's control id (MSH-10); CRIT on AE, AR, CE or
CR (with MSA-3's text), on a wrong control id, on no answer or on an answer that is not an ACK.
The MLLP framing is ``<VT> message <FS><CR>``; one connection per run.
"""

from __future__ import annotations

import socket
import time
import uuid
from datetime import datetime

import hl7

from .base import ConfigError, Deadline, Hl7Options, Metric, ProbeFailure, ProbeResult, Target, guarded, judge

START, END = b"\x0b", b"\x1c\r"
ACCEPTED = {"AA", "CA"}
REFUSED = {"AE": "application error", "AR": "application reject", "CE": "commit error", "CR": "commit reject"}
MAX_REPLY = 1_000_000


def _field(text: str, what: str) -> str:
    if any(ch in text for ch in "|^~\\&\r\n"):
        raise ConfigError(f"{what} {text!r} contains an HL7 delimiter")
    return text


def test_message(options: Hl7Options, control_id: str, now: datetime) -> str:
    """An ADT^A01 (or the configured type) for a clearly named test patient, processing ID T."""
    if options.message_type.count("^") != 1 or any(ch in options.message_type for ch in "|~\\&\r\n"):
        raise ConfigError(f"message type {options.message_type!r} must look like ADT^A01")
    stamp = now.strftime("%Y%m%d%H%M%S")
    event = options.message_type.split("^")[1]
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            _field(options.sending_app, "sending application"),
            _field(options.sending_facility, "sending facility"),
            _field(options.receiving_app, "receiving application"),
            _field(options.receiving_facility, "receiving facility"),
            stamp,
            "",
            options.message_type,
            control_id,
            "T",
            _field(options.version, "version"),
        ]
    )
    return "\r".join([msh, f"EVN|{event}|{stamp}", "PID|1||WEIBAO-PROBE^^^WEIBAO||PROBE^WEIBAO"]) + "\r"


def exchange(host: str, port: int, payload: bytes, deadline: Deadline) -> bytes:
    """Send one framed message and return the framed reply's content."""
    with socket.create_connection((host, port), timeout=deadline.remaining()) as sock:
        sock.settimeout(deadline.remaining())
        sock.sendall(START + payload + END)
        buffer = b""
        while END not in buffer:
            sock.settimeout(deadline.remaining())
            chunk = sock.recv(65536)
            if not chunk:
                break
            buffer += chunk
            if len(buffer) > MAX_REPLY:
                raise ProbeFailure(f"{host}:{port}: reply longer than {MAX_REPLY} bytes without an MLLP end")
    if not buffer:
        raise ProbeFailure(f"{host}:{port}: connection closed without an acknowledgement")
    start = buffer.find(START)
    end = buffer.find(END)
    if start < 0 or end < start:
        raise ProbeFailure(f"{host}:{port}: reply is not MLLP-framed")
    return buffer[start + 1 : end]


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(Hl7Options)
    host, port = target.require_endpoint()
    control_id = "WB" + uuid.uuid4().hex[:18]
    try:
        payload = test_message(options, control_id, datetime.now()).encode(options.encoding)
    except LookupError as exc:
        raise ConfigError(f"unknown encoding {options.encoding!r}") from exc
    started = time.monotonic()
    raw = exchange(host, port, payload, deadline)
    elapsed = time.monotonic() - started
    text = raw.decode(options.encoding, errors="replace").replace("\r\n", "\r").replace("\n", "\r")
    try:
        message = hl7.parse(text)
        msa = message.segment("MSA")
    except Exception as exc:
        raise ProbeFailure(f"{host}:{port}: reply is not an HL7 ACK ({type(exc).__name__}: {exc})") from exc
    code = str(msa(1)).strip() if len(msa) > 1 else ""
    echoed = str(msa(2)).strip() if len(msa) > 2 else ""
    note = str(msa(3)).strip() if len(msa) > 3 else ""
    if code in REFUSED:
        detail = f": {note}" if note else ""
        raise ProbeFailure(f"{host}:{port}: {options.message_type} answered {code} ({REFUSED[code]}){detail}")
    if code not in ACCEPTED:
        raise ProbeFailure(f"{host}:{port}: unexpected acknowledgement code {code!r}")
    if echoed != control_id:
        raise ProbeFailure(f"{host}:{port}: ACK {code} for control id {echoed!r}, sent {control_id!r}")
    warn, crit = target.thresholds()
    metric = Metric("time", round(elapsed, 6), "s", warn=warn, crit=crit, min=0)
    return judge(
        f"{host}:{port}: {options.message_type} acknowledged {code} in {elapsed * 1000:.0f} ms", [metric]
    )
