"""DICOM probes against DCMTK: storescp (C-ECHO), dcmqrscp (refuses an unknown called AE title)
and wlmscpfs (a worklist folder)."""

from __future__ import annotations

from datetime import datetime

from weibao.probes.runners import DicomOptions, State, Target, WorklistOptions, run_probe

from .conftest import free_port


def echo(port: int, called: str = "STORESCP", calling: str = "WEIBAO") -> object:
    target = Target("127.0.0.1", port, DicomOptions(calling_aet=calling, called_aet=called))
    return run_probe("dicom-echo", target, timeout=5)


def test_c_echo_to_storescp_is_ok(storescp):
    result = echo(storescp)
    assert result.state == State.OK, result
    assert result.message.startswith("C-ECHO WEIBAO->STORESCP@127.0.0.1:")
    assert [m.label for m in result.metrics] == ["time"]
    assert 0 < result.metrics[0].value < 5


def test_c_echo_with_nothing_listening_is_crit():
    port = free_port()
    result = echo(port)
    assert result.state == State.CRIT
    assert result.message == f"127.0.0.1:{port}: connection refused"


def test_c_echo_with_a_wrong_called_ae_title_is_crit(dcmqrscp):
    port, right = dcmqrscp
    assert echo(port, called=right).state == State.OK
    result = echo(port, called="WRONGAE")
    assert result.state == State.CRIT, result
    # dcmqrscp answers with an A-ASSOCIATE-RJ naming the reason; under load it sometimes aborts the
    # association instead: either way the wrong AE title is CRIT and the message says why.
    assert (
        "rejected" in result.message and "Called AE title not recognised" in result.message
    ) or "aborted by the peer" in result.message


def test_a_malformed_ae_title_is_unknown(storescp):
    result = echo(storescp, called="A" * 17)
    assert result.state == State.UNKNOWN
    assert "called AE title" in result.message


WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0)


def worklist(port: int, aet: str, now: datetime, **options) -> object:
    target = Target("127.0.0.1", port, WorklistOptions(called_aet=aet, now=now, **options))
    return run_probe("dicom-worklist", target, timeout=5)


def test_worklist_with_todays_item_counts_one(worklist_server):
    port, aet = worklist_server(items_on=["20261202", "20261203"])
    result = worklist(port, aet, WEDNESDAY_10)
    assert result.state == State.OK, result
    assert result.metrics[0].label == "items" and result.metrics[0].value == 1
    assert "1 item(s) for 2026-12-02" in result.message
    # the modality filter is sent to the peer: no MR scheduled
    assert worklist(port, aet, WEDNESDAY_10, modality="MR").metrics[0].value == 0


def test_empty_worklist_during_working_hours_is_warn(worklist_server):
    port, aet = worklist_server(items_on=[])
    result = worklist(port, aet, WEDNESDAY_10)
    assert result.state == State.WARN, result
    assert "0 item(s)" in result.message and "working hours" in result.message
    # the same empty worklist at night or on Sunday is fine
    assert worklist(port, aet, datetime(2026, 12, 2, 20, 0)).state == State.OK
    assert worklist(port, aet, datetime(2026, 12, 6, 10, 0)).state == State.OK
    # … unless Sunday is a working day there
    assert (
        worklist(port, aet, datetime(2026, 12, 6, 10, 0), working_days=frozenset(range(7))).state
        == State.WARN
    )


def test_worklist_peer_down_or_wrong_ae_is_crit(worklist_server):
    port, _aet = worklist_server(items_on=["20261202"])
    assert worklist(port, "NOTWL", WEDNESDAY_10).state == State.CRIT
    assert worklist(free_port(), "WLSCP", WEDNESDAY_10).state == State.CRIT
