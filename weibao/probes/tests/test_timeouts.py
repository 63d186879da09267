"""Each probe is bounded by its timeout: a peer that accepts the connection and never answers is
CRIT "timed out", well within the budget."""

from __future__ import annotations

import pytest

from weibao.probes.runners import HttpOptions, State, Target, TlsOptions, run_probe


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("dicom-echo", None),
        ("dicom-worklist", None),
        ("hl7", None),
        ("http", HttpOptions()),
        ("soap", HttpOptions(path="/svc?wsdl")),
        ("tls", TlsOptions()),
    ],
)
def test_a_silent_peer_times_out_as_crit(kind, options, silent_peer):
    result = run_probe(kind, Target("127.0.0.1", silent_peer, options), timeout=1.0)
    assert result.state == State.CRIT, result
    assert "timed out" in result.message, result.message
    assert result.duration < 2.5
