"""The shipped Zabbix media type and Alertmanager example point at the receivers and send what
they read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

DOCS = Path(__file__).resolve().parents[3] / "docs" / "monitoring"


def test_the_zabbix_media_type_posts_the_fields_the_receiver_reads():
    export = json.loads((DOCS / "zabbix_mediatype_weibao.json").read_text())
    [media] = export["zabbix_export"]["media_types"]
    assert media["type"] == "WEBHOOK"
    params = {p["name"]: p["value"] for p in media["parameters"]}
    assert params["URL"].endswith("/api/v1/monitoring/zabbix")
    assert params["event_id"] == "{EVENT.ID}" and params["status"] == "{EVENT.STATUS}"
    body_fields = set(
        re.findall(r"^\s+(\w+): ", media["script"].split("var body = {")[1].split("};")[0], re.M)
    )
    assert body_fields == {"event_id", "host", "trigger_name", "severity", "status", "message"}
    assert "Authorization: Bearer " in media["script"]


def test_the_alertmanager_example_sends_resolved_alerts_with_the_token():
    config = yaml.safe_load((DOCS / "alertmanager.yml").read_text())
    [receiver] = config["receivers"]
    [hook] = receiver["webhook_configs"]
    assert config["route"]["receiver"] == receiver["name"]
    assert hook["url"].endswith("/api/v1/monitoring/alertmanager")
    assert hook["send_resolved"] is True
    assert hook["http_config"]["authorization"]["type"] == "Bearer"
