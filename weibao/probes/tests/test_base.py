"""Thresholds, perfdata and the never-raise rule, table-driven (no peer needed)."""

from __future__ import annotations

import pytest

from weibao.probes.runners import KINDS, ConfigError, Metric, ProbeResult, Range, State, Target, run_probe
from weibao.probes.runners.base import guarded


def test_states_have_the_nagios_numbers():
    assert [(s.name, int(s)) for s in State] == [("OK", 0), ("WARN", 1), ("CRIT", 2), ("UNKNOWN", 3)]


@pytest.mark.parametrize(
    ("text", "lower_is_bad", "alerting", "quiet", "rendered"),
    [
        ("10", False, [-1, 10.5, 11], [0, 5, 10], "10"),
        ("10:", False, [9.99, -5], [10, 1e9], "10:"),
        ("~:10", False, [10.1], [-1e9, 10], "~:10"),
        ("10:20", False, [9, 21], [10, 15, 20], "10:20"),
        ("@10:20", False, [10, 15, 20], [9, 21], "@10:20"),
        ("30", True, [29.9, 0, -1], [30, 400], "30:"),
        ("0.5", False, [0.6], [0.2], "0.5"),
    ],
)
def test_nagios_ranges(text, lower_is_bad, alerting, quiet, rendered):
    rng = Range.parse(text, lower_is_bad=lower_is_bad)
    assert [rng.alerts(v) for v in alerting] == [True] * len(alerting)
    assert [rng.alerts(v) for v in quiet] == [False] * len(quiet)
    assert str(rng) == rendered
    assert Range.parse(str(rng)) == rng


@pytest.mark.parametrize("text", ["", "abc", "10:5", "1:2:3", "@", "~"])
def test_bad_ranges_are_configuration_errors(text):
    with pytest.raises(ConfigError):
        Range.parse(text)


def test_perfdata_follows_the_nagios_format():
    metric = Metric("time", 0.0123, "s", warn=Range.parse("0.5"), crit=Range.parse("1"), min=0)
    assert metric.perfdata() == "time=0.0123s;0.5;1;0"
    assert Metric("days left", 12.5, warn=Range.below(30)).perfdata() == "'days left'=12.5;30:"
    assert Metric("items", 3).perfdata() == "items=3"
    result = ProbeResult(State.WARN, "slow | very\nslow", metrics=(metric, Metric("size", 10, "B")))
    assert result.nagios_line() == "WARN slow / very slow | time=0.0123s;0.5;1;0 size=10B"


def test_metric_thresholds_decide_the_state():
    assert Metric("x", 5, warn=Range.parse("4"), crit=Range.parse("6")).state() == State.WARN
    assert Metric("x", 7, warn=Range.parse("4"), crit=Range.parse("6")).state() == State.CRIT
    assert Metric("x", 3, warn=Range.parse("4"), crit=Range.parse("6")).state() == State.OK


def test_a_runner_never_raises():
    @guarded
    def broken(target, deadline):
        raise KeyError("surprise")

    @guarded
    def misconfigured(target, deadline):
        raise ConfigError("no query")

    result = broken(Target(), timeout=1)
    assert result.state == State.UNKNOWN and "KeyError" in result.message and result.duration >= 0
    assert misconfigured(Target(), timeout=1).message == "bad configuration: no query"
    assert broken(Target(), timeout=0).state == State.UNKNOWN


def test_unknown_kind_and_missing_endpoint_are_unknown():
    assert run_probe("ftp", Target("127.0.0.1", 21), timeout=1).state == State.UNKNOWN
    for kind in KINDS:
        result = run_probe(kind, Target(), timeout=1)
        assert result.state == State.UNKNOWN, (kind, result)
        assert result.message.startswith("bad configuration"), (kind, result)
