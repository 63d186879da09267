"""HL7 over MLLP against a separate process running hl7apy's MLLP server."""

from __future__ import annotations

import socket
import threading

from weibao.probes.runners import Hl7Options, State, Target, run_probe
from weibao.probes.runners.hl7_mllp import test_message as build_message

from .conftest import free_port


def hl7(port: int, **options) -> object:
    return run_probe("hl7", Target("127.0.0.1", port, Hl7Options(**options)), timeout=5)


def test_an_aa_acknowledgement_is_ok(hl7_peer):
    port = hl7_peer("AA")
    result = hl7(port, receiving_app="HIS", receiving_facility="医院")
    assert result.state == State.OK, result
    assert (
        result.message
        == f"127.0.0.1:{port}: ADT^A01 acknowledged AA in {result.metrics[0].value * 1000:.0f} ms"
    )


def test_an_ae_acknowledgement_is_crit_with_its_text(hl7_peer):
    port = hl7_peer("AE")
    result = hl7(port)
    assert result.state == State.CRIT
    assert result.message == (
        f"127.0.0.1:{port}: ADT^A01 answered AE (application error): PID-3 unknown patient identifier domain"
    )


def test_an_ack_for_another_control_id_is_crit(hl7_peer):
    port = hl7_peer("WRONGID")
    result = hl7(port)
    assert result.state == State.CRIT
    assert "for control id 'SOMEONE-ELSE'" in result.message


def test_nothing_listening_is_crit():
    port = free_port()
    result = hl7(port)
    assert result.state == State.CRIT and result.message == f"127.0.0.1:{port}: connection refused"


def test_a_peer_that_never_answers_times_out_as_crit():
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        result = run_probe("hl7", Target("127.0.0.1", listener.getsockname()[1]), timeout=0.5)
    finally:
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()
    assert result.state == State.CRIT
    assert "timed out" in result.message
    assert result.duration < 1.5


def test_the_test_message_is_processing_id_t():
    from datetime import datetime

    text = build_message(Hl7Options(receiving_app="HIS"), "WB123", datetime(2026, 12, 3, 8, 0))
    msh = text.split("\r")[0].split("|")
    assert msh[8:12] == ["ADT^A01", "WB123", "T", "2.5"]
    assert msh[4] == "HIS" and msh[6] == "20261203080000"


def test_a_delimiter_in_a_field_is_a_configuration_error():
    result = run_probe("hl7", Target("127.0.0.1", 2575, Hl7Options(receiving_app="A|B")), timeout=1)
    assert result.state == State.UNKNOWN and "delimiter" in result.message
