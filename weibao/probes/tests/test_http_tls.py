"""HTTP(S), SOAP and TLS against a local server, HTTPS with self-signed certificates made here."""

from __future__ import annotations

from weibao.probes.runners import HttpOptions, Range, State, Target, TlsOptions, run_probe

from .conftest import free_port


def http(port: int, path: str = "/", scheme: str = "http", warn: Range | None = None, **options) -> object:
    target = Target("127.0.0.1", port, HttpOptions(scheme=scheme, path=path, **options), warn=warn)
    return run_probe("http", target, timeout=5)


def tls(port: int, **options) -> object:
    return run_probe("tls", Target("127.0.0.1", port, TlsOptions(**options)), timeout=5)


def test_http_status_and_body_regex(web_server):
    port, _ = web_server()
    ok = http(port, body_regex=r"运行正常 status=UP")
    assert ok.state == State.OK, ok
    assert ok.message.startswith(f"http://127.0.0.1:{port}/: HTTP 200 OK in ")
    assert [m.label for m in ok.metrics] == ["time", "size"]
    missing = http(port, body_regex=r"status=DOWN")
    assert missing.state == State.CRIT
    assert missing.message == f"http://127.0.0.1:{port}/: HTTP 200, body does not match /status=DOWN/"


def test_http_error_status_and_expected_status(web_server):
    port, _ = web_server()
    down = http(port, "/down")
    assert down.state == State.CRIT
    assert down.message == f"http://127.0.0.1:{port}/down: HTTP 503 Service Unavailable (expected < 400)"
    assert http(port, "/nothing-here", expect_status=(404,)).state == State.OK
    assert http(port, "/", expect_status=(204,)).state == State.CRIT


def test_http_latency_threshold(web_server):
    port, _ = web_server()
    slow = http(port, "/slow", warn=Range.parse("0.1"))
    assert slow.state == State.WARN
    assert "time" in slow.message and "outside 0.1" in slow.message


def test_http_nothing_listening_is_crit():
    port = free_port()
    result = http(port)
    assert result.state == State.CRIT and result.message == f"127.0.0.1:{port}: connection refused"


def test_https_verifies_the_certificate(web_server):
    port, ca_file = web_server(cert_days=400)
    assert http(port, scheme="https", tls=TlsOptions(ca_file=ca_file)).state == State.OK
    untrusted = http(port, scheme="https")
    assert untrusted.state == State.CRIT
    assert "certificate not trusted" in untrusted.message and "self-signed" in untrusted.message
    assert http(port, scheme="https", tls=TlsOptions(accept_untrusted=True)).state == State.OK


def test_tls_certificate_expiring_in_5_days_is_crit(web_server):
    port, ca_file = web_server(cert_days=5)
    result = tls(port, ca_file=ca_file)
    assert result.state == State.CRIT, result
    assert result.metrics[0].label == "days_left" and 4.9 < result.metrics[0].value < 5.01
    assert "outside 7:" in result.message
    assert result.metrics[0].perfdata().endswith(";30:;7:")


def test_tls_certificate_expiring_in_20_days_is_warn(web_server):
    port, ca_file = web_server(cert_days=20)
    result = tls(port, ca_file=ca_file)
    assert result.state == State.WARN, result
    assert "trusted" in result.message and "outside 30:" in result.message


def test_tls_trusted_and_far_from_expiry_is_ok(web_server):
    port, ca_file = web_server(cert_days=400)
    result = tls(port, ca_file=ca_file, server_name="localhost")
    assert result.state == State.OK, result
    assert "CN=probe-test.local trusted" in result.message


def test_tls_self_signed_untrusted_is_crit_unless_accepted(web_server):
    port, _ = web_server(cert_days=400)
    untrusted = tls(port)
    assert untrusted.state == State.CRIT
    assert "not trusted: self-signed certificate" in untrusted.message
    accepted = tls(port, accept_untrusted=True)
    assert accepted.state == State.OK and "accepted untrusted" in accepted.message
    # accepted, only the expiry counts
    soon_port, _ = web_server(cert_days=20)
    assert tls(soon_port, accept_untrusted=True).state == State.WARN


def test_tls_expired_certificate_is_crit_even_when_accepted(web_server):
    port, ca_file = web_server(cert_days=-2)
    for result in (tls(port, ca_file=ca_file), tls(port, accept_untrusted=True)):
        assert result.state == State.CRIT
        assert "expired on" in result.message


def test_tls_wrong_server_name_is_crit(web_server):
    port, ca_file = web_server(cert_days=400)
    result = tls(port, ca_file=ca_file, server_name="pacs.example.org")
    assert result.state == State.CRIT and "not trusted" in result.message and "mismatch" in result.message


def test_tls_nothing_listening_and_plain_tcp_are_crit(web_server):
    assert tls(free_port()).state == State.CRIT
    plain_port, _ = web_server()
    result = tls(plain_port)
    assert result.state == State.CRIT and "TLS error" in result.message


def test_tls_missing_ca_file_is_unknown(web_server, tmp_path):
    port, _ = web_server(cert_days=400)
    result = tls(port, ca_file=str(tmp_path / "none.pem"))
    assert result.state == State.UNKNOWN and "CA file" in result.message


def soap(port: int, path: str, **options) -> object:
    return run_probe("soap", Target("127.0.0.1", port, HttpOptions(path=path, **options)), timeout=5)


PING = """<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Body><Ping xmlns="urn:his"/></soap:Body></soap:Envelope>"""


def test_soap_wsdl_is_ok_and_a_page_that_is_not_wsdl_is_crit(web_server):
    port, _ = web_server()
    result = soap(port, "/his?wsdl")
    assert result.state == State.OK, result
    assert "WSDL with 2 operation(s)" in result.message
    assert soap(port, "/").state == State.CRIT  # HTML is not XML
    assert soap(port, "/missing?wsdl").state == State.CRIT


def test_soap_operation_ok_and_fault_is_crit(web_server):
    port, _ = web_server()
    ok = soap(port, "/his", soap_body=PING, soap_action="urn:his#Ping")
    assert ok.state == State.OK, ok
    fault = soap(port, "/his", soap_body=PING, soap_action="urn:his#Other")
    assert fault.state == State.CRIT
    assert fault.message == f"http://127.0.0.1:{port}/his: SOAP fault: soap:Server 数据库连接失败"
