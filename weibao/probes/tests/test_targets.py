"""A stored probe's fields and endpoint become the runner's target by the CLI's own rules."""

from __future__ import annotations

import pytest

from weibao.probes.runners import ConfigError, DicomOptions, HttpOptions, Range, SqlOptions
from weibao.probes.targets import EndpointView, build_target


def test_the_endpoint_gives_host_port_called_aet_and_the_options_the_rest():
    t = build_target(
        kind="dicom-echo",
        endpoint=EndpointView(host="10.0.0.5", port=11112, ae_title="PACS01"),
        options={"calling_aet": "WB"},
        timeout=5,
        warn="0.5",
        crit="2",
    )
    assert (t.host, t.port) == ("10.0.0.5", 11112)
    assert t.options == DicomOptions(calling_aet="WB", called_aet="PACS01")
    assert t.warn == Range.parse("0.5") and t.crit == Range.parse("2")


def test_the_credential_goes_into_the_dsn_quoted():
    t = build_target(
        kind="sql",
        endpoint=EndpointView(
            host="db", port=5432, dsn="postgresql://db:5432/his", username="ro", password="p@ss:w/rd"
        ),
        options={"query": "SELECT count(*) FROM t"},
        timeout=5,
    )
    assert isinstance(t.options, SqlOptions)
    assert t.options.dsn == "postgresql://ro:p%40ss%3Aw%2Frd@db:5432/his"
    assert t.options.query == "SELECT count(*) FROM t"


def test_http_options_and_a_soap_body_given_as_text():
    t = build_target(
        kind="soap",
        endpoint=EndpointView(url="http://his/ws?wsdl"),
        options={"soap_body": "<Envelope/>", "soap_action": "urn:his#Ping", "status": "200"},
        timeout=5,
    )
    assert isinstance(t.options, HttpOptions)
    assert (t.options.url, t.options.soap_body, t.options.expect_status) == (
        "http://his/ws?wsdl",
        "<Envelope/>",
        (200,),
    )


@pytest.mark.parametrize(
    "options",
    [
        {"soap_body_file": "/etc/passwd"},
        {"host": "elsewhere"},
        {"nope": 1},
        {"accept_untrusted": "yes"},
        {"status": "x"},
    ],
)
def test_options_that_do_not_add_up_are_a_configuration_error(options):
    with pytest.raises(ConfigError):
        build_target(kind="http", endpoint=EndpointView(host="h", port=80), options=options, timeout=5)
