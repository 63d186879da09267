"""SOAP/WebService: fetch the WSDL and check it is one, or POST a configured harmless operation
and check the answer is not a SOAP Fault."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .base import Deadline, HttpOptions, ProbeFailure, ProbeResult, Target, guarded, judge
from .web import check_status_and_body, fetch, metrics

WSDL_ROOTS = {"{http://schemas.xmlsoap.org/wsdl/}definitions", "{http://www.w3.org/ns/wsdl}description"}
FAULTS = {
    "{http://schemas.xmlsoap.org/soap/envelope/}Fault",
    "{http://www.w3.org/2003/05/soap-envelope}Fault",
}


def _parse(body: bytes, url: str) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise ProbeFailure(f"{url}: answer is not XML ({exc})") from exc


@guarded
def run(target: Target, deadline: Deadline) -> ProbeResult:
    options = target.options_as(HttpOptions)
    if not options.soap_body:
        response = fetch(target, options, deadline)
        check_status_and_body(response, options)
        root = _parse(response.body, response.url)
        if root.tag not in WSDL_ROOTS:
            raise ProbeFailure(f"{response.url}: not a WSDL document (root element {root.tag})")
        operations = {
            op.get("name") for op in root.iter() if op.tag.endswith("}operation") and op.get("name")
        }
        return judge(
            f"{response.url}: WSDL with {len(operations)} operation(s) in {response.elapsed * 1000:.0f} ms",
            metrics(response, target),
        )
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{options.soap_action}"'}
    response = fetch(
        target, options, deadline, method="POST", body=options.soap_body.encode(), headers=headers
    )
    reply = _parse(response.body, response.url) if response.body.strip() else None
    fault = next((el for el in reply.iter() if el.tag in FAULTS), None) if reply is not None else None
    if fault is not None:
        text = " ".join(t.strip() for t in fault.itertext() if t.strip())
        raise ProbeFailure(f"{response.url}: SOAP fault: {text[:200]}")
    check_status_and_body(response, options)
    return judge(
        f"{response.url}: SOAP {options.soap_action or 'call'} answered HTTP {response.status} in "
        f"{response.elapsed * 1000:.0f} ms",
        metrics(response, target),
    )
