"""The demo's probes exist, switched off (their 127.0.0.1 ports may be closed), once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from weibao.probes.models import Probe

pytestmark = pytest.mark.django_db


def test_demo_probes_are_created_disabled_and_only_once():
    call_command("demo", stdout=StringIO())
    kinds = sorted(Probe.objects.values_list("kind", flat=True))
    assert kinds == ["dicom-echo", "hl7", "http", "tcp", "tls"]
    assert not Probe.objects.filter(enabled=True).exists()
    assert Probe.objects.get(kind="dicom-echo").endpoint.ae_title == "PACS01"
    call_command("demo", stdout=StringIO())
    assert Probe.objects.count() == 5
